import type { Entity } from '@backstage/catalog-model';
import {
  ACCESS_POLICY_KIND,
  AI_GATEWAY_API_VERSION,
  LABELS,
  entityToResource,
  validatePolicyEntity,
  type ApiDryRunResult,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  ENVOY_AI_GATEWAY_API,
  EnvoyAiGatewayRenderer,
  buildAccessIntent,
  buildRoutingIntent,
  decideServerCertificate,
  diffObject,
  gatewayServerSans,
  generateServerCertificate,
  isNotFound,
  managedServerSecretName,
  objectKey,
  parseTrustBundle,
  type KubeClient,
  type KubeObject,
} from '@kagenti/backstage-plugin-ai-gateway-node';

const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

async function getOrUndefined(
  client: KubeClient,
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return await client.get(apiVersion, kind, namespace, name);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

function actionOf(live: KubeObject | undefined, differences: string[]) {
  if (!live) return 'create' as const;
  return differences.length ? ('update' as const) : ('unchanged' as const);
}

/** A copy fit for a step output: Secret values replaced by a marker, keys kept. */
export function redactSecret(obj: KubeObject): KubeObject {
  if (obj.kind !== 'Secret') return obj;
  const copy: KubeObject = { ...obj };
  for (const field of ['data', 'stringData']) {
    const values = copy[field] as Record<string, unknown> | undefined;
    if (values && typeof values === 'object') {
      copy[field] = Object.fromEntries(
        Object.keys(values).map(k => [k, '(redacted)']),
      );
    }
  }
  return copy;
}

/** The policy's objects as the Envoy AI Gateway renderer of `-node` makes them. */
async function render(
  client: KubeClient,
  policy: KubeObject,
  instance: string,
): Promise<{
  objects: KubeObject[];
  problems: Array<{ path: string; message: string }>;
}> {
  const renderer = new EnvoyAiGatewayRenderer();
  if (policy.kind !== ACCESS_POLICY_KIND) {
    const { intent, problems } = buildRoutingIntent(policy as any);
    const result = renderer.render(intent, { instance });
    return {
      objects: result.objects as KubeObject[],
      problems: [...problems, ...result.problems],
    };
  }
  const namespace = policy.metadata.namespace!;
  const spec = policy.spec as any;
  const bundleRef = spec.mtls.trustBundleConfigMap;
  const bundleNamespace = bundleRef.namespace ?? namespace;
  const [cm, gateway, existingCert] = await Promise.all([
    getOrUndefined(client, 'v1', 'ConfigMap', bundleNamespace, bundleRef.name),
    getOrUndefined(
      client,
      GATEWAY_API_VERSION,
      'Gateway',
      namespace,
      spec.targetRef.name,
    ),
    spec.mtls.serverCertRef
      ? Promise.resolve(undefined)
      : getOrUndefined(
          client,
          'v1',
          'Secret',
          namespace,
          managedServerSecretName(policy.metadata.name),
        ),
  ]);
  const now = new Date();
  const bundle = parseTrustBundle(
    (cm?.data as Record<string, string> | undefined)?.[bundleRef.key] ??
      (cm ? '' : undefined),
    {
      now,
      source: `ConfigMap ${bundleNamespace}/${bundleRef.name} key ${bundleRef.key}`,
    },
  );
  let serverCertificate;
  if (!spec.mtls.serverCertRef) {
    const sans = gatewayServerSans(spec.targetRef.name, namespace);
    const decision = decideServerCertificate(existingCert as any, sans, now);
    serverCertificate =
      decision.action === 'keep'
        ? decision.material
        : await generateServerCertificate({ sans, now });
  }
  const { intent, problems } = buildAccessIntent(policy as any, {
    caBundlePem: bundle.ok ? bundle.pem : undefined,
    gateway: gateway as any,
    serverCertificate,
  });
  const result = renderer.render(intent, { instance });
  // What the reconciler would report as GatewayBound / MTLSActive False, said before publishing.
  const secretName =
    spec.mtls.serverCertRef?.name ??
    managedServerSecretName(policy.metadata.name);
  const gatewayProblems: Array<{ path: string; message: string }> = [];
  if (!gateway) {
    gatewayProblems.push({
      path: 'spec.targetRef',
      message: `Gateway ${namespace}/${spec.targetRef.name} does not exist in the cluster`,
    });
  } else if ((intent.listeners ?? []).length === 0) {
    gatewayProblems.push({
      path: 'spec.targetRef',
      message: `Gateway ${namespace}/${spec.targetRef.name} has no HTTPS listener serving the Secret ${secretName}; add one (protocol HTTPS, tls.certificateRefs: [{name: ${secretName}}]) or mutual TLS stays inactive (ListenerNotHTTPS)`,
    });
  }
  return {
    objects: result.objects as KubeObject[],
    problems: [
      ...gatewayProblems,
      ...(bundle.ok
        ? []
        : [
            { path: 'spec.mtls.trustBundleConfigMap', message: bundle.message },
          ]),
      ...problems,
      ...result.problems,
    ],
  };
}

/**
 * What applying a policy entity would do to its cluster, changing nothing: the policy resource
 * and the objects `-node`'s renderer makes from it (Secret values redacted), each compared with
 * the live cluster (`diffObject`), plus the objects of the policy that would be pruned.
 */
export async function previewPolicy(options: {
  entity: Entity;
  client: KubeClient;
  defaultCluster: string;
  instance: string;
}): Promise<ApiDryRunResult & { cluster: string }> {
  const { entity, client, defaultCluster, instance } = options;
  const checked = validatePolicyEntity(entity);
  if (!checked.ok) {
    return {
      valid: false,
      problems: checked.problems,
      objects: [],
      diff: [],
      cluster: '',
    };
  }
  const { cluster, resource } = entityToResource(entity, {
    defaultCluster,
  }) as unknown as {
    cluster: string;
    resource: KubeObject;
  };
  const namespace = resource.metadata.namespace!;
  const name = resource.metadata.name;
  const desiredPolicy: KubeObject = {
    ...resource,
    metadata: {
      ...resource.metadata,
      labels: { ...resource.metadata.labels, [LABELS.instance]: instance },
    },
  };
  const livePolicy = await getOrUndefined(
    client,
    AI_GATEWAY_API_VERSION,
    resource.kind,
    namespace,
    name,
  );
  const diff: ApiDryRunResult['diff'] = [];
  const policyDifferences = livePolicy
    ? diffObject(desiredPolicy, livePolicy)
    : [];
  diff.push({
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    name,
    action: actionOf(livePolicy, policyDifferences),
    ...(policyDifferences.length ? { differences: policyDifferences } : {}),
  });
  // Owner references need the live policy's uid; a new policy gets one when it is created.
  const forRender: KubeObject = {
    ...desiredPolicy,
    metadata: {
      ...desiredPolicy.metadata,
      uid: livePolicy?.metadata.uid,
      generation: livePolicy?.metadata.generation,
      creationTimestamp: livePolicy?.metadata.creationTimestamp,
    },
  };
  const { objects, problems } = await render(client, forRender, instance);
  const wanted = new Set<string>();
  for (const obj of objects) {
    wanted.add(objectKey(obj));
    const live = await getOrUndefined(
      client,
      obj.apiVersion,
      obj.kind,
      namespace,
      obj.metadata.name,
    );
    const differences = live ? diffObject(obj, live) : [];
    diff.push({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      action: actionOf(live, differences),
      ...(differences.length ? { differences } : {}),
    });
  }
  const selector = `${LABELS.policy}=${name},${LABELS.instance}=${instance}`;
  const kinds = [
    ...Object.values(ENVOY_AI_GATEWAY_API).map(a => ({
      apiVersion: a.apiVersion,
      kind: a.kind,
    })),
    { apiVersion: 'v1', kind: 'Secret' },
  ];
  for (const k of kinds) {
    let items: KubeObject[] = [];
    try {
      items = (
        await client.list(k.apiVersion, k.kind, {
          namespace,
          labelSelector: selector,
        })
      ).items;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    for (const o of items) {
      const owned = o.metadata.ownerReferences?.some(
        r => r.kind === resource.kind && r.name === name,
      );
      if (!owned || wanted.has(objectKey(o))) continue;
      diff.push({
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.metadata.name,
        action: 'delete',
      });
    }
  }
  return {
    valid: problems.length === 0,
    problems,
    objects: [desiredPolicy, ...objects].map(redactSecret) as Array<
      Record<string, unknown>
    >,
    diff,
    cluster,
  };
}

/** `create 3, update 1, unchanged 2, delete 0` and one line per change. */
export function describeDiff(diff: ApiDryRunResult['diff']): string {
  const count = (a: string) => diff.filter(d => d.action === a).length;
  const head = `create ${count('create')}, update ${count(
    'update',
  )}, unchanged ${count('unchanged')}, delete ${count('delete')}`;
  const lines = diff
    .filter(d => d.action !== 'unchanged')
    .map(
      d =>
        `- ${d.action} ${d.kind} ${d.name}${
          d.differences?.length ? ` (${d.differences.join(', ')})` : ''
        }`,
    );
  return [head, ...lines].join('\n');
}
