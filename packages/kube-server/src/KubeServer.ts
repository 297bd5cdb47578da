/* The HTTP(S) front of the server: authentication, authorization, discovery, OpenAPI, REST routes, watch, faults, admin. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import path from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import {
  ApiCore,
  badRequest,
  conflict,
  DeleteOptions,
  RequestContext,
  StatusError,
} from './api';
import { AccessRule, allowed, forbiddenMessage, TokenUser } from './auth';
import { generateServingCert } from './certs';
import { Faults } from './faults';
import { decodeProtobuf } from './protobuf';
import {
  apiVersionOf,
  groupResource,
  ResourceType,
  storageVersionHash,
  VERBS,
} from './resources';
import {
  parseFieldSelector,
  parseLabelSelector,
  Selector,
  SelectorError,
} from './selectors';
import { Store, StoreEvent } from './store';
import { toTable } from './table';
import { CRD, loadCrds } from './validation';

type Obj = Record<string, any>;

export interface KubeServerOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** Serve HTTPS with a generated certificate; its CA goes into the kubeconfig. */
  https?: boolean;
  /** The bearer token of the default (full access) user written into kubeconfigs; random when omitted. */
  token?: string;
  /** More tokens, each with a user name and optional access rules. */
  tokens?: Record<string, TokenUser>;
  /**
   * Requests without `Authorization`: accepted as this user (true = full access as `system:anonymous`) or refused
   * with 401 (false). Default: true over HTTP (kubectl sends no token over plain HTTP), false over HTTPS.
   */
  anonymous?: boolean | TokenUser;
  /** Token for `/admin/*` (faults); random when omitted. */
  adminToken?: string;
  /** Directories (or files) of CRDs to load at start; default `defaultCrdDirs()`. */
  crdDirs?: string[];
  /** Run the simulated controllers (Gateway, Envoy AI Gateway, Envoy Gateway policies). */
  simulate?: boolean;
  /** Seed the demo objects (see seedDemo). */
  demo?: boolean;
  /** Persist the store to this JSON file and load it at start. */
  dataFile?: string;
  /** Seed for fault injection randomness. */
  seed?: number;
  /** How many events watches can resume from; older resourceVersions get 410 Gone. Default 1000. */
  watchHistory?: number;
  /** Interval of BOOKMARK events on watches that allow them. Default 30 s. */
  bookmarkIntervalMs?: number;
  /** Logs one line per request when set. */
  log?: (line: string) => void;
}

export interface KubeconfigOptions {
  token?: string;
  namespace?: string;
  context?: string;
}

export interface KubeServer {
  readonly url: string;
  readonly port: number;
  /** The default full-access token. */
  readonly token: string;
  readonly adminToken: string;
  /** PEM of the CA that signed the serving certificate (HTTPS only). */
  readonly caPem?: string;
  readonly faults: Faults;
  /** Direct access to the API semantics (no authentication, no faults). */
  readonly api: ApiCore;
  kubeconfig(opts?: KubeconfigOptions): string;
  writeKubeconfig(file: string, opts?: KubeconfigOptions): void;
  /** Creates or replaces an object as the admin (status kept), returning the stored object. */
  put(obj: Obj): Obj;
  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): Obj | undefined;
  list(apiVersion: string, kind: string, namespace?: string): Obj[];
  delete(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): void;
  /** Registers a CRD as if it had been created through the API. */
  addCrd(crd: CRD): void;
  addToken(token: string, user: TokenUser): void;
  /** Ends every open watch (clients see the stream close and re-watch); returns how many were closed. */
  closeWatches(): number;
  /** Forgets the watch history: resuming from an earlier resourceVersion then gets 410 Expired. */
  compact(): void;
  stop(): Promise<void>;
}

/** `<repo>/deploy/upstream-crds` (vendored upstream CRDs) and `<repo>/deploy/crds`, those that exist. */
export function defaultCrdDirs(): string[] {
  // This package lives at <repo>/packages/kube-server and runs from source.
  const repo = path.resolve(
    path.dirname(require.resolve('@kagenti/kube-server/package.json')),
    '../..',
  );
  return [
    path.join(repo, 'deploy/upstream-crds'),
    path.join(repo, 'deploy/crds'),
  ].filter(d => fs.existsSync(d));
}

const crdCache = new Map<string, { mtime: number; crds: CRD[] }>();
function cachedCrds(dir: string): CRD[] {
  const latest = newestMtime(dir);
  const hit = crdCache.get(dir);
  if (hit && hit.mtime === latest) return hit.crds;
  const crds = loadCrds(dir);
  crdCache.set(dir, { mtime: latest, crds });
  return crds;
}
function newestMtime(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(
    st.mtimeMs,
    ...fs.readdirSync(p).map(e => newestMtime(path.join(p, e))),
  );
}

const SCALABLE = new Set([
  'deployments.apps',
  'replicasets.apps',
  'statefulsets.apps',
]);

const AGGREGATED_V2 =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const AGGREGATED_V2BETA1 =
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

interface Route {
  group: string;
  version: string;
  t: ResourceType;
  namespace?: string;
  name?: string;
  sub?: string;
}

