import * as http from 'node:http';
import * as https from 'node:https';
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { withoutManagedFieldsText } from './managedFieldsText';
import {
  ClusterSpec,
  KubeApiError,
  KubeObject,
  RequestStats,
  ResourceInfo,
  withoutManagedFields,
} from './types';

export interface KubeClientOptions {
  /** Field manager for server-side apply. */
  fieldManager: string;
  /** Requests in flight at once against this cluster (default 16). */
  maxConcurrency?: number;
  /** Retries of a retryable failure (default 4). */
  maxRetries?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** First backoff step (default 100 ms); doubles up to maxBackoffMs (default 5 s), with jitter. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | undefined>;
  /** Retry 409 Conflict as well (idempotent applies). */
  retryConflict?: boolean;
  /** Served before the other requests waiting for a slot. */
  urgent?: boolean;
  /** The answer is parsed without its metadata.managedFields (see withoutManagedFieldsText). */
  withoutManagedFields?: boolean;
}

/**
 * Waiters for a request slot, first in, first out, from a moving head: a first pass queues
 * thousands, and Array#shift on a queue that long copies it every time.
 */
class Waiters {
  private items: Array<(() => void) | undefined> = [];
  private head = 0;

  push(waiter: () => void) {
    this.items.push(waiter);
  }

  shift(): (() => void) | undefined {
    if (this.head === this.items.length) return undefined;
    const next = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return next;
  }
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  /**
   * The event echoes one of this client's own writes: the object is at the resourceVersion that
   * write answered with (and is the object it answered), so it is no one else's change.
   */
  echo?: boolean;
}

/** Own writes' answers kept for their watch echoes; those whose echo never comes age out. */
const MAX_ECHOES = 4096;

/**
 * How long a watch line may wait for the answer of an own write in flight, when it may be that
 * write's echo. Its answer is normally already in the socket (the API server answers a write
 * before its watchers hear of it), but which of the two the event loop reads first is chance.
 */
const ECHO_HOLD_MS = 250;

const EVENT_TYPE_PREFIX = Buffer.from('{"type":"');
const RESOURCE_VERSION_KEY = Buffer.from('"resourceVersion":"');
const QUOTE = 0x22;
const NEWLINE = 0x0a;

/**
 * The type and resourceVersion of a watch event line, read from its bytes without decoding or
 * parsing it, when the line leaves no doubt: it starts with the type (as the API server writes
 * it) and has exactly one `"resourceVersion"` key (a quote inside a JSON string is escaped, and
 * no byte of a multi-byte UTF-8 character is ASCII, so only keys match), which is then the
 * object's.
 */
export function peekWatchLine(
  line: Buffer,
): { type: string; resourceVersion: string } | undefined {
  const prefix = EVENT_TYPE_PREFIX.length;
  if (
    line.length < prefix ||
    line.compare(EVENT_TYPE_PREFIX, 0, prefix, 0, prefix) !== 0
  ) {
    return undefined;
  }
  const typeEnd = line.indexOf(QUOTE, prefix);
  const at = line.indexOf(RESOURCE_VERSION_KEY);
  if (
    typeEnd < 0 ||
    at < 0 ||
    line.indexOf(RESOURCE_VERSION_KEY, at + 1) >= 0
  ) {
    return undefined;
  }
  const start = at + RESOURCE_VERSION_KEY.length;
  const end = line.indexOf(QUOTE, start);
  if (end < 0) return undefined;
  return {
    type: line.toString('utf8', prefix, typeEnd),
    resourceVersion: line.toString('utf8', start, end),
  };
}

/**
 * A watch's events in the order of their lines, also when a line waits to be known as an echo:
 * the events after it wait with it.
 */
class InOrder {
  private readonly waiting: { event?: WatchEvent; settled: boolean }[] = [];

  constructor(private readonly deliver: (event: WatchEvent) => void) {}

