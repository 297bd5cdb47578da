import fs from 'node:fs';
import path from 'node:path';
import {
  ROUTING_POLICY_KIND,
  type AIAccessPolicy,
  type AIRoutingPolicy,
  type Problem,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import {
  generateServerCertificate,
  decideServerCertificate,
  gatewayServerSans,
} from '../certificates/serverCertificate';
import {
  buildAccessIntent,
  buildRoutingIntent,
  managedServerSecretName,
} from '../intent/buildIntent';
import type { KubernetesObject } from '../kubernetes';
import { EnvoyAiGatewayRenderer } from '../renderers/envoyAiGateway';
import { comparePolicyAge, routingObjectNames } from '../status/computeStatus';
import { parseTrustBundle } from '../trustBundle/parseTrustBundle';
import {
  loadInputs,
  type ClusterObject,
  type LoadedPolicy,
} from './loadInputs';
import { objectToYaml, objectsToYamlStream } from './yamlOutput';

export const USAGE = `Usage:
  yarn ai-gateway validate FILE...
  yarn ai-gateway render FILE... [--out DIR] [--instance NAME]

Files hold AIRoutingPolicy / AIAccessPolicy custom resources or catalog entities (YAML or JSON,
several documents per file). Other objects in them (the Gateway, the trust bundle ConfigMap, the
server certificate Secret) stand for the cluster. "render" writes the Envoy AI Gateway objects as
one YAML stream to stdout, or one file per object into --out DIR.

Exit status: 0 success, 1 invalid input (each problem as FILE: path: message), 2 usage error.`;

export interface CliIo {
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now?: Date;
}

class UsageError extends Error {}

interface Args {
  command: 'validate' | 'render';
  files: string[];
  out?: string;
  instance?: string;
}

function parseArgs(argv: string[]): Args | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const [command, ...rest] = argv;
  if (command !== 'validate' && command !== 'render') {
    throw new UsageError(
      command ? `unknown command "${command}"` : 'no command given',
    );
  }
  const args: Args = { command, files: [] };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--'))
        throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--out' && command === 'render') args.out = value();
    else if (a === '--instance' && command === 'render')
      args.instance = value();
    else if (a.startsWith('-'))
      throw new UsageError(`unknown option ${a} for ${command}`);
    else args.files.push(a);
  }
  if (!args.files.length) throw new UsageError('no FILE given');
  return args;
}

function line(origin: string, p: Problem): string {
  return p.path
    ? `${origin}: ${p.path}: ${p.message}`
    : `${origin}: ${p.message}`;
}

/** Problems between policies of the input: what would make one of them Conflicted in a cluster. */
function conflicts(
  policies: LoadedPolicy[],
): Array<{ origin: string; problem: Problem }> {
  const out: Array<{ origin: string; problem: Problem }> = [];
  const sorted = [...policies].sort((a, b) =>
    comparePolicyAge(a.policy, b.policy),
  );
  const seen = new Map<string, LoadedPolicy>();
  for (const lp of sorted) {
    const { policy } = lp;
    const gw = `${policy.metadata.namespace}/${policy.spec.targetRef.name}`;
    const describe = (w: LoadedPolicy) =>
      `${w.policy.kind} ${w.policy.metadata.namespace}/${w.policy.metadata.name} (${w.origin})`;
    if (policy.kind === ROUTING_POLICY_KIND) {
      const shared = [...routingObjectNames(policy)].filter(n =>
        seen.has(`${policy.metadata.namespace} ${n}`),
      );
      if (shared.length) {
        const winner = seen.get(`${policy.metadata.namespace} ${shared[0]}`)!;
        out.push({
          origin: lp.origin,
          problem: {
            path: 'metadata.name',
            message: `${shared
              .map(n => n.split('/')[1])
              .join(', ')} would also be written for ${describe(
              winner,
            )}, which wins; rename the policy or a provider`,
          },
        });
      }
      for (const n of routingObjectNames(policy)) {
        const k = `${policy.metadata.namespace} ${n}`;
        if (!seen.has(k)) seen.set(k, lp);
      }
      policy.spec.models.forEach((m, i) => {
        const k = `model ${gw} ${m.name}`;
        const winner = seen.get(k);
        if (winner) {
          out.push({
            origin: lp.origin,
            problem: {
              path: `spec.models[${i}].name`,
              message: `model "${
                m.name
              }" is also exposed on Gateway ${gw} by ${describe(
                winner,
              )}, which wins (older, or first by name)`,
            },
          });
        } else seen.set(k, lp);
      });
    } else {
      const k = `access ${gw}`;
      const winner = seen.get(k);
      if (winner) {
        out.push({
          origin: lp.origin,
          problem: {
            path: 'spec.targetRef.name',
            message: `Gateway ${gw} already has ${describe(
              winner,
            )}; a Gateway takes one access policy`,
          },
        });
      } else seen.set(k, lp);
    }
  }
  return out;
}

function findObject(
  cluster: ClusterObject[],
  kind: string,
  namespace: string,
  name: string,
  apiVersion?: string,
) {
  return cluster.find(
    c =>
      c.object.kind === kind &&
      (apiVersion === undefined || c.object.apiVersion === apiVersion) &&
      c.object.metadata?.name === name &&
      (c.object.metadata?.namespace ?? namespace) === namespace,
  )?.object;
}

interface Rendered {
  objects: KubernetesObject[];
  problems: Array<{ origin: string; problem: Problem }>;
  notes: string[];
}

