import {
  createContext,
  DependencyList,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
} from 'react';

/**
 * How often the views ask the backend again, in the background. The backend's reconciler
 * refreshes its index on its own schedule and on cluster events; polling at about this pace
 * shows a condition changed with kubectl within one reconcile, without a reload.
 */
export const POLL_INTERVAL_MS = 10_000;

/**
 * The polling interval for the views below it: {@link POLL_INTERVAL_MS} unless a provider says
 * otherwise (tests use a short one; 0 turns background refresh off).
 */
export const PollIntervalContext = createContext<number>(POLL_INTERVAL_MS);

export interface PolledAsyncState<T> {
  /** The last value loaded; kept on screen while a refresh runs and when one fails. */
  value?: T;
  /** The last request's error; cleared by the next success. */
  error?: Error;
  /** Nothing to show yet: the first request is running. */
  loading: boolean;
  /** A request is running (first load, background refresh or retry). */
  refreshing: boolean;
  /** When `value` was loaded. */
  updatedAt?: Date;
  /** Loads again now (the manual refresh buttons); the value stays on screen meanwhile. */
  retry: () => void;
}

interface State<T> {
  value?: T;
  error?: Error;
  updatedAt?: Date;
  pending: boolean;
}

/** Same JSON: keep the old value so an unchanged answer does not re-render the tables. */
function sameJson(a: unknown, b: unknown) {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

/**
 * Loads `fn()` and then refreshes it in the background every poll interval, without flicker:
 * the last value stays while a refresh runs, a failed refresh keeps it (and reports the error
 * beside it), and an unchanged answer keeps the same object. The next refresh is scheduled when
 * the previous one ends, so a slow backend never has requests piling up; ticks are skipped while
 * the browser tab is hidden and one runs as soon as it is visible again. Everything stops when
 * the component unmounts; changing `deps` starts afresh (the old value belongs to something
 * else).
 */
export function usePolledAsync<T>(
  fn: () => Promise<T>,
  deps: DependencyList,
  options: { intervalMs?: number } = {},
): PolledAsyncState<T> {
  const contextInterval = useContext(PollIntervalContext);
  const intervalMs = options.intervalMs ?? contextInterval;
  const [state, setState] = useState<State<T>>({ pending: true });
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const runRef = useRef<() => void>(() => {});

  useEffect(
    () => {
      setState(s =>
        s.value === undefined && s.error === undefined && s.pending
          ? s
          : { pending: true },
      );
      let active = true;
      let latest = 0;
      let missedTick = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hidden = () => document.visibilityState === 'hidden';

      const schedule = () => {
        clearTimeout(timer);
        // eslint-disable-next-line @typescript-eslint/no-use-before-define
        if (active && intervalMs > 0) timer = setTimeout(tick, intervalMs);
      };
      const run = () => {
        if (!active) return;
        const id = ++latest;
        clearTimeout(timer);
        setState(s => (s.pending ? s : { ...s, pending: true }));
        Promise.resolve()
          .then(() => fnRef.current())
          .then(
            value => {
              if (!active || id !== latest) return;
              setState(s => ({
                value: sameJson(s.value, value) ? s.value : value,
                updatedAt: new Date(),
                pending: false,
              }));
              schedule();
            },
            error => {
              if (!active || id !== latest) return;
              setState(s => ({
                ...s,
                error:
                  error instanceof Error ? error : new Error(String(error)),
                pending: false,
              }));
              schedule();
            },
          );
      };
      const tick = () => {
        if (hidden()) {
          missedTick = true;
          return;
        }
        run();
      };
      const onVisibilityChange = () => {
        if (missedTick && !hidden()) {
          missedTick = false;
          run();
        }
      };

      document.addEventListener('visibilitychange', onVisibilityChange);
      runRef.current = run;
      run();
      return () => {
        active = false;
        clearTimeout(timer);
        document.removeEventListener('visibilitychange', onVisibilityChange);
        runRef.current = () => {};
      };
    },
    // The caller's deps decide when `fn` asks for something else, as with react-use's useAsync.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [...deps, intervalMs],
  );

  const retry = useCallback(() => runRef.current(), []);
  const { value, error, updatedAt, pending } = state;
  return {
    value,
    error,
    updatedAt,
    loading: pending && value === undefined && error === undefined,
    refreshing: pending,
    retry,
  };
}