  /** A line read at once (undefined: it carried no event). */
  push(event: WatchEvent | undefined) {
    if (this.waiting.length) this.waiting.push({ event, settled: true });
    else if (event) this.deliver(event);
  }

  /** A place for a line read later; calling what it returns fills it (once). */
  reserve(): (event: WatchEvent | undefined) => void {
    const place: { event?: WatchEvent; settled: boolean } = { settled: false };
    this.waiting.push(place);
    return event => {
      if (place.settled) return;
      place.event = event;
      place.settled = true;
      while (this.waiting.length && this.waiting[0].settled) {
        const next = this.waiting.shift()!.event;
        if (next) this.deliver(next);
      }
    };
  }
}

export interface WatchHandle {
  stop(): void;
}

const RETRYABLE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * A small Kubernetes API client for one cluster: server-side apply, list, get, delete, status
 * patch and watch, over keep-alive connections (an undici pool: about 40% less client CPU per
 * request than node:http's agent, which a fleet's first pass of tens of thousands of applies
 * pays in full), with bounded concurrency and retries (backoff with jitter, Retry-After on 429).
 * Watches, long-lived streams, use node:http.
 *
 * Why not `@kubernetes/client-node`'s KubernetesObjectApi: it opens a new agent (no keep-alive)
 * per request over plain HTTP, does not surface Retry-After, and adds a discovery request before
 * every typed call; a reconciler of tens of thousands of objects needs all three.
 * Configuration loading (kubeconfig, in-cluster) still uses it, see `loadClusterSpecs`.
 */
export class KubeClient {
  readonly name: string;
  readonly local: boolean;
  readonly stats: RequestStats = {
    requests: 0,
    writes: 0,
    retries: 0,
    errors: 0,
  };

  private readonly base: URL;
  private readonly isHttps: boolean;
  private readonly pool: Pool;
  private readonly spec: ClusterSpec;
  private readonly opts: Required<KubeClientOptions>;
  private readonly discovery = new Map<
    string,
    Promise<Map<string, ResourceInfo>>
  >();
  private active = 0;
  /** Requests waiting for a slot; urgent ones (status writes) are served first. */
  private readonly waiting = new Waiters();
  private readonly urgent = new Waiters();
  /** Open watches by `apiVersion/kind`. */
  private readonly watched = new Map<string, number>();
  /**
   * Answers of own writes to watched kinds, by resourceVersion: their watch events carry the same
   * object, which need not be parsed again (a first pass writes tens of thousands) and is not
   * someone else's change.
   */
  private readonly echoes = new Map<string, KubeObject>();
  /** Own writes in flight by `apiVersion/kind`: a watch line of such a kind may be their echo. */
  private readonly writing = new Map<string, number>();
  /** Watch lines waiting for the answer of an own write in flight, by resourceVersion. */
  private readonly held = new Map<
    string,
    {
      kindKey: string;
      timer?: NodeJS.Timeout;
      finish: (answer: KubeObject | undefined) => void;
    }
  >();

  constructor(spec: ClusterSpec, options: KubeClientOptions) {
    this.spec = spec;
    this.name = spec.name;
    this.local = spec.local ?? false;
    this.base = new URL(spec.url.endsWith('/') ? spec.url : `${spec.url}/`);
    this.isHttps = this.base.protocol === 'https:';
    this.opts = {
      maxConcurrency: 16,
      maxRetries: 4,
      timeoutMs: 10_000,
      baseBackoffMs: 100,
      maxBackoffMs: 5_000,
      ...options,
    };
    this.pool = new Pool(this.base.origin, {
      connections: this.opts.maxConcurrency,
      headersTimeout: this.opts.timeoutMs,
      bodyTimeout: this.opts.timeoutMs,
      ...(this.isHttps
        ? {
            connect: {
              ca: spec.caPem,
              cert: spec.certPem,
              key: spec.keyPem,
              rejectUnauthorized: !spec.skipTLSVerify,
            },
          }
        : {}),
    });
  }