async function renderAll(
  policies: LoadedPolicy[],
  cluster: ClusterObject[],
  args: { instance?: string },
  now: Date,
): Promise<Rendered> {
  const renderer = new EnvoyAiGatewayRenderer();
  const result: Rendered = { objects: [], problems: [], notes: [] };
  const options = args.instance ? { instance: args.instance } : {};
  for (const { origin, policy } of policies) {
    const ns = policy.metadata.namespace;
    const at = (problem: Problem) => result.problems.push({ origin, problem });
    if (!policy.metadata.uid) {
      result.notes.push(
        `${origin}: ${policy.kind} ${ns}/${policy.metadata.name} has no uid: objects are rendered without ownerReferences`,
      );
    }
    if (policy.kind === ROUTING_POLICY_KIND) {
      const { intent, problems } = buildRoutingIntent(
        policy as AIRoutingPolicy,
      );
      const r = renderer.render(intent, options);
      [...problems, ...r.problems].forEach(at);
      result.objects.push(...r.objects);
      continue;
    }
    const access = policy as AIAccessPolicy;
    const ref = access.spec.mtls.trustBundleConfigMap;
    const cmNamespace = ref.namespace ?? ns;
    const cm = findObject(cluster, 'ConfigMap', cmNamespace, ref.name, 'v1');
    const source = `ConfigMap ${cmNamespace}/${ref.name} key ${ref.key}`;
    const bundle = parseTrustBundle(
      cm ? cm.data?.[ref.key] ?? cm.binaryData?.[ref.key] ?? '' : undefined,
      {
        now,
        source: cm
          ? source
          : `${source} (not among the input files: add it, e.g. kubectl get configmap -n ${cmNamespace} ${ref.name} -o yaml)`,
      },
    );
    if (!bundle.ok) {
      at({
        path: 'spec.mtls.trustBundleConfigMap',
        message: `${bundle.reason}: ${bundle.message}`,
      });
      continue;
    }
    const gateway = findObject(
      cluster,
      'Gateway',
      ns,
      access.spec.targetRef.name,
    );
    if (!gateway) {
      result.notes.push(
        `${origin}: Gateway ${ns}/${access.spec.targetRef.name} is not among the input files: the ClientTrafficPolicy targets the whole Gateway`,
      );
    }
    let serverCertificate;
    if (!access.spec.mtls.serverCertRef) {
      const secretName = managedServerSecretName(access.metadata.name);
      const sans = gatewayServerSans(access.spec.targetRef.name, ns);
      const decision = decideServerCertificate(
        findObject(cluster, 'Secret', ns, secretName, 'v1'),
        sans,
        now,
      );
      if (decision.action === 'keep') {
        serverCertificate = decision.material;
      } else {
        serverCertificate = await generateServerCertificate({ sans, now });
        result.notes.push(
          `${origin}: generated a new self-signed server certificate for Secret ${ns}/${secretName} (${decision.reason}); the output holds its private key`,
        );
      }
    }
    const { intent, problems } = buildAccessIntent(access, {
      caBundlePem: bundle.pem,
      gateway,
      serverCertificate,
    });
    problems.forEach(at);
    result.objects.push(...renderer.render(intent, options).objects);
  }
  return result;
}

function fileNameOf(o: KubernetesObject): string {
  return `${o.metadata.namespace}_${o.kind.toLowerCase()}_${
    o.metadata.name
  }.yaml`;
}

/** Runs the `ai-gateway` command line; returns the exit status. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    io.stderr(`error: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const files: Array<{ name: string; text: string }> = [];
  for (const f of args.files) {
    try {
      files.push({
        name: f,
        text: fs.readFileSync(path.resolve(io.cwd, f), 'utf8'),
      });
    } catch (e) {
      io.stderr(
        `error: cannot read ${f}: ${
          (e as NodeJS.ErrnoException).code ?? (e as Error).message
        }\n`,
      );
      return 2;
    }
  }
  const now = io.now ?? new Date();
  const inputs = loadInputs(files);
  const problems = [...inputs.problems, ...conflicts(inputs.policies)];
  if (!inputs.policies.length && !problems.length) {
    io.stderr(
      `error: no AIRoutingPolicy or AIAccessPolicy in ${args.files.join(
        ', ',
      )}\n`,
    );
    return 1;
  }
  const rendered = await renderAll(inputs.policies, inputs.cluster, args, now);
  problems.push(...rendered.problems);
  if (problems.length) {
    io.stderr(`${problems.map(p => line(p.origin, p.problem)).join('\n')}\n`);
    return 1;
  }
  if (args.command === 'validate') {
    io.stdout(
      `${inputs.policies
        .map(
          p =>
            `${p.origin}: ${p.policy.kind} ${p.policy.metadata.namespace}/${p.policy.metadata.name} is valid`,
        )
        .join('\n')}\n`,
    );
    return 0;
  }
  for (const note of rendered.notes) io.stderr(`note: ${note}\n`);
  if (args.out) {
    const dir = path.resolve(io.cwd, args.out);
    fs.mkdirSync(dir, { recursive: true });
    for (const o of rendered.objects)
      fs.writeFileSync(path.join(dir, fileNameOf(o)), objectToYaml(o));
    io.stderr(`wrote ${rendered.objects.length} objects to ${args.out}\n`);
  } else {
    io.stdout(objectsToYamlStream(rendered.objects));
  }
  return 0;
}
