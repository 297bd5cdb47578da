import { ACCESS_POLICY_KIND } from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  ENVOY_AI_GATEWAY_API,
  EnvoyAiGatewayRenderer,
  KubeObject,
  RenderResult,
  buildAccessIntent,
  buildRoutingIntent,
  computeStatus,
  decideServerCertificate,
  gatewayServerSans,
  generateServerCertificate,
  managedServerSecretName,
  objectKey,
  parseTrustBundle,
  serverCertificateNotAfter,
  serverCertificateRenewalTime,
} from '@kagenti/backstage-plugin-ai-gateway-node';
import { Engine, ObservedCluster, RenderOutcome } from './engine';

interface BundleRef {
  namespace: string;
  name: string;
  key: string;
}

function bundleRefOf(policy: KubeObject): BundleRef | undefined {
  if (policy.kind !== ACCESS_POLICY_KIND) return undefined;
  const ref = (policy.spec as any)?.mtls?.trustBundleConfigMap;
  if (!ref?.name) return undefined;
  return {
    namespace: ref.namespace ?? policy.metadata.namespace ?? '',
    name: ref.name,
    key: ref.key ?? 'bundle.spiffe',
  };
}

/** Details kept between render and status for one policy. */
interface Detail {
  bundle?: ReturnType<typeof parseTrustBundle>;
  certError?: string;
  intentProblems: Array<{ path: string; message: string }>;
  /**
   * Until when (ms since the epoch) the render holds with the same inputs: when a CA of the
   * trust bundle expires or becomes valid, or the server certificate is due for renewal.
   */
  until: number;
}

/** A failed certificate generation is tried again after this long, if nothing else changes. */
const CERT_RETRY_MS = 60 * 60 * 1000;

/**
 * The Envoy AI Gateway engine: policy + observed cluster → intent → objects (the `-node`
 * renderer), and → status (`computeStatus`). Side effects (server certificate generation) happen
 * here, not in the pure modules.
 */
