/* Fault injection: latency, errors, throttling, resets, conflict storms and partitions, chosen per request. */

export type FaultKind =
  | 'latency'
  | 'error'
  | 'throttle'
  | 'reset'
  | 'conflict'
  | 'partition';

export interface FaultSpec {
  kind: FaultKind;
  /** Kubernetes verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`); any when omitted. */
  verb?: string;
  /** Resource as `plural` or `plural.group`; any when omitted. */
  resource?: string;
  namespace?: string;
  /** 0..1, default 1. */
  probability?: number;
  /** For `latency` (default 1000). */
  latencyMs?: number;
  /** HTTP status for `error` (default 500). */
  status?: number;
  /** Retry-After for `throttle` (default 1). */
  retryAfterSeconds?: number;
  /** Apply at most this many times, then remove the fault. */
  count?: number;
}

export interface Fault extends FaultSpec {
  id: string;
  hits: number;
}

export interface FaultRequest {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
}

const KINDS: FaultKind[] = [
  'latency',
  'error',
  'throttle',
  'reset',
  'conflict',
  'partition',
];

/** mulberry32: small, seedable, good enough to make fault runs repeatable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  private readonly faults: Fault[] = [];
  private random: () => number;
  private nextId = 1;
  private readonly clearListeners = new Set<() => void>();

  constructor(seed?: number) {
    this.random = seed === undefined ? Math.random : prng(seed);
  }

  /** Restarts the random sequence (same seed, same choices). */
  reseed(seed: number) {
    this.random = prng(seed);
  }

  add(spec: FaultSpec): string {
    if (!KINDS.includes(spec.kind))
      throw new Error(
        `unknown fault kind "${spec.kind}"; one of ${KINDS.join(', ')}`,
      );
    const p = spec.probability ?? 1;
    if (!(p >= 0 && p <= 1))
      throw new Error('probability must be between 0 and 1');
    const id = `f${this.nextId++}`;
    this.faults.push({ ...spec, probability: p, id, hits: 0 });
    return id;
  }

  remove(id: string): boolean {
    const i = this.faults.findIndex(f => f.id === id);
    if (i < 0) return false;
    this.faults.splice(i, 1);
    this.notify();
    return true;
  }

  clear() {
    this.faults.length = 0;
    this.notify();
  }

  list(): Fault[] {
    return this.faults.map(f => ({ ...f }));
  }

  /** Called when faults are removed: held (partitioned) requests are then released. */
  onRemoved(l: () => void): () => void {
    this.clearListeners.add(l);
    return () => this.clearListeners.delete(l);
  }

  private notify() {
    for (const l of [...this.clearListeners]) l();
  }

  has(id: string): boolean {
    return this.faults.some(f => f.id === id);
  }

  /** The faults to apply to one request: every matching latency fault, then at most one terminal fault. */
  pick(r: FaultRequest): Fault[] {
    const out: Fault[] = [];
    let terminal = false;
    for (const f of [...this.faults]) {
      if (f.verb && f.verb !== r.verb) continue;
      if (
        f.resource &&
        f.resource !== r.resource &&
        f.resource !== (r.group ? `${r.resource}.${r.group}` : r.resource)
      )
        continue;
      if (f.namespace && f.namespace !== r.namespace) continue;
      if (f.kind !== 'latency' && terminal) continue;
      if (this.random() >= (f.probability ?? 1)) continue;
      f.hits += 1;
      out.push({ ...f });
      if (f.kind !== 'latency') terminal = true;
      if (f.count !== undefined && f.hits >= f.count) {
        this.faults.splice(this.faults.indexOf(f), 1);
        queueMicrotask(() => this.notify());
      }
    }
    return out;
  }
}