function readBody(
  req: http.IncomingMessage,
  limit = 8 * 1024 * 1024,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(
          new StatusError(
            413,
            'RequestEntityTooLarge',
            'Request entity too large: limit is 8388608',
          ),
        );
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function reasonFor(code: number): string {
  return (
    (
      {
        500: 'InternalError',
        502: 'InternalError',
        503: 'ServiceUnavailable',
        504: 'Timeout',
        400: 'BadRequest',
        404: 'NotFound',
        409: 'Conflict',
        429: 'TooManyRequests',
      } as Record<number, string>
    )[code] ?? 'InternalError'
  );
}

class Server implements KubeServer {
  readonly store: Store;
  readonly api: ApiCore;
  readonly faults: Faults;
  readonly token: string;
  readonly adminToken: string;
  caPem?: string;
  url = '';
  port = 0;
  private readonly tokens = new Map<string, TokenUser>();
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<http.ServerResponse>();
  private readonly held = new Set<{ fault: string; socket: Socket }>();
  /**
   * The JSON of the stored object serialized last: a write's watch events (encoded as the store
   * emits them) and its answer (sent right after) carry the same object, which stored objects,
   * never mutated, allow to serialize once, as the API server's watch cache does.
   */
  private lastJson?: { object: unknown; json: string };
  private server!: http.Server;
  private discoveryCache?: {
    legacy: Map<string, Obj>;
    aggregated: Map<string, Obj>;
    openapiRoot: Obj;
    hashes: Map<string, string>;
  };
  private readonly anonymous?: TokenUser;
  private readonly cleanups: Array<() => void> = [];

  constructor(readonly opts: KubeServerOptions) {
    this.store = new Store(opts.watchHistory ?? 1000);
    this.api = new ApiCore(this.store);
    this.api.onTypesChanged = () => {
      this.discoveryCache = undefined;
    };
    this.faults = new Faults(opts.seed);
    this.token = opts.token ?? crypto.randomBytes(16).toString('hex');
    this.adminToken = opts.adminToken ?? crypto.randomBytes(16).toString('hex');
    this.tokens.set(this.token, {
      user: 'kube-server-admin',
      groups: ['system:masters'],
    });
    for (const [t, u] of Object.entries(opts.tokens ?? {}))
      this.tokens.set(t, u);
    const anon = opts.anonymous ?? !opts.https;
    if (anon === true) this.anonymous = { user: 'system:anonymous' };
    else if (anon) this.anonymous = anon;
    this.cleanups.push(
      this.faults.onRemoved(() => {
        for (const h of [...this.held]) {
          if (!this.faults.has(h.fault)) {
            h.socket.destroy();
            this.held.delete(h);
          }
        }
      }),
    );
  }

  onStop(fn: () => void) {
    this.cleanups.push(fn);
  }

  async listen(): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch(e => this.sendError(res, e));
    };
    if (this.opts.https) {
      const { ca, serving } = await generateServingCert();
      this.caPem = ca.certPem;
      this.server = https.createServer(
        {
          cert: `${serving.certPem.trim()}\n${ca.certPem.trim()}\n`,
          key: serving.keyPem,
        },
        handler,
      );
    } else {
      this.server = http.createServer(handler);
    }
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('secureConnection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, host, () => resolve());
    });
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    this.url = `${this.opts.https ? 'https' : 'http'}://${host}:${this.port}`;
  }

  loadCrdDirs(dirs: string[]) {
    for (const dir of dirs) {
      for (const crd of cachedCrds(dir)) this.addCrd(crd);
    }
  }

  addCrd(crd: CRD) {
    const t = this.api.registry.get(
      'apiextensions.k8s.io',
      'customresourcedefinitions',
    )!;
    const body = JSON.parse(JSON.stringify(crd));
    const existing = this.api.tryGet(t, undefined, crd.metadata.name);
    const ctx: RequestContext = { manager: 'kube-server' };
    if (existing)
      this.api.update(
        t,
        'v1',
        undefined,
        crd.metadata.name,
        {
          ...body,
          metadata: {
            ...body.metadata,
            resourceVersion: existing.metadata.resourceVersion,
          },
        },
        ctx,
      );
    else this.api.create(t, 'v1', undefined, body, ctx);
  }

  addToken(token: string, user: TokenUser) {
    this.tokens.set(token, user);
  }

  kubeconfig(o: KubeconfigOptions = {}): string {
    const cluster: Obj = { server: this.url };
    if (this.caPem)
      cluster['certificate-authority-data'] = Buffer.from(this.caPem).toString(
        'base64',
      );
    else cluster['insecure-skip-tls-verify'] = true;
    const name = o.context ?? 'kube-server';
    return toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kube-server', cluster }],
      users: [{ name: `${name}-user`, user: { token: o.token ?? this.token } }],
      contexts: [
        {
          name,
          context: {
            cluster: 'kube-server',
            user: `${name}-user`,
            ...(o.namespace ? { namespace: o.namespace } : {}),
          },
        },
      ],
      'current-context': name,
      preferences: {},
    });
  }

  writeKubeconfig(file: string, o?: KubeconfigOptions) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, this.kubeconfig(o), { mode: 0o600 });
  }

  private typeOf(apiVersion: string, kind: string): ResourceType {
    const t = this.api.registry.byKind(apiVersion, kind);
    if (!t) throw new Error(`no resource serves ${kind} in ${apiVersion}`);
    return t;
  }

  put(obj: Obj): Obj {
    const t = this.typeOf(obj.apiVersion, obj.kind);
    const version = obj.apiVersion.split('/').pop()!;
    const ns = t.namespaced ? obj.metadata?.namespace ?? 'default' : undefined;
    const ctx: RequestContext = { manager: 'kube-server', keepStatus: true };
    const existing = this.api.tryGet(t, ns, obj.metadata.name);
    if (!existing) return this.api.create(t, version, ns, obj, ctx);
    const body = JSON.parse(JSON.stringify(obj));
    body.metadata = {
      ...body.metadata,
      resourceVersion: existing.metadata.resourceVersion,
    };
    const updated = this.api.update(
      t,
      version,
      ns,
      obj.metadata.name,
      body,
      ctx,
    );
    if (t.hasStatus && obj.status !== undefined) {
      return this.api.update(
        t,
        version,
        ns,
        obj.metadata.name,
        { ...updated, status: obj.status },
        ctx,
        'status',
      );
    }
    return updated;
  }

  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): Obj | undefined {
    return this.api.tryGet(this.typeOf(apiVersion, kind), namespace, name);
  }

  list(apiVersion: string, kind: string, namespace?: string): Obj[] {
    return this.api.list(this.typeOf(apiVersion, kind), namespace);
  }

  delete(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ) {
    this.api.delete(
      this.typeOf(apiVersion, kind),
      namespace,
      name,
      {},
      { manager: 'kube-server' },
    );
  }

  closeWatches(): number {
    const n = this.watches.size;
    for (const w of [...this.watches]) w.end();
    return n;
  }

  compact() {
    this.store.compact();
  }

  async stop(): Promise<void> {
    for (const c of this.cleanups) c();
    for (const w of this.watches) w.end();
    for (const h of this.held) h.socket.destroy();
    await new Promise<void>(resolve => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  // ---------------------------------------------------------------------------------------------

  /** A stored object's JSON, kept for the next serialization of the same object. */
  private storedJson(o: Obj): string {
    if (this.lastJson?.object !== o) {
      this.lastJson = { object: o, json: JSON.stringify(o) };
    }
    return this.lastJson.json;
  }

  private send(
    res: http.ServerResponse,
    code: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    if (res.headersSent || res.destroyed) return;
    const memo = this.lastJson;
    const text =
      memo && body === memo.object ? memo.json : JSON.stringify(body);
    res.writeHead(code, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  private sendError(res: http.ServerResponse, e: unknown) {
    if (e instanceof StatusError) {
      this.send(res, e.code, e.toStatus(), e.headers);
      return;
    }
    if (e instanceof SelectorError) {
      this.send(res, 400, badRequest(e.message).toStatus());
      return;
    }
    const msg = e instanceof Error ? e.message : String(e);
    this.opts.log?.(`internal error: ${e instanceof Error ? e.stack : msg}`);
    this.send(
      res,
      500,
      new StatusError(
        500,
        'InternalError',
        `Internal error occurred: ${msg}`,
      ).toStatus(),
    );
  }

  private authenticate(req: http.IncomingMessage): TokenUser {
    const h = req.headers.authorization;
    if (h) {
      const m = /^Bearer\s+(.+)$/i.exec(h);
      const u = m ? this.tokens.get(m[1].trim()) : undefined;
      if (u) return u;
    } else if (this.anonymous) return this.anonymous;
    throw new StatusError(401, 'Unauthorized', 'Unauthorized');
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = url.pathname.replace(/\/+$/, '') || '/';
    const started = Date.now();
    if (this.opts.log)
      res.on('finish', () =>
        this.opts.log!(
          `${req.method} ${req.url} ${res.statusCode} ${
            Date.now() - started
          }ms`,
        ),
      );
    if (p === '/admin' || p.startsWith('/admin/')) {
      await this.admin(req, res, p);
      return;
    }
    if (p === '/healthz' || p === '/readyz' || p === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (p === '/version') {
      this.send(res, 200, VERSION_INFO);
      return;
    }
    const user = this.authenticate(req);
    const parts = p.split('/').filter(Boolean);
    const isResource =
      (parts[0] === 'api' && parts.length >= 3) ||
      (parts[0] === 'apis' && parts.length >= 4);
    if (!isResource) {
      if (
        !(await this.injectFaults(req, {
          verb: 'get',
          group: '',
          resource: '',
        }))
      )
        return;
      this.nonResource(req, res, p, parts);
      return;
    }
    const route = this.route(parts);
    const watch = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
    const verb = this.verbOf(req.method ?? 'GET', route, watch);
    const attrs = {
      verb,
      group: route.group,
      resource: route.t.plural,
      subresource: route.sub,
      namespace: route.namespace,
      name: route.name,
    };
    if (route.t.plural === 'selfsubjectaccessreviews' && verb === 'create') {
      await this.accessReview(req, res, user);
      return;
    }
    if (!allowed(user, attrs)) {
      throw new StatusError(
        403,
        'Forbidden',
        forbiddenMessage(user.user, attrs),
        {
          name: route.name,
          group: route.group || undefined,
          kind: route.t.plural,
        },
      );
    }
    if (
      !(await this.injectFaults(
        req,
        {
          verb,
          group: route.group,
          resource: route.t.plural,
          namespace: route.namespace,
        },
        route,
      ))
    )
      return;
    await this.resource(req, res, url, route, verb);
  }

  /** Applies matching faults; returns false when the request was answered (or dropped) by a fault. */
  private async injectFaults(
    req: http.IncomingMessage,
    r: { verb: string; group: string; resource: string; namespace?: string },
    route?: Route,
  ): Promise<boolean> {
    const picked = this.faults.pick(r);
    for (const f of picked) {
      switch (f.kind) {
        case 'latency':
          await new Promise(resolve =>
            setTimeout(resolve, f.latencyMs ?? 1000),
          );
          break;
        case 'error': {
          const code = f.status ?? 500;
          throw new StatusError(
            code,
            reasonFor(code),
            `Internal error occurred: injected fault ${f.id} (kube-server fault injection)`,
            { causes: [] },
          );
        }
        case 'throttle': {
          const s = f.retryAfterSeconds ?? 1;
          throw new StatusError(
            429,
            'TooManyRequests',
            'the server has received too many requests and has asked us to try again later',
            {
              retryAfterSeconds: s,
              causes: [
                {
                  reason: 'TooManyRequests',
                  message: 'injected by kube-server fault injection',
                },
              ],
            },
            { 'Retry-After': String(s) },
          );
        }
        case 'reset':
          req.socket.destroy();
          return false;
        case 'conflict':
          if (route) throw conflict(route.t, route.name ?? '');
          throw new StatusError(
            409,
            'Conflict',
            'Operation cannot be fulfilled: injected conflict',
          );
        case 'partition':
          this.held.add({ fault: f.id, socket: req.socket });
          if (!this.faults.has(f.id)) req.socket.destroy();
          return false;
        default:
      }
    }
    return true;
  }

  private route(parts: string[]): Route {
    let group = '';
    let version: string;
    let rest: string[];
    if (parts[0] === 'api') {
      version = parts[1];
      rest = parts.slice(2);
    } else {
      group = parts[1];
      version = parts[2];
      rest = parts.slice(3);
    }
    const reg = this.api.registry;
    let namespace: string | undefined;
    if (
      rest[0] === 'namespaces' &&
      rest.length >= 3 &&
      reg.lookup(group, version, rest[2])?.namespaced
    ) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const t = reg.lookup(group, version, rest[0]);
    // Built only when thrown: an Error's stack costs more than routing a request.
    const notFound = () =>
      new StatusError(
        404,
        'NotFound',
        'the server could not find the requested resource',
        {},
      );
    if (!t || rest.length > 3) throw notFound();
    if (namespace !== undefined && !t.namespaced) throw notFound();
    const r: Route = {
      group,
      version,
      t,
      namespace,
      name: rest[1],
      sub: rest[2],
    };
    const subOk =
      (r.sub === 'status' && t.hasStatus) ||
      (r.sub === 'log' && t.plural === 'pods' && t.group === '') ||
      (r.sub === 'scale' && SCALABLE.has(groupResource(t.group, t.plural)));
    if (r.sub && !subOk) throw notFound();
    return r;
  }

  private verbOf(method: string, r: Route, watch: boolean): string {
    switch (method) {
      case 'GET':
        if (r.name) return 'get';
        return watch ? 'watch' : 'list';
      case 'POST':
        return 'create';
      case 'PUT':
        return 'update';
      case 'PATCH':
        return 'patch';
      case 'DELETE':
        return r.name ? 'delete' : 'deletecollection';
      default:
        throw new StatusError(
          405,
          'MethodNotAllowed',
          `the server does not allow this method on the requested resource`,
        );
    }
  }

  private context(
    req: http.IncomingMessage,
    q: URLSearchParams,
  ): RequestContext & { force?: boolean } {
    const ua = String(req.headers['user-agent'] ?? 'unknown');
    const dry = q.getAll('dryRun');
    if (dry.some(d => d !== 'All'))
      throw badRequest(
        `dryRun: Unsupported value: "${dry.find(
          d => d !== 'All',
        )}": supported values: "All"`,
      );
    const fv = q.get('fieldValidation');
    if (fv && !['Strict', 'Warn', 'Ignore'].includes(fv))
      throw badRequest(`fieldValidation: Unsupported value: "${fv}"`);
    return {
      manager:
        q.get('fieldManager') ??
        (req.method === 'PATCH' &&
        /apply-patch/.test(String(req.headers['content-type']))
          ? ''
          : ua.split('/')[0] || 'unknown'),
      dryRun: dry.includes('All'),
      fieldValidation: (fv as RequestContext['fieldValidation']) ?? 'Warn',
      warnings: [],
      force: q.get('force') === 'true',
    };
  }

  private decode(req: http.IncomingMessage, body: Buffer): Obj {
    const ct = String(req.headers['content-type'] ?? 'application/json')
      .split(';')[0]
      .trim();
    try {
      if (ct === 'application/vnd.kubernetes.protobuf')
        return decodeProtobuf(body);
      if (ct === 'application/yaml') return parseYaml(body.toString('utf8'));
      return JSON.parse(body.toString('utf8'));
    } catch (e) {
      if (ct === 'application/vnd.kubernetes.protobuf')
        throw new StatusError(
          415,
          'UnsupportedMediaType',
          (e as Error).message,
        );
      throw badRequest(
        `the body of the request could not be decoded: ${(e as Error).message}`,
      );
    }
  }

  private wantsTable(req: http.IncomingMessage): boolean {
    return /as=Table/.test(String(req.headers.accept ?? ''));
  }

  private warningHeaders(ctx: RequestContext): Record<string, string> {
    if (!ctx.warnings?.length) return {};
    return {
      Warning: ctx.warnings.map(w => `299 - ${JSON.stringify(w)}`).join(', '),
    };
  }

  private out(route: Route, o: Obj): Obj {
    return this.api.asVersion(route.t, route.version, o);
  }

  private selectors(q: URLSearchParams): Selector {
    const ls = parseLabelSelector(q.get('labelSelector'));
    const fs2 = parseFieldSelector(q.get('fieldSelector'));
    return o => ls(o) && fs2(o);
  }

  private async resource(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    r: Route,
    verb: string,
  ) {
    const q = url.searchParams;
    const { t } = r;
    if (
      t.namespaced &&
      !r.namespace &&
      !['list', 'watch', 'deletecollection'].includes(verb)
    ) {
      if (verb !== 'create')
        throw new StatusError(
          404,
          'NotFound',
          'the server could not find the requested resource',
          {},
        );
    }
    const sub = r.sub === 'status' ? 'status' : undefined;
    if (r.sub === 'scale') {
      await this.scale(req, res, q, r, verb);
      return;
    }
    if (t.group === 'metrics.k8s.io') {
      this.podMetrics(res, q, r, verb);
      return;
    }
    switch (verb) {
      case 'get': {
        const o = this.api.get(t, r.namespace, r.name!);
        if (r.sub === 'log') {
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end(
            `kube-server: pod ${r.name} is simulated; there is no container output\n`,
          );
          return;
        }
        if (this.wantsTable(req))
          this.send(
            res,
            200,
            toTable(t, r.version, [o], o.metadata.resourceVersion),
          );
        else this.send(res, 200, this.out(r, o));
        return;
      }
      case 'list':
        this.serveList(req, res, q, r);
        return;
      case 'watch':
        this.serveWatch(req, res, q, r);
        return;
      case 'create': {
        const ctx = this.context(req, q);
        const body = this.decode(req, await readBody(req));
        const ns =
          r.namespace ?? (t.namespaced ? body?.metadata?.namespace : undefined);
        if (t.namespaced && !ns)
          throw new StatusError(
            404,
            'NotFound',
            'the server could not find the requested resource',
            {},
          );
        if (r.name)
          throw new StatusError(
            405,
            'MethodNotAllowed',
            'the server does not allow this method on the requested resource',
          );
        const o = this.api.create(t, r.version, ns, body, ctx);
        this.send(res, 201, this.out(r, o), this.warningHeaders(ctx));
        return;
      }
      case 'update': {
        const ctx = this.context(req, q);
        const body = this.decode(req, await readBody(req));
        const o = this.api.update(
          t,
          r.version,
          r.namespace,
          r.name!,
          body,
          ctx,
          sub,
        );
        this.send(res, 200, this.out(r, o), this.warningHeaders(ctx));
        return;
      }
      case 'patch': {
        const ctx = this.context(req, q);
        const raw = (await readBody(req)).toString('utf8');
        const { object, created } = this.api.patch(
          t,
          r.version,
          r.namespace,
          r.name!,
          String(req.headers['content-type'] ?? ''),
          raw,
          ctx,
          sub,
        );
        this.send(
          res,
          created ? 201 : 200,
          this.out(r, object),
          this.warningHeaders(ctx),
        );
        return;
      }
      case 'delete': {
        const ctx = this.context(req, q);
        const raw = await readBody(req);
        const opts = (
          raw.length ? this.decode(req, raw) : {}
        ) as DeleteOptions & { dryRun?: string[] };
        if (q.get('propagationPolicy'))
          opts.propagationPolicy = q.get(
            'propagationPolicy',
          ) as DeleteOptions['propagationPolicy'];
        if (opts.dryRun?.includes('All')) ctx.dryRun = true;
        const o = this.api.delete(t, r.namespace, r.name!, opts, ctx);
        this.send(res, 200, o.kind === 'Status' ? o : this.out(r, o));
        return;
      }
      case 'deletecollection': {
        const ctx = this.context(req, q);
        const sel = this.selectors(q);
        const victims = this.api.list(t, r.namespace).filter(sel);
        for (const v of victims)
          this.api.delete(t, v.metadata.namespace, v.metadata.name, {}, ctx);
        this.send(res, 200, {
          kind: t.listKind,
          apiVersion: apiVersionOf(t.group, r.version),
          metadata: { resourceVersion: String(this.store.resourceVersion) },
          items: victims.map(v => this.out(r, v)),
        });
        return;
      }
      default:
    }
  }

  /** `kubectl auth can-i`: evaluates the caller's own rules. */
  private async accessReview(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    user: TokenUser,
  ) {
    const body = this.decode(req, await readBody(req));
    const ra = body?.spec?.resourceAttributes;
    const nra = body?.spec?.nonResourceAttributes;
    let ok = false;
    if (ra) {
      ok = allowed(user, {
        verb: ra.verb ?? '',
        group: ra.group ?? '',
        resource: ra.resource ?? '',
        subresource: ra.subresource || undefined,
        namespace: ra.namespace || undefined,
        name: ra.name || undefined,
      });
    } else if (nra) ok = !user.rules;
    this.send(res, 201, {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: body?.spec ?? {},
      status: { allowed: ok },
    });
  }

  /** The `/scale` subresource (autoscaling/v1 Scale) of Deployments, ReplicaSets and StatefulSets. */
  private async scale(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    q: URLSearchParams,
    r: Route,
    verb: string,
  ) {
    const toScale = (o: Obj) => ({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: o.metadata.name,
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        creationTimestamp: o.metadata.creationTimestamp,
      },
      spec: { replicas: o.spec?.replicas ?? 1 },
      status: {
        replicas: o.status?.replicas ?? 0,
        selector: Object.entries(o.spec?.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      },
    });
    const current = this.api.get(r.t, r.namespace, r.name!);
    if (verb === 'get') {
      this.send(res, 200, toScale(current));
      return;
    }
    if (verb !== 'update' && verb !== 'patch')
      throw new StatusError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
    const raw = (await readBody(req)).toString('utf8');
    let replicas: unknown;
    if (verb === 'update') replicas = JSON.parse(raw)?.spec?.replicas;
    else {
      const ct = String(req.headers['content-type'] ?? '');
      const body = JSON.parse(raw);
      if (ct.startsWith('application/json-patch+json')) {
        const op = (body as Obj[]).find(o => o.path === '/spec/replicas');
        replicas = op?.value;
      } else replicas = body?.spec?.replicas;
    }
    if (!Number.isInteger(replicas) || (replicas as number) < 0) {
      throw new StatusError(
        422,
        'Invalid',
        `Scale.autoscaling "${
          r.name
        }" is invalid: spec.replicas: Invalid value: ${JSON.stringify(
          replicas,
        )}: must be greater than or equal to 0`,
      );
    }
    const ctx = this.context(req, q);
    const { object } = this.api.patch(
      r.t,
      r.version,
      r.namespace,
      r.name!,
      'application/merge-patch+json',
      JSON.stringify({ spec: { replicas } }),
      ctx,
    );
    this.send(res, 200, toScale(object));
  }

  /** Simulated pod metrics: a small constant usage per container of every stored pod. */
  private podMetrics(
    res: http.ServerResponse,
    q: URLSearchParams,
    r: Route,
    verb: string,
  ) {
    const podType = this.api.registry.get('', 'pods')!;
    const toMetrics = (p: Obj) => ({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: {
        name: p.metadata.name,
        namespace: p.metadata.namespace,
        labels: p.metadata.labels,
        creationTimestamp: new Date().toISOString(),
      },
      timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      window: '30s',
      containers: (p.spec?.containers ?? []).map((c: Obj) => ({
        name: c.name,
        usage: { cpu: '5m', memory: '20Mi' },
      })),
    });
    if (verb === 'get') {
      this.send(
        res,
        200,
        toMetrics(this.api.get(podType, r.namespace, r.name!)),
      );
    } else if (verb === 'list') {
      const sel = this.selectors(q);
      const items = this.api
        .list(podType, r.namespace)
        .filter(sel)
        .map(toMetrics);
      this.send(res, 200, {
        kind: 'PodMetricsList',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: { resourceVersion: String(this.store.resourceVersion) },
        items,
      });
    } else {
      throw new StatusError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
    }
  }

  private serveList(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    q: URLSearchParams,
    r: Route,
  ) {
    const sel = this.selectors(q);
    let items = this.api.list(r.t, r.namespace).filter(sel);
    const meta: Obj = { resourceVersion: String(this.store.resourceVersion) };
    const cont = q.get('continue');
    if (cont) {
      let after: string;
      try {
        after = JSON.parse(
          Buffer.from(cont, 'base64url').toString('utf8'),
        ).after;
      } catch {
        throw badRequest('continue key is not valid');
      }
      items = items.filter(
        o => `${o.metadata.namespace ?? ''}/${o.metadata.name}` > after,
      );
    }
    const limit = Number(q.get('limit') ?? 0);
    if (limit > 0 && items.length > limit) {
      const last = items[limit - 1];
      meta.remainingItemCount = items.length - limit;
      meta.continue = Buffer.from(
        JSON.stringify({
          after: `${last.metadata.namespace ?? ''}/${last.metadata.name}`,
        }),
      ).toString('base64url');
      items = items.slice(0, limit);
    }
    if (this.wantsTable(req)) {
      const { resourceVersion, ...extra } = meta;
      this.send(
        res,
        200,
        toTable(r.t, r.version, items, resourceVersion, extra),
      );
      return;
    }
    const apiVersion = apiVersionOf(r.t.group, r.version);
    const text = `{"kind":${JSON.stringify(
      r.t.listKind,
    )},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(
      meta,
    )},"items":[${items
      .map(o =>
        JSON.stringify(o.apiVersion === apiVersion ? o : { ...o, apiVersion }),
      )
      .join(',')}]}`;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private serveWatch(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    q: URLSearchParams,
    r: Route,
  ) {
    const sel = this.selectors(q);
    const gr = groupResource(r.t.group, r.t.plural);
    const table = this.wantsTable(req);
    const rvParam = q.get('resourceVersion');
    const apiVersion = apiVersionOf(r.t.group, r.version);
    const inScope = (o: Obj) =>
      !r.namespace || o.metadata.namespace === r.namespace;
    const encode = (type: string, o: Obj) => {
      let object: string;
      if (table) {
        object = JSON.stringify(
          toTable(r.t, r.version, [o], o.metadata.resourceVersion),
        );
      } else if (o.apiVersion === apiVersion) {
        object = this.storedJson(o);
      } else {
        object = JSON.stringify({ ...o, apiVersion });
      }
      return `{"type":${JSON.stringify(type)},"object":${object}}\n`;
    };
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    this.watches.add(res);
    const timers: NodeJS.Timeout[] = [];
    let unsubscribe = () => {};
    // Events are written together once the requests being served have been handled, as the API
    // server flushes a watch when no more events are waiting: a burst of writes reaches a
    // watcher in a few chunks, not one chunk (and one system call) per event.
    let pending: string[] = [];
    const flush = () => {
      if (pending.length && !res.writableEnded && !res.destroyed) {
        res.write(pending.join(''));
      }
      pending = [];
    };
    const write = (line: string) => {
      if (!pending.length) setImmediate(flush);
      pending.push(line);
    };
    const close = () => {
      unsubscribe();
      for (const tm of timers) clearTimeout(tm);
      this.watches.delete(res);
      flush();
      if (!res.writableEnded) res.end();
    };
    res.on('close', close);

    const onEvent = (e: StoreEvent) => {
      if (e.gr !== gr || !inScope(e.object)) return;
      const now = sel(e.object);
      if (e.type === 'MODIFIED') {
        const before = e.old ? sel(e.old) : false;
        if (now && before) write(encode('MODIFIED', e.object));
        else if (now) write(encode('ADDED', e.object));
        else if (before) write(encode('DELETED', e.object));
      } else if (now) write(encode(e.type, e.object));
    };

    if (!rvParam || rvParam === '0') {
      for (const o of this.api.list(r.t, r.namespace))
        if (sel(o)) write(encode('ADDED', o));
    } else {
      const rv = Number(rvParam);
      const events = Number.isFinite(rv) ? this.store.since(rv) : 'expired';
      if (events === 'expired') {
        write(
          `${JSON.stringify({
            type: 'ERROR',
            object: new StatusError(
              410,
              'Expired',
              `too old resource version: ${rvParam} (${
                this.store.oldestWatchableRV + 1
              })`,
            ).toStatus(),
          })}\n`,
        );
        close();
        return;
      }
      for (const e of events) onEvent(e);
    }
    unsubscribe = this.store.subscribe(onEvent);

    if (q.get('allowWatchBookmarks') === 'true') {
      const every = this.opts.bookmarkIntervalMs ?? 30_000;
      const tick = () => {
        write(
          `${JSON.stringify({
            type: 'BOOKMARK',
            object: {
              kind: r.t.kind,
              apiVersion,
              metadata: { resourceVersion: String(this.store.resourceVersion) },
            },
          })}\n`,
        );
        timers[0] = setTimeout(tick, every);
      };
      timers[0] = setTimeout(tick, every);
    }
    const timeout =
      Number(q.get('timeoutSeconds') ?? 0) || parseDuration(q.get('timeout'));
    if (timeout > 0) timers.push(setTimeout(close, timeout * 1000));
  }

  // ---------------------------------------------------------------------------------------------
  // Discovery and OpenAPI

  private buildDiscovery() {
    if (this.discoveryCache) return this.discoveryCache;
    const reg = this.api.registry;
    const legacy = new Map<string, Obj>();
    const aggregated = new Map<string, Obj>();
    const hashes = new Map<string, string>();
    const groups = reg.groups();
    const aggItems: Obj[] = [];
    for (const { group, versions } of groups) {
      const aggVersions: Obj[] = [];
      for (const version of versions) {
        const types = reg
          .all()
          .filter(t => t.group === group && t.versions.includes(version));
        const gv = apiVersionOf(group, version);
        const resources: Obj[] = [];
        const aggResources: Obj[] = [];
        for (const t of types) {
          resources.push({
            name: t.plural,
            singularName: t.singular,
            namespaced: t.namespaced,
            kind: t.kind,
            verbs: t.group === 'metrics.k8s.io' ? ['get', 'list'] : VERBS,
            ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
            ...(t.categories.length ? { categories: t.categories } : {}),
            storageVersionHash: storageVersionHash(t, version),
          });
          const subs: Obj[] = [];
          if (t.hasStatus) {
            resources.push({
              name: `${t.plural}/status`,
              singularName: '',
              namespaced: t.namespaced,
              kind: t.kind,
              verbs: ['get', 'patch', 'update'],
            });
            subs.push({
              subresource: 'status',
              responseKind: { group, version, kind: t.kind },
              verbs: ['get', 'patch', 'update'],
            });
          }
          if (SCALABLE.has(groupResource(group, t.plural))) {
            resources.push({
              name: `${t.plural}/scale`,
              singularName: '',
              namespaced: true,
              group: 'autoscaling',
              version: 'v1',
              kind: 'Scale',
              verbs: ['get', 'patch', 'update'],
            });
            subs.push({
              subresource: 'scale',
              responseKind: {
                group: 'autoscaling',
                version: 'v1',
                kind: 'Scale',
              },
              verbs: ['get', 'patch', 'update'],
            });
          }
          if (t.plural === 'pods' && group === '') {
            resources.push({
              name: 'pods/log',
              singularName: '',
              namespaced: true,
              kind: 'Pod',
              verbs: ['get'],
            });
            subs.push({
              subresource: 'log',
              responseKind: { group: '', version: 'v1', kind: 'Pod' },
              verbs: ['get'],
            });
          }
          aggResources.push({
            resource: t.plural,
            responseKind: { group, version, kind: t.kind },
            scope: t.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: t.singular,
            verbs: t.group === 'metrics.k8s.io' ? ['get', 'list'] : VERBS,
            ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
            ...(t.categories.length ? { categories: t.categories } : {}),
            ...(subs.length ? { subresources: subs } : {}),
          });
        }
        const list = {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: gv,
          resources,
        };
        legacy.set(gv, list);
        hashes.set(
          gv,
          crypto
            .createHash('sha256')
            .update(
              JSON.stringify(
                types.map(t => [t.kind, t.schemas?.[version] ?? null]),
              ),
            )
            .digest('hex')
            .slice(0, 16)
            .toUpperCase(),
        );
        aggVersions.push({
          version,
          resources: aggResources,
          freshness: 'Current',
        });
      }
      aggItems.push({
        metadata: { name: group, creationTimestamp: null },
        versions: aggVersions,
      });
    }
    aggregated.set('/api', {
      kind: 'APIGroupDiscoveryList',
      apiVersion: 'apidiscovery.k8s.io/v2',
      metadata: {},
      items: aggItems.filter(i => i.metadata.name === ''),
    });
    aggregated.set('/apis', {
      kind: 'APIGroupDiscoveryList',
      apiVersion: 'apidiscovery.k8s.io/v2',
      metadata: {},
      items: aggItems.filter(i => i.metadata.name !== ''),
    });
    const openapiRoot = {
      paths: Object.fromEntries(
        [...hashes.entries()].map(([gv, h]) => {
          const p = gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
          return [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${h}` }];
        }),
      ),
    };
    this.discoveryCache = { legacy, aggregated, openapiRoot, hashes };
    return this.discoveryCache;
  }

  private nonResource(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    p: string,
    parts: string[],
  ) {
    const d = this.buildDiscovery();
    const accept = String(req.headers.accept ?? '');
    if (
      (p === '/api' || p === '/apis') &&
      /as=APIGroupDiscoveryList/.test(accept)
    ) {
      const v2 = /v=v2(;|,|$)/.test(accept.replace(/v=v2beta1/g, ''));
      const doc = d.aggregated.get(p)!;
      this.send(
        res,
        200,
        v2 ? doc : { ...doc, apiVersion: 'apidiscovery.k8s.io/v2beta1' },
        {
          'Content-Type': v2 ? AGGREGATED_V2 : AGGREGATED_V2BETA1,
          Vary: 'Accept',
        },
      );
      return;
    }
    if (p === '/api') {
      this.send(
        res,
        200,
        {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [
            {
              clientCIDR: '0.0.0.0/0',
              serverAddress: `127.0.0.1:${this.port}`,
            },
          ],
        },
        { Vary: 'Accept' },
      );
      return;
    }
    if (p === '/apis') {
      const groups = this.api.registry
        .groups()
        .filter(g => g.group !== '')
        .map(g => this.apiGroup(g.group, g.versions));
      this.send(
        res,
        200,
        { kind: 'APIGroupList', apiVersion: 'v1', groups },
        { Vary: 'Accept' },
      );
      return;
    }
    if (parts[0] === 'api' && parts.length === 2 && d.legacy.has(parts[1])) {
      this.send(res, 200, d.legacy.get(parts[1]));
      return;
    }
    if (
      parts[0] === 'apis' &&
      parts.length === 3 &&
      d.legacy.has(`${parts[1]}/${parts[2]}`)
    ) {
      this.send(res, 200, d.legacy.get(`${parts[1]}/${parts[2]}`));
      return;
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const g = this.api.registry.groups().find(x => x.group === parts[1]);
      if (g) {
        this.send(res, 200, {
          apiVersion: 'v1',
          ...this.apiGroup(g.group, g.versions),
        });
        return;
      }
    }
    if (p === '/openapi/v3') {
      this.send(res, 200, d.openapiRoot);
      return;
    }
    if (parts[0] === 'openapi' && parts[1] === 'v3' && parts.length >= 4) {
      const gv = parts[2] === 'api' ? parts[3] : `${parts[3]}/${parts[4]}`;
      if (d.legacy.has(gv)) {
        this.send(res, 200, this.openapiDoc(gv));
        return;
      }
    }
    // /openapi/v2 is protobuf-only for kubectl; a 404 makes it use v3, as the notes found.
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
  }

  private apiGroup(group: string, versions: string[]): Obj {
    return {
      kind: 'APIGroup',
      name: group,
      versions: versions.map(v => ({
        groupVersion: `${group}/${v}`,
        version: v,
      })),
      preferredVersion: {
        groupVersion: `${group}/${versions[0]}`,
        version: versions[0],
      },
    };
  }

  private openapiDoc(gv: string): Obj {
    const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
    const types = this.api.registry
      .all()
      .filter(t => t.group === group && t.versions.includes(version));
    const paths: Obj = {};
    const schemas: Obj = {};
    const reversed = group
      ? group.split('.').reverse().join('.')
      : 'io.k8s.api.core';
    for (const t of types) {
      const gvk = { group, version, kind: t.kind };
      const base = `/${group ? `apis/${gv}` : `api/${version}`}${
        t.namespaced ? '/namespaces/{namespace}' : ''
      }/${t.plural}/{name}`;
      const ref = `${reversed}.${version}.${t.kind}`;
      const op = (action: string) => ({
        operationId: `${action}${t.kind}`,
        'x-kubernetes-action': action,
        'x-kubernetes-group-version-kind': gvk,
        parameters: [
          {
            name: 'dryRun',
            in: 'query',
            schema: { type: 'string', uniqueItems: true },
          },
          {
            name: 'fieldManager',
            in: 'query',
            schema: { type: 'string', uniqueItems: true },
          },
          {
            name: 'fieldValidation',
            in: 'query',
            schema: { type: 'string', uniqueItems: true },
          },
          ...(action === 'patch'
            ? [
                {
                  name: 'force',
                  in: 'query',
                  schema: { type: 'boolean', uniqueItems: true },
                },
              ]
            : []),
        ],
        responses: {
          '200': {
            content: {
              'application/json': {
                schema: { $ref: `#/components/schemas/${ref}` },
              },
            },
          },
        },
      });
      paths[base] = {
        get: { ...op('get'), parameters: [] },
        put: op('put'),
        patch: op('patch'),
        delete: { ...op('delete'), parameters: [] },
      };
      const schema = t.schemas?.[version] ?? {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
      };
      schemas[ref] = { ...schema, 'x-kubernetes-group-version-kind': [gvk] };
    }
    return {
      openapi: '3.0.0',
      info: {
        title: 'Kubernetes (kube-server)',
        version: VERSION_INFO.gitVersion,
      },
      paths,
      components: { schemas },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Admin endpoints (fault injection)

  private async admin(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    p: string,
  ) {
    if (req.headers.authorization !== `Bearer ${this.adminToken}`)
      throw new StatusError(
        401,
        'Unauthorized',
        'Unauthorized: the admin token is required',
      );
    const parts = p.split('/').filter(Boolean);
    if (parts[1] === 'watches' && req.method === 'DELETE') {
      this.send(res, 200, { closed: this.closeWatches() });
      return;
    }
    if (parts[1] === 'compact' && req.method === 'POST') {
      this.compact();
      this.send(res, 200, { compactedTo: this.store.resourceVersion });
      return;
    }
    if (parts[1] !== 'faults')
      throw new StatusError(
        404,
        'NotFound',
        'unknown admin endpoint; use /admin/faults, /admin/watches or /admin/compact',
      );
    if (req.method === 'GET') {
      this.send(res, 200, { faults: this.faults.list() });
    } else if (req.method === 'POST') {
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}');
      if (parts[2] === 'seed') {
        this.faults.reseed(Number(body.seed ?? 0));
        this.send(res, 200, { seed: Number(body.seed ?? 0) });
        return;
      }
      try {
        this.send(res, 201, { id: this.faults.add(body) });
      } catch (e) {
        throw badRequest((e as Error).message);
      }
    } else if (req.method === 'DELETE') {
      if (parts[2]) {
        if (!this.faults.remove(parts[2]))
          throw new StatusError(
            404,
            'NotFound',
            `fault "${parts[2]}" not found`,
          );
      } else this.faults.clear();
      this.send(res, 200, { faults: this.faults.list() });
    } else
      throw new StatusError(405, 'MethodNotAllowed', 'use GET, POST or DELETE');
  }
}

function parseDuration(s: string | null): number {
  if (!s) return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s);
  if (!m) return 0;
  const n = Number(m[1]);
  return { ms: n / 1000, s: n, m: n * 60, h: n * 3600 }[
    (m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'
  ];
}

export { Server as KubeServerImpl };
export type { AccessRule };
