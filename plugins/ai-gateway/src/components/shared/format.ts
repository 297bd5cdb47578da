import type {
  ApiCondition,
  ApiRateLimit,
} from '@kagenti/backstage-plugin-ai-gateway-common';

export type Health = 'ok' | 'error' | 'pending' | 'warning';

/**
 * How a condition reads to a person. All the conditions this product writes
 * are positive-polarity (True is good), and so are Gateway API's; Envoy AI
 * Gateway's `NotAccepted` is the one failure type that is reported as a type.
 */
export function conditionHealth(
  condition: Pick<ApiCondition, 'type' | 'status'>,
): Health {
  if (condition.type === 'NotAccepted') return 'error';
  if (condition.status === 'True') return 'ok';
  if (condition.status === 'False') return 'error';
  return 'pending';
}

export function statusHealth(status: 'True' | 'False' | 'Unknown'): Health {
  return conditionHealth({ type: '', status });
}

/** The worst health of a set: error beats pending beats ok; none is pending. */
export function worstHealth(healths: Health[]): Health {
  if (healths.length === 0) return 'pending';
  for (const h of ['error', 'warning', 'pending'] as Health[]) {
    if (healths.includes(h)) return h;
  }
  return 'ok';
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** "3 minutes ago" / "in 2 days"; undefined input or garbage gives undefined. */
export function formatRelative(
  iso: string | undefined,
  now: number = Date.now(),
): string | undefined {
  if (!iso) return undefined;
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return undefined;
  const seconds = Math.round((then - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return rtf.format(Math.trunc(seconds / size), unit);
    }
  }
  return undefined;
}

const WINDOW_WORD: Record<ApiRateLimit['window'], string> = {
  Minute: 'minute',
  Hour: 'hour',
  Day: 'day',
  Month: 'month',
};

/** "100,000 tokens / hour (total)" or "60 requests / minute". */
export function formatLimit(limit: ApiRateLimit): string {
  const amount = limit.limit.toLocaleString('en-US');
  const base = `${amount} ${limit.kind} / ${
    WINDOW_WORD[limit.window] ?? limit.window
  }`;
  if (limit.kind !== 'tokens' || !limit.tokenCountMode) return base;
  const mode = limit.tokenCountMode.replace(/Token$/, '').toLowerCase();
  return `${base} (${mode})`;
}

/** The trust domain of a SPIFFE ID, or undefined when it is not one. */
export function trustDomainOf(spiffeId: string): string | undefined {
  const match = /^spiffe:\/\/([^/]+)(\/|$)/.exec(spiffeId);
  return match?.[1];
}

/** Catalog entity namespace, defaulting like the catalog does. */
export function entityNamespace(entity: { metadata: { namespace?: string } }) {
  return entity.metadata.namespace ?? 'default';
}

/** The backend's own message for an error (a ResponseError carries it as its cause). */
export function errorText(e: unknown): string {
  const err = e as { cause?: Error; message?: string } | undefined;
  return err?.cause?.message ?? err?.message ?? String(e);
}
