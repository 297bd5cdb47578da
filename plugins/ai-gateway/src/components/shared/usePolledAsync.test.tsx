import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import {
  POLL_INTERVAL_MS,
  PollIntervalContext,
  usePolledAsync,
} from './usePolledAsync';

/** A promise settled from the test. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run (fake timers do not run them). */
const settle = () => act(async () => {});
const advance = (ms: number) =>
  act(async () => {
    jest.advanceTimersByTime(ms);
  });

describe('usePolledAsync', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      value: 'visible',
    });
  });

  it('refreshes about every 10 s by default', () => {
    expect(POLL_INTERVAL_MS).toBe(10_000);
  });

  it('loads, then refreshes in the background keeping the last value on screen', async () => {
    let n = 0;
    let next = deferred<number>();
    const fn = jest.fn(() => {
      n += 1;
      next = deferred<number>();
      return next.promise;
    });
    const { result } = renderHook(() => usePolledAsync(fn, []));
    expect(result.current.loading).toBe(true);
    await settle();
    next.resolve(1);
    await settle();
    expect(result.current).toMatchObject({
      value: 1,
      loading: false,
      refreshing: false,
    });
    expect(result.current.updatedAt).toBeInstanceOf(Date);

    await advance(POLL_INTERVAL_MS - 1);
    expect(n).toBe(1);
    await advance(1);
    expect(n).toBe(2);
    // While the refresh runs: the old value, no loading state.
    expect(result.current).toMatchObject({
      value: 1,
      loading: false,
      refreshing: true,
    });
    next.resolve(2);
    await settle();
    expect(result.current).toMatchObject({ value: 2, refreshing: false });
  });

  it('keeps the last value when a refresh fails, and clears the error on the next success', async () => {
    const answers: Array<() => Promise<string>> = [
      async () => 'first',
      async () => {
        throw new Error('backend down');
      },
      async () => 'third',
    ];
    const fn = jest.fn(() => answers.shift()!());
    const { result } = renderHook(() => usePolledAsync(fn, []));
    await settle();
    const loadedAt = result.current.updatedAt;
    expect(result.current.value).toBe('first');

    await advance(POLL_INTERVAL_MS);
    expect(result.current.value).toBe('first');
    expect(result.current.error?.message).toBe('backend down');
    expect(result.current.loading).toBe(false);
    expect(result.current.updatedAt).toBe(loadedAt);

    await advance(POLL_INTERVAL_MS);
    expect(result.current.value).toBe('third');
    expect(result.current.error).toBeUndefined();
  });

  it('reports a first failure as an error with no value, and keeps trying', async () => {
    const fn = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(new Error('not yet'))
      .mockResolvedValue('now');
    const { result } = renderHook(() => usePolledAsync(fn, []));
    await settle();
    expect(result.current).toMatchObject({ value: undefined, loading: false });
    expect(result.current.error?.message).toBe('not yet');
    await advance(POLL_INTERVAL_MS);
    expect(result.current.value).toBe('now');
    expect(result.current.error).toBeUndefined();
  });

  it('keeps the same object when the answer has not changed', async () => {
    const fn = jest.fn(async () => ({ items: [1, 2, 3] }));
    const { result } = renderHook(() => usePolledAsync(fn, []));
    await settle();
    const first = result.current.value;
    await advance(POLL_INTERVAL_MS);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(result.current.value).toBe(first);
  });

  it('stops refreshing when the component unmounts', async () => {
    const fn = jest.fn(async () => 'x');
    const { unmount } = renderHook(() => usePolledAsync(fn, []));
    await settle();
    await advance(POLL_INTERVAL_MS);
    expect(fn).toHaveBeenCalledTimes(2);
    unmount();
    await advance(POLL_INTERVAL_MS * 5);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('never piles requests up on a slow backend: the next one waits for the last', async () => {
    let pending = deferred<string>();
    const fn = jest.fn(() => {
      pending = deferred<string>();
      return pending.promise;
    });
    renderHook(() => usePolledAsync(fn, []));
    await settle();
    await advance(POLL_INTERVAL_MS * 5);
    expect(fn).toHaveBeenCalledTimes(1);
    pending.resolve('slow');
    await settle();
    await advance(POLL_INTERVAL_MS);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('retry loads now, keeps the value meanwhile, and ignores an older answer that comes late', async () => {
    const calls: Array<ReturnType<typeof deferred<string>>> = [];
    const fn = jest.fn(() => {
      const d = deferred<string>();
      calls.push(d);
      return d.promise;
    });
    const { result } = renderHook(() => usePolledAsync(fn, []));
    await settle();
    calls[0].resolve('loaded');
    await settle();

    await advance(POLL_INTERVAL_MS); // a background refresh starts…
    act(() => result.current.retry()); // …and the user asks for one too
    await settle();
    expect(fn).toHaveBeenCalledTimes(3);
    expect(result.current).toMatchObject({ value: 'loaded', loading: false });
    calls[2].resolve('after reconcile');
    await settle();
    calls[1].resolve('stale');
    await settle();
    expect(result.current.value).toBe('after reconcile');
  });

  it('starts afresh when its deps change', async () => {
    const fn = jest.fn(async (name: string) => `access of ${name}`);
    const { result, rerender } = renderHook(
      ({ name }) => usePolledAsync(() => fn(name), [name]),
      { initialProps: { name: 'a' } },
    );
    await settle();
    expect(result.current.value).toBe('access of a');
    rerender({ name: 'b' });
    await settle();
    expect(result.current.value).toBe('access of b');
    await advance(POLL_INTERVAL_MS);
    expect(fn).toHaveBeenLastCalledWith('b');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('takes its interval from the context (tests use a short one; 0 is off)', async () => {
    const fn = jest.fn(async () => 'x');
    const wrapper = (ms: number) =>
      function Wrapper(props: { children: ReactNode }) {
        return (
          <PollIntervalContext.Provider value={ms}>
            {props.children}
          </PollIntervalContext.Provider>
        );
      };
    const short = renderHook(() => usePolledAsync(fn, []), {
      wrapper: wrapper(50),
    });
    await settle();
    await advance(50);
    await advance(50);
    expect(fn).toHaveBeenCalledTimes(3);
    short.unmount();

    fn.mockClear();
    renderHook(() => usePolledAsync(fn, []), { wrapper: wrapper(0) });
    await settle();
    await advance(POLL_INTERVAL_MS * 3);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('skips ticks while the browser tab is hidden and refreshes when it is shown', async () => {
    const fn = jest.fn(async () => 'x');
    renderHook(() => usePolledAsync(fn, []));
    await settle();
    const setVisibility = (state: 'hidden' | 'visible') => {
      Object.defineProperty(document, 'visibilityState', {
        configurable: true,
        value: state,
      });
      document.dispatchEvent(new Event('visibilitychange'));
    };
    setVisibility('hidden');
    await advance(POLL_INTERVAL_MS * 3);
    expect(fn).toHaveBeenCalledTimes(1);
    await act(async () => setVisibility('visible'));
    await settle();
    expect(fn).toHaveBeenCalledTimes(2);
    await advance(POLL_INTERVAL_MS);
    expect(fn).toHaveBeenCalledTimes(3);
  });
});