  /** Releases sockets. */
  close() {
    this.pool.destroy().catch(() => undefined);
  }

  private token(): string | undefined {
    if (this.spec.tokenFile) {
      try {
        return readFileSync(this.spec.tokenFile, 'utf8').trim();
      } catch {
        return this.spec.token;
      }
    }
    return this.spec.token;
  }

  private async acquire(urgent?: boolean) {
    if (this.active < this.opts.maxConcurrency) {
      this.active++;
      return;
    }
    await new Promise<void>(resolve =>
      (urgent ? this.urgent : this.waiting).push(resolve),
    );
  }

  private release() {
    const next = this.urgent.shift() ?? this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  /** The request target (path under the cluster URL's own, and query) and its path alone. */
  private target(
    path: string,
    query?: Record<string, string | undefined>,
  ): { pathname: string; target: string } {
    const pathname = `${this.base.pathname}${path.replace(/^\//, '')}`;
    let search = '';
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      search += `${search ? '&' : '?'}${encodeURIComponent(
        k,
      )}=${encodeURIComponent(v)}`;
    }
    return { pathname, target: `${pathname}${search}` };
  }

  private backoff(attempt: number) {
    const cap = Math.min(
      this.opts.maxBackoffMs,
      this.opts.baseBackoffMs * 2 ** attempt,
    );
    // Full jitter: replicas and policies retrying together do not stampede.
    return cap / 2 + Math.random() * (cap / 2);
  }