export function createEnvoyEngine(options: {
  instance: string;
  /** The clock (tests set it). */
  now?: () => Date;
}): Engine {
  const clock = options.now ?? (() => new Date());
  const renderer = new EnvoyAiGatewayRenderer();
  // Rendering is pure in its inputs and the time; an unchanged policy in an unchanged cluster is
  // not rendered again until a time-dependent choice (a CA expiring or becoming valid, the server
  // certificate's renewal) would come out differently.
  const memo = new Map<
    string,
    { fingerprint: string; outcome: RenderOutcome }
  >();
  /** A policy's place in the memo: the same for its render and for `applied`. */
  const memoKey = (policy: KubeObject, observed: ObservedCluster) =>
    `${observed.cluster}/${policy.kind}/${policy.metadata.namespace}/${policy.metadata.name}`;
  const fingerprintOf = (policy: KubeObject, observed: ObservedCluster) => {
    const namespace = policy.metadata.namespace ?? '';
    const spec = policy.spec as any;
    // An object's generation (or a ConfigMap's resourceVersion) stands for its content: the API
    // server changes it with every change of the spec. Only without one is the spec itself taken.
    // (Writing out every spec and trust bundle was a tenth of a pass over an unchanged fleet.)
    const parts: unknown[] = [
      policy.metadata.uid,
      policy.metadata.generation ?? policy.spec,
    ];
    if (policy.kind === ACCESS_POLICY_KIND) {
      const ref = bundleRefOf(policy);
      const cm = ref
        ? observed.configMaps.get(`${ref.namespace}/${ref.name}`)
        : undefined;
      const gw = observed.gateways.get(`${namespace}/${spec?.targetRef?.name}`);
      const server = observed.owned.get(
        objectKey({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name: managedServerSecretName(policy.metadata.name),
            namespace,
          },
        }),
      );
      parts.push(
        cm
          ? [
              cm.metadata.uid,
              cm.metadata.resourceVersion ??
                (ref && (cm.data as any)?.[ref.key]),
            ]
          : null,
        gw ? [gw.metadata.uid, gw.metadata.generation ?? gw.spec] : null,
        server ? [server.metadata.uid, server.metadata.resourceVersion] : null,
      );
    }
    return JSON.stringify(parts);
  };
  /** A render result as the reconciler takes it: intent problems first, retained objects keyed. */
  const toOutcome = (
    result: RenderResult,
    namespace: string,
    detail: Detail,
  ): RenderOutcome => ({
    objects: result.objects,
    problems: [...detail.intentProblems, ...result.problems],
    retain: result.retain.map(r =>
      objectKey({
        apiVersion: r.apiVersion,
        kind: r.kind,
        metadata: { name: r.name, namespace },
      }),
    ),
    detail,
  });

  const renderNow = async (
    policy: KubeObject,
    observed: ObservedCluster,
  ): Promise<RenderOutcome> => {
    const now = clock();
    const namespace = policy.metadata.namespace ?? '';
    if (policy.kind !== ACCESS_POLICY_KIND) {
      const { intent, problems } = buildRoutingIntent(policy as any);
      return toOutcome(
        renderer.render(intent, { instance: options.instance }),
        namespace,
        { intentProblems: problems, until: Infinity },
      );
    }
    const spec = policy.spec as any;
    const ref = bundleRefOf(policy)!;
    const cm = observed.configMaps.get(`${ref.namespace}/${ref.name}`);
    const bundle = parseTrustBundle(
      (cm?.data as Record<string, string> | undefined)?.[ref.key] ??
        (cm ? '' : undefined),
      {
        now,
        source: `ConfigMap ${ref.namespace}/${ref.name} key ${ref.key}`,
      },
    );
    const gateway = observed.gateways.get(
      `${namespace}/${spec.targetRef.name}`,
    );
    let until = bundle.changesAt ? Date.parse(bundle.changesAt) : Infinity;
    let serverCertificate;
    let certError: string | undefined;
    if (!spec.mtls.serverCertRef) {
      const secretName = managedServerSecretName(policy.metadata.name);
      const existing = observed.owned.get(
        objectKey({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: secretName, namespace },
        }),
      );
      const sans = gatewayServerSans(spec.targetRef.name, namespace);
      const decision = decideServerCertificate(existing as any, sans, now);
      // Kept until due for renewal: the one found, or the one made now.
      let notAfter: Date | undefined;
      if (decision.action === 'keep') {
        serverCertificate = decision.material;
        notAfter = new Date(decision.notAfter);
      } else {
        try {
          serverCertificate = await generateServerCertificate({ sans, now });
          notAfter = serverCertificateNotAfter(now);
        } catch (e) {
          certError = (e as Error).message;
          until = Math.min(until, now.getTime() + CERT_RETRY_MS);
        }
      }
      if (notAfter) {
        until = Math.min(
          until,
          serverCertificateRenewalTime(notAfter).getTime(),
        );
      }
    }
    const { intent, problems } = buildAccessIntent(policy as any, {
      caBundlePem: bundle.ok ? bundle.pem : undefined,
      gateway: gateway as any,
      serverCertificate,
    });
    return toOutcome(
      renderer.render(intent, { instance: options.instance }),
      namespace,
      { bundle, certError, intentProblems: problems, until },
    );
  };

  // Policies can only meet on a Gateway or by object names inside one namespace: each status
  // looks at its namespace's policies, grouped once per pass (per observed list), not at the
  // whole fleet, which made a pass quadratic in the number of policies.
  const byNamespace = new WeakMap<KubeObject[], Map<string, KubeObject[]>>();
  const policiesIn = (all: KubeObject[], namespace: string) => {
    let groups = byNamespace.get(all);
    if (!groups) {
      groups = new Map();
      for (const p of all) {
        const ns = p.metadata.namespace ?? '';
        const list = groups.get(ns);
        if (list) list.push(p);
        else groups.set(ns, [p]);
      }
      byNamespace.set(all, groups);
    }
    return groups.get(namespace) ?? [];
  };

  return {
    renderedKinds: Object.values(ENVOY_AI_GATEWAY_API).map(a => ({
      apiVersion: a.apiVersion,
      kind: a.kind,
    })),

    bundleRefs(policy) {
      const ref = bundleRefOf(policy);
      return ref ? [`${ref.namespace}/${ref.name}`] : [];
    },

    async render(policy, observed, renderOptions): Promise<RenderOutcome> {
      if (renderOptions?.hypothetical) return renderNow(policy, observed);
      const key = memoKey(policy, observed);
      const fingerprint = fingerprintOf(policy, observed);
      const hit = memo.get(key);
      if (
        hit &&
        hit.fingerprint === fingerprint &&
        clock().getTime() < (hit.outcome.detail as Detail).until
      ) {
        return hit.outcome;
      }
      const outcome = await renderNow(policy, observed);
      memo.set(key, { fingerprint, outcome });
      return outcome;
    },

    applied(policy, observed) {
      const key = memoKey(policy, observed);
      const hit = memo.get(key);
      if (hit) hit.fingerprint = fingerprintOf(policy, observed);
    },

    status(policy, render, observed, applyErrors, now) {
      const detail = render.detail as Detail | undefined;
      const namespace = policy.metadata.namespace ?? '';
      const gatewayName = (policy.spec as any)?.targetRef?.name;
      const liveObjects = render.objects
        .map(o => observed.owned.get(objectKey(o)))
        .filter((o): o is KubeObject => o !== undefined);
      return computeStatus({
        policy: policy as any,
        problems: render.problems,
        objects: render.objects,
        applyErrors,
        observed: {
          gateway: observed.gateways.get(`${namespace}/${gatewayName}`) as any,
          liveObjects: liveObjects as any,
          secretKeys: observed.secretKeys,
          policies: policiesIn(observed.policies, namespace) as any,
          bundle: detail?.bundle,
          certificateError: detail?.certError,
        },
        now,
      }) as unknown as Record<string, unknown>;
    },
  };
}