  /**
   * One HTTP exchange, its body collected as a string. Through the pool's `dispatch` rather than
   * `request`: no stream per response, which a first pass of tens of thousands of small answers
   * paid for in client CPU and garbage.
   */
  private once(
    method: string,
    target: string,
    payload: string | undefined,
    contentType: string | undefined,
  ): Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json';
    }
    return new Promise((resolve, reject) => {
      let status = 0;
      let responseHeaders: Record<string, string | string[] | undefined> = {};
      let chunks: Buffer[] = [];
      this.pool.dispatch(
        {
          origin: this.base.origin,
          method: method as 'GET',
          path: target,
          headers,
          body: payload,
        },
        {
          // Its presence tells undici this is a handler of the current interface.
          onRequestStart() {},
          onResponseStart(_controller, statusCode, h) {
            // Called again after an informational (1xx) answer: the last one counts.
            status = statusCode;
            responseHeaders = h;
            chunks = [];
          },
          onResponseData(_controller, chunk) {
            chunks.push(chunk);
          },
          onResponseEnd() {
            resolve({
              status,
              headers: responseHeaders,
              body: (chunks.length === 1
                ? chunks[0]
                : Buffer.concat(chunks)
              ).toString('utf8'),
            });
          },
          onResponseError(_controller, e) {
            // The pool's timeouts read as the network's own, for messages and retries.
            const code = (e as NodeJS.ErrnoException).code;
            if (
              code === 'UND_ERR_HEADERS_TIMEOUT' ||
              code === 'UND_ERR_BODY_TIMEOUT' ||
              code === 'UND_ERR_CONNECT_TIMEOUT'
            ) {
              const timeout = new Error(
                'request timed out',
              ) as NodeJS.ErrnoException;
              timeout.code = 'ETIMEDOUT';
              reject(timeout);
              return;
            }
            reject(e);
          },
        },
      );
    });
  }

  /** One API request with retries; returns the parsed JSON body. */
  async request<T = any>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<T> {
    // URL and body are built once a slot is free rather than when the request is queued: a first
    // pass queues thousands, which would all be held as strings meanwhile, and building them then
    // took the event loop while it was the pass's bottleneck.
    let url: { pathname: string; target: string } | undefined;
    let payload: string | undefined;
    const isWrite = method !== 'GET';
    for (let attempt = 0; ; attempt++) {
      let wait: number | undefined;
      let failure: KubeApiError;
      await this.acquire(options.urgent);
      try {
        url ??= this.target(path, options.query);
        if (payload === undefined && options.body !== undefined) {
          payload = JSON.stringify(options.body);
        }
        this.stats.requests++;
        if (isWrite) this.stats.writes++;
        const res = await this.once(
          method,
          url.target,
          payload,
          options.contentType,
        );
        if (res.status >= 200 && res.status < 300) {
          if (!res.body) return {} as T;
          return JSON.parse(
            options.withoutManagedFields
              ? withoutManagedFieldsText(res.body)
              : res.body,
          ) as T;
        }
        failure = toApiError(
          res.status,
          res.body,
          res.headers,
          method,
          url.pathname,
        );
        const retryable =
          res.status === 429 ||
          res.status >= 500 ||
          (res.status === 409 && options.retryConflict);
        if (!retryable) throw failure;
        wait = failure.retryAfterMs;
      } catch (e) {
        if (e instanceof KubeApiError) throw e;
        const code = (e as NodeJS.ErrnoException).code ?? '';
        failure = new KubeApiError(
          `${this.name}: ${method} ${url?.pathname ?? path} failed: ${
            code || (e as Error).message
          }`,
          0,
          code,
        );
        if (!RETRYABLE_NETWORK.has(code) && !/socket hang up/.test(String(e)))
          throw failure;
      } finally {
        this.release();
      }
      this.stats.errors++;
      if (attempt >= this.opts.maxRetries) throw failure;
      this.stats.retries++;
      // The server's Retry-After wins over our own backoff (bounded, so a bad header cannot stall a pass).
      await sleep(
        wait !== undefined ? Math.min(wait, 30_000) : this.backoff(attempt),
      );
    }
  }

  /** Where a kind lives; discovery is cached per group-version. */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    let entry = this.discovery.get(apiVersion);
    if (!entry) {
      const path = apiVersion.includes('/')
        ? `/apis/${apiVersion}`
        : `/api/${apiVersion}`;
      entry = this.request<{
        resources: Array<{ name: string; kind: string; namespaced: boolean }>;
      }>('GET', path).then(list => {
        const map = new Map<string, ResourceInfo>();
        for (const r of list.resources ?? []) {
          if (r.name.includes('/')) continue;
          map.set(r.kind, {
            apiVersion,
            kind: r.kind,
            plural: r.name,
            namespaced: r.namespaced,
          });
        }
        return map;
      });
      this.discovery.set(apiVersion, entry);
      entry.catch(() => this.discovery.delete(apiVersion));
    }
    const info = (await entry).get(kind);
    if (!info) {
      // A CRD installed after the first lookup: look again next time.
      this.discovery.delete(apiVersion);
      throw new KubeApiError(
        `${this.name}: the API server does not serve ${kind} in ${apiVersion}; is its CRD installed?`,
        404,
        'NotFound',
      );
    }
    return info;
  }

  async path(
    apiVersion: string,
    kind: string,
    namespace?: string,
    name?: string,
  ): Promise<string> {
    const r = await this.resource(apiVersion, kind);
    const root = apiVersion.includes('/')
      ? `/apis/${apiVersion}`
      : `/api/${apiVersion}`;
    const ns =
      r.namespaced && namespace
        ? `/namespaces/${encodeURIComponent(namespace)}`
        : '';
    const n = name ? `/${encodeURIComponent(name)}` : '';
    return `${root}${ns}/${r.plural}${n}`;
  }

  /**
   * Server-side apply with the client's field manager. The answer comes without its
   * managedFields, which are cut out before it is parsed.
   */
  async apply(
    obj: KubeObject,
    options: { force?: boolean; subresource?: 'status'; urgent?: boolean } = {},
  ): Promise<KubeObject> {
    const p = await this.path(
      obj.apiVersion,
      obj.kind,
      obj.metadata.namespace,
      obj.metadata.name,
    );
    const kindKey = `${obj.apiVersion}/${obj.kind}`;
    this.writing.set(kindKey, (this.writing.get(kindKey) ?? 0) + 1);
    try {
      const answer = withoutManagedFields(
        await this.request<KubeObject>(
          'PATCH',
          options.subresource ? `${p}/${options.subresource}` : p,
          {
            body: obj,
            contentType: 'application/apply-patch+yaml',
            query: {
              fieldManager: this.opts.fieldManager,
              force: options.force === false ? undefined : 'true',
            },
            retryConflict: options.force !== false,
            urgent: options.urgent,
            withoutManagedFields: true,
          },
        ),
      );
      this.expectEcho(answer);
      return answer;
    } finally {
      const left = this.writing.get(kindKey)! - 1;
      if (left) this.writing.set(kindKey, left);
      else {
        this.writing.delete(kindKey);
        // With no own write of the kind in flight, a line still waiting is someone else's.
        for (const h of [...this.held.values()]) {
          if (h.kindKey === kindKey) h.finish(undefined);
        }
      }
    }
  }

  /**
   * Hands a write's answer to its watch event: to the line already waiting for it, or else kept
   * for the line to come, when a watch of its kind is open.
   */
  private expectEcho(answer: KubeObject) {
    const rv = answer?.metadata?.resourceVersion;
    if (!rv) return;
    const waiting = this.held.get(rv);
    if (waiting) {
      this.held.delete(rv);
      waiting.finish(answer);
      return;
    }
    if (!this.watched.has(`${answer.apiVersion}/${answer.kind}`)) return;
    this.echoes.set(rv, answer);
    if (this.echoes.size > MAX_ECHOES) {
      this.echoes.delete(this.echoes.keys().next().value!);
    }
  }

  /** The kept answer of an own write at `rv`, if it is of this kind, taken out of the kept ones. */
  private takeEcho(
    rv: string,
    apiVersion: string,
    kind: string,
  ): KubeObject | undefined {
    const answer = this.echoes.get(rv);
    if (answer?.apiVersion !== apiVersion || answer.kind !== kind) {
      return undefined;
    }
    this.echoes.delete(rv);
    return answer;
  }

  /**
   * Waits, up to ECHO_HOLD_MS, for the answer of an own write at `rv`; `settle` gets the answer,
   * or undefined when none came. Returns what settles it now (when the watch closes).
   */
  private holdForAnswer(
    rv: string,
    kindKey: string,
    settle: (answer: KubeObject | undefined) => void,
  ): () => void {
    let done = false;
    const hold = {
      kindKey,
      timer: undefined as NodeJS.Timeout | undefined,
      finish: (answer: KubeObject | undefined) => {
        if (done) return;
        done = true;
        clearTimeout(hold.timer);
        if (this.held.get(rv) === hold) this.held.delete(rv);
        settle(answer);
      },
    };
    hold.timer = setTimeout(() => hold.finish(undefined), ECHO_HOLD_MS);
    // Another watch of the kind (a different selector) waiting for the same answer lets it go:
    // its line then reads as it always did without a kept answer, a change to look at.
    this.held.get(rv)?.finish(undefined);
    this.held.set(rv, hold);
    return () => hold.finish(undefined);
  }

  /**
   * Applies `status` through the status subresource, ahead of other queued requests: in a large
   * pass, statuses are what users see, and they would otherwise wait behind every object.
   */
  async applyStatus(obj: KubeObject): Promise<KubeObject> {
    return this.apply(
      {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        metadata: {
          name: obj.metadata.name,
          namespace: obj.metadata.namespace,
        },
        status: obj.status,
      },
      { subresource: 'status', urgent: true },
    );
  }

  async get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject> {
    const obj = await this.request<KubeObject>(
      'GET',
      await this.path(apiVersion, kind, namespace, name),
    );
    return { ...obj, apiVersion, kind };
  }

  async list(
    apiVersion: string,
    kind: string,
    options: ListOptions = {},
  ): Promise<{ items: KubeObject[]; resourceVersion?: string }> {
    const res = await this.request<{
      items?: KubeObject[];
      metadata?: { resourceVersion?: string };
    }>('GET', await this.path(apiVersion, kind, options.namespace), {
      query: { labelSelector: options.labelSelector },
    });
    return {
      // List items carry no apiVersion/kind on a real API server.
      items: (res.items ?? []).map(i => ({ ...i, apiVersion, kind })),
      resourceVersion: res.metadata?.resourceVersion,
    };
  }

  /**
   * Deletes an object; with `uid`, only that incarnation of it (a precondition, so an object
   * re-created by someone else in between is left alone).
   */
  async delete(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    uid?: string,
  ): Promise<void> {
    await this.request(
      'DELETE',
      await this.path(apiVersion, kind, namespace, name),
      {
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: 'Background',
          ...(uid ? { preconditions: { uid } } : {}),
        },
      },
    );
  }

  /**
   * Lists and then watches a kind, calling `onSync` with the full list (after every relist) and
   * `onEvent` per change; reconnects with backoff, relists on 410 Gone.
   */
  watch(
    apiVersion: string,
    kind: string,
    options: ListOptions,
    handlers: {
      onSync?: (items: KubeObject[]) => void;
      onEvent: (event: WatchEvent) => void;
      onError?: (error: Error) => void;
    },
  ): WatchHandle {
    let stopped = false;
    // Shared with the callbacks below: the request to abort on stop, and where to resume.
    const cursor: { current?: http.ClientRequest; rv?: string } = {};
    const watchedKey = `${apiVersion}/${kind}`;
    this.watched.set(watchedKey, (this.watched.get(watchedKey) ?? 0) + 1);
    const unwatch = () => {
      const left = (this.watched.get(watchedKey) ?? 1) - 1;
      if (left > 0) this.watched.set(watchedKey, left);
      else this.watched.delete(watchedKey);
    };
    const run = async () => {
      let failures = 0;
      while (!stopped) {
        try {
          const { items, resourceVersion } = await this.list(
            apiVersion,
            kind,
            options,
          );
          if (stopped) return;
          handlers.onSync?.(items);
          cursor.rv = resourceVersion;
          failures = 0;
          while (!stopped) {
            const result = await this.watchOnce(
              apiVersion,
              kind,
              options,
              cursor.rv,
              req => {
                cursor.current = req;
              },
              ev => {
                cursor.rv = ev.object.metadata.resourceVersion ?? cursor.rv;
                handlers.onEvent(ev);
              },
            );
            if (result === 'gone') break;
          }
        } catch (e) {
          if (stopped) return;
          handlers.onError?.(e as Error);
          failures++;
          await sleep(this.backoff(Math.min(failures, 6)));
        }
      }
    };
    run();
    return {
      stop() {
        if (!stopped) unwatch();
        stopped = true;
        cursor.current?.destroy();
      },
    };
  }

  private async watchOnce(
    apiVersion: string,
    kind: string,
    options: ListOptions,
    resourceVersion: string | undefined,
    onRequest: (req: http.ClientRequest) => void,
    onEvent: (event: WatchEvent) => void,
  ): Promise<'closed' | 'gone'> {
    const url = new URL(
      this.target(await this.path(apiVersion, kind, options.namespace), {
        watch: '1',
        resourceVersion,
        allowWatchBookmarks: 'true',
        labelSelector: options.labelSelector,
        timeoutSeconds: '300',
      }).target,
      this.base.origin,
    );
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/json' };
    const token = this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    const mod = this.isHttps ? https : http;
    const tls: https.RequestOptions = this.isHttps
      ? {
          ca: this.spec.caPem,
          cert: this.spec.certPem,
          key: this.spec.keyPem,
          rejectUnauthorized: !this.spec.skipTLSVerify,
        }
      : {};
    this.stats.requests++;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        url,
        { method: 'GET', headers, agent: false, ...tls },
        res => {
          if (res.statusCode === 410) {
            res.resume();
            resolve('gone');
            return;
          }
          if (res.statusCode !== 200) {
            res.resume();
            reject(
              new KubeApiError(
                `${this.name}: watch ${kind} answered ${res.statusCode}`,
                res.statusCode ?? 0,
              ),
            );
            return;
          }
          let gone = false;
          /** A line's event; undefined for bookmarks and what is not an event. */
          const parse = (line: Buffer): WatchEvent | undefined => {
            const text = line.toString('utf8').trim();
            if (!text) return undefined;
            let ev: { type: string; object: any };
            try {
              ev = JSON.parse(text);
            } catch {
              return undefined;
            }
            if (ev.type === 'ERROR') {
              if (ev.object?.code === 410) gone = true;
              req.destroy();
              return undefined;
            }
            if (ev.type === 'BOOKMARK') return undefined;
            return {
              type: ev.type as WatchEvent['type'],
              object: { ...ev.object, apiVersion, kind },
            };
          };
          const order = new InOrder(onEvent);
          const holding = new Set<() => void>();
          const kindKey = `${apiVersion}/${kind}`;
          const onLine = (line: Buffer) => {
            // An echo of an own write is known from the line's head: the rest is not even decoded.
            const mayEcho = this.echoes.size > 0 || this.writing.has(kindKey);
            const peeked = mayEcho ? peekWatchLine(line) : undefined;
            if (peeked?.type !== 'ADDED' && peeked?.type !== 'MODIFIED') {
              order.push(parse(line));
              return;
            }
            const type = peeked.type;
            const answer = this.takeEcho(
              peeked.resourceVersion,
              apiVersion,
              kind,
            );
            if (answer) {
              order.push({ type, object: answer, echo: true });
              return;
            }
            if (!this.writing.has(kindKey)) {
              order.push(parse(line));
              return;
            }
            // Maybe the echo of a write whose answer has not been read yet: it keeps its place.
            const place = order.reserve();
            const release = this.holdForAnswer(
              peeked.resourceVersion,
              kindKey,
              a => {
                holding.delete(release);
                place(
                  a?.apiVersion === apiVersion && a.kind === kind
                    ? { type, object: a, echo: true }
                    : parse(line),
                );
              },
            );
            holding.add(release);
          };
          const ended = () => {
            // Lines still waiting for an answer are read as they are, in their order.
            for (const release of [...holding]) release();
            resolve(gone ? 'gone' : 'closed');
          };
          // Lines are cut from the bytes; a line split across chunks is joined first.
          let partial: Buffer[] = [];
          res.on('data', (chunk: Buffer) => {
            let start = 0;
            for (
              let nl = chunk.indexOf(NEWLINE);
              nl >= 0;
              nl = chunk.indexOf(NEWLINE, start)
            ) {
              let line = chunk.subarray(start, nl);
              if (partial.length) {
                partial.push(line);
                line = Buffer.concat(partial);
                partial = [];
              }
              start = nl + 1;
              onLine(line);
            }
            if (start < chunk.length) partial.push(chunk.subarray(start));
          });
          res.on('end', ended);
          res.on('close', ended);
          res.on('error', ended);
        },
      );
      onRequest(req);
      req.on('error', reject);
      req.end();
    });
  }
}

function toApiError(
  status: number,
  body: string,
  headers: http.IncomingHttpHeaders,
  method: string,
  pathname: string,
): KubeApiError {
  let message = `${method} ${pathname} answered ${status}`;
  let reason: string | undefined;
  try {
    const parsed = JSON.parse(body);
    if (parsed?.message) message = `${message}: ${parsed.message}`;
    reason = parsed?.reason;
  } catch {
    // not a Status object
  }
  const ra = headers['retry-after'];
  const retryAfterMs =
    ra !== undefined && !Number.isNaN(Number(ra))
      ? Number(ra) * 1000
      : undefined;
  return new KubeApiError(message, status, reason, retryAfterMs);
}
