/* Drives the server with the real kubectl 1.32, over HTTPS so that kubectl sends its bearer token. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeServer } from './KubeServer';
import { startKubeServer } from './startKubeServer';

jest.setTimeout(60_000);

const upstream = path.resolve(__dirname, '../../../deploy/upstream-crds');
const projectCrds = path.resolve(__dirname, '../../../deploy/crds');

const WIDGET_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
    - {name: Programmed, type: string, jsonPath: '.status.conditions[?(@.type=="Programmed")].status'}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          apiVersion: {type: string}
          kind: {type: string}
          metadata: {type: object}
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
              color: {type: string, enum: [red, blue, green]}
          status:
            type: object
            properties:
              conditions:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [type]
                items:
                  type: object
                  required: [type, status]
                  properties:
                    type: {type: string}
                    status: {type: string}
                    reason: {type: string}
                    message: {type: string}
                    observedGeneration: {type: integer}
`;

const widget = (name: string, spec: string, extraMeta = '') =>
  `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: ${name}, namespace: demo${extraMeta}}\nspec: ${spec}\n`;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('kubectl against kube-server', () => {
  let server: KubeServer;
  let dir: string;

  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  const kubectl = (
    args: string[],
    opts: { kubeconfig?: string; timeoutMs?: number } = {},
  ): Promise<Result> =>
    new Promise(resolve => {
      const child = spawn(
        'kubectl',
        [
          '--kubeconfig',
          opts.kubeconfig ?? path.join(dir, 'kubeconfig'),
          ...args,
        ],
        {
          env: {
            ...process.env,
            KUBECACHEDIR: path.join(dir, 'cache'),
            HOME: dir,
          },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', d => (stdout += d));
      child.stderr.on('data', d => (stderr += d));
      const timer = setTimeout(
        () => child.kill('SIGKILL'),
        opts.timeoutMs ?? 30_000,
      );
      child.on('close', code => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });

  const ok = async (args: string[], opts?: { kubeconfig?: string }) => {
    const r = await kubectl(args, opts);
    if (r.code !== 0)
      throw new Error(
        `kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`,
      );
    return r.stdout;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-server-kubectl-'));
    server = await startKubeServer({
      https: true,
      crdDirs: [upstream],
      tokens: {
        'viewer-token': {
          user: 'viewer',
          rules: [
            {
              verbs: ['get', 'list', 'watch'],
              resources: ['widgets'],
              namespaces: ['demo'],
            },
          ],
        },
      },
    });
    server.writeKubeconfig(path.join(dir, 'kubeconfig'));
    server.writeKubeconfig(path.join(dir, 'viewer'), { token: 'viewer-token' });
    await ok(['create', 'namespace', 'demo']);
    await ok(['apply', '--server-side', '-f', write('crd.yaml', WIDGET_CRD)]);
  });

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports version 1.32 and refuses a wrong token with 401', async () => {
    expect(await ok(['version'])).toContain('Server Version: v1.32.0');
    const kc = path.join(dir, 'bad');
    server.writeKubeconfig(kc, { token: 'nope' });
    const r = await kubectl(['get', 'ns'], { kubeconfig: kc });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'You must be logged in to the server (Unauthorized)',
    );
  });

  it('applies custom resources server-side and prints their printer columns', async () => {
    expect(
      await ok([
        'apply',
        '--server-side',
        '-f',
        write('w1.yaml', widget('w1', '{size: 3, color: blue}')),
      ]),
    ).toContain('widget.example.com/w1 serverside-applied');
    const table = await ok(['get', 'wd', '-n', 'demo']);
    expect(table).toMatch(/NAME\s+SIZE\s+COLOR\s+PROGRAMMED\s+AGE/);
    expect(table).toMatch(/w1\s+3\s+blue\s+\d+s/);
    expect(await ok(['get', 'widgets.example.com', '-A'])).toMatch(
      /NAMESPACE\s+NAME[\s\S]*demo\s+w1/,
    );
  });

  it('applies the project CRDs (or, before they exist, an upstream CRD) server-side', async () => {
    const source = fs.existsSync(projectCrds)
      ? projectCrds
      : path.join(upstream, 'gateway-api-v1.5.1/gateways.yaml');
    const out = await ok(['apply', '--server-side', '-f', source]);
    expect(out).toMatch(
      /customresourcedefinition.apiextensions.k8s.io\/\S+ serverside-applied/,
    );
  });

  it('applies upstream objects server-side', async () => {
    const objects = write(
      'gateway.yaml',
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: demo}
spec:
  gatewayClassName: eg
  listeners: [{name: http, protocol: HTTP, port: 8080}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: btp, namespace: demo}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
  retry: {numRetries: 2}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: ctp, namespace: demo}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
`,
    );
    const out = await ok(['apply', '--server-side', '-f', objects]);
    expect(out).toContain(
      'gateway.gateway.networking.k8s.io/gw serverside-applied',
    );
    expect(out).toContain(
      'clienttrafficpolicy.gateway.envoyproxy.io/ctp serverside-applied',
    );
    expect(await ok(['get', 'gateways', '-n', 'demo'])).toMatch(
      /NAME\s+CLASS\s+ADDRESS\s+PROGRAMMED\s+AGE\s+gw\s+eg/,
    );
  });

  it('reports server-side apply conflicts between field managers, and forces them', async () => {
    const file = write('ssa.yaml', widget('ssa', '{size: 1, color: red}'));
    await ok(['apply', '--server-side', '-f', file]);
    const other = write('ssa2.yaml', widget('ssa', '{size: 2}'));
    const conflict = await kubectl([
      'apply',
      '--server-side',
      '--field-manager=other',
      '-f',
      other,
    ]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl" using example.com/v1: .spec.size',
    );
    await ok([
      'apply',
      '--server-side',
      '--field-manager=other',
      '--force-conflicts',
      '-f',
      other,
    ]);
    expect(
      await ok([
        'get',
        'wd',
        'ssa',
        '-n',
        'demo',
        '-o',
        'jsonpath={.spec.size}/{.spec.color}',
      ]),
    ).toBe('2/red');
    // kubectl no longer owns size: dropping it from its manifest leaves other's value in place.
    await ok([
      'apply',
      '--server-side',
      '-f',
      write('ssa3.yaml', widget('ssa', '{color: blue}')),
    ]);
    expect(
      await ok([
        'get',
        'wd',
        'ssa',
        '-n',
        'demo',
        '-o',
        'jsonpath={.spec.size}/{.spec.color}',
      ]),
    ).toBe('2/blue');
  });

  it('refuses a malformed object with the field paths and values', async () => {
    const r = await kubectl([
      'apply',
      '--server-side',
      '-f',
      write('bad.yaml', widget('bad', '{size: 0, color: purple}')),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The Widget "bad" is invalid');
    expect(r.stderr).toContain(
      'spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1',
    );
    expect(r.stderr).toContain(
      'spec.color: Unsupported value: "purple": supported values: "red", "blue", "green"',
    );

    const policy = await kubectl([
      'apply',
      '--server-side',
      '-f',
      write(
        'badpolicy.yaml',
        'apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: BackendTrafficPolicy\nmetadata: {name: bad, namespace: demo}\nspec:\n  retry: {numRetries: -1}\n',
      ),
    ]);
    expect(policy.code).toBe(1);
    expect(policy.stderr).toContain('spec.retry.numRetries: Invalid value: -1');

    const unknown = await kubectl([
      'apply',
      '--server-side',
      '-f',
      write('unknown.yaml', widget('u', '{size: 1, colour: red}')),
    ]);
    expect(unknown.stderr).toContain(
      'strict decoding error: unknown field "spec.colour"',
    );
  });

  it('patches status, then kubectl wait sees the condition', async () => {
    await ok([
      'apply',
      '--server-side',
      '-f',
      write('w2.yaml', widget('w2', '{size: 1}')),
    ]);
    const wait = kubectl([
      'wait',
      '--for=condition=Programmed',
      'widget/w2',
      '-n',
      'demo',
      '--timeout=20s',
    ]);
    await new Promise(r => setTimeout(r, 500));
    await ok([
      'patch',
      'wd',
      'w2',
      '-n',
      'demo',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"conditions":[{"type":"Programmed","status":"True","observedGeneration":1}]}}',
    ]);
    const r = await wait;
    expect(r.stdout).toContain('widget.example.com/w2 condition met');
    expect(await ok(['get', 'wd', 'w2', '-n', 'demo'])).toMatch(
      /w2\s+1\s+True/,
    );
  });

  it('moves generation only on spec changes', async () => {
    await ok([
      'apply',
      '--server-side',
      '-f',
      write('g.yaml', widget('gen', '{size: 1}')),
    ]);
    const gen = async () =>
      (
        await ok([
          'get',
          'wd',
          'gen',
          '-n',
          'demo',
          '-o',
          'jsonpath={.metadata.generation}',
        ])
      ).trim();
    expect(await gen()).toBe('1');
    await ok(['label', 'wd', 'gen', '-n', 'demo', 'team=a']);
    await ok(['annotate', 'wd', 'gen', '-n', 'demo', 'note=x']);
    await ok([
      'patch',
      'wd',
      'gen',
      '-n',
      'demo',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}',
    ]);
    expect(await gen()).toBe('1');
    await ok([
      'patch',
      'wd',
      'gen',
      '-n',
      'demo',
      '--type=merge',
      '-p',
      '{"spec":{"size":2}}',
    ]);
    expect(await gen()).toBe('2');
    expect(
      await ok([
        'patch',
        'wd',
        'gen',
        '-n',
        'demo',
        '--type=merge',
        '-p',
        '{"spec":{"size":2}}',
      ]),
    ).toContain('patched (no change)');
    expect(await gen()).toBe('2');
  });

  it('answers a stale replace with a conflict', async () => {
    await ok([
      'apply',
      '--server-side',
      '-f',
      write('r.yaml', widget('rep', '{size: 1}')),
    ]);
    const stale = write(
      'stale.yaml',
      await ok(['get', 'wd', 'rep', '-n', 'demo', '-o', 'yaml']),
    );
    await ok([
      'patch',
      'wd',
      'rep',
      '-n',
      'demo',
      '--type=merge',
      '-p',
      '{"spec":{"size":9}}',
    ]);
    const r = await kubectl(['replace', '-f', stale]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Error from server (Conflict): error when replacing "${stale}": Operation cannot be fulfilled on widgets.example.com "rep": the object has been modified`,
    );
  });

  it('streams watch events to kubectl get -w', async () => {
    const watching = kubectl([
      'get',
      'wd',
      '-n',
      'demo',
      '-w',
      '--request-timeout=4s',
    ]);
    await new Promise(r => setTimeout(r, 1500));
    await ok([
      'apply',
      '--server-side',
      '-f',
      write('w3.yaml', widget('watched', '{size: 4, color: green}')),
    ]);
    const r = await watching;
    expect(r.stdout).toMatch(/watched\s+4\s+green/);
  });

  it('collects owned objects when their owner is deleted', async () => {
    await ok([
      'create',
      'configmap',
      'owner',
      '-n',
      'demo',
      '--from-literal=a=b',
    ]);
    const uid = (
      await ok([
        'get',
        'cm',
        'owner',
        '-n',
        'demo',
        '-o',
        'jsonpath={.metadata.uid}',
      ])
    ).trim();
    await ok([
      'apply',
      '-f',
      write(
        'owned.yaml',
        widget(
          'owned',
          '{size: 1}',
          `, ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: ${uid}}]`,
        ),
      ),
    ]);
    expect(await ok(['get', 'wd', 'owned', '-n', 'demo'])).toContain('owned');
    expect(await ok(['delete', 'cm', 'owner', '-n', 'demo'])).toContain(
      'configmap "owner" deleted',
    );
    const r = await kubectl(['get', 'wd', 'owned', '-n', 'demo']);
    expect(r.stderr).toContain('widgets.example.com "owned" not found');
  });

  it('forbids what a restricted token is not granted, with the real message', async () => {
    const kubeconfig = path.join(dir, 'viewer');
    expect(await ok(['get', 'wd', '-n', 'demo'], { kubeconfig })).toContain(
      'w1',
    );
    const list = await kubectl(['get', 'configmaps', '-n', 'demo'], {
      kubeconfig,
    });
    expect(list.stderr).toContain(
      'Error from server (Forbidden): configmaps is forbidden: User "viewer" cannot list resource "configmaps" in API group "" in the namespace "demo"',
    );
    const del = await kubectl(['delete', 'wd', 'w1', '-n', 'demo'], {
      kubeconfig,
    });
    expect(del.stderr).toContain(
      'widgets.example.com "w1" is forbidden: User "viewer" cannot delete resource "widgets" in API group "example.com" in the namespace "demo"',
    );
    expect(
      (
        await kubectl(['auth', 'can-i', 'delete', 'widgets', '-n', 'demo'], {
          kubeconfig,
        })
      ).stdout.trim(),
    ).toBe('no');
    expect(
      (
        await kubectl(['auth', 'can-i', 'list', 'widgets', '-n', 'demo'], {
          kubeconfig,
        })
      ).stdout.trim(),
    ).toBe('yes');
  });

  it('client-side applies built-ins with strategic merge patches, scales, shows logs and top', async () => {
    const cm = (data: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: demo}\ndata: ${data}\n`;
    expect(
      await ok(['apply', '-f', write('cm.yaml', cm('{a: "1", b: "2"}'))]),
    ).toContain('configmap/app created');
    expect(
      await ok(['apply', '-f', write('cm.yaml', cm('{a: "1", c: "3"}'))]),
    ).toContain('configmap/app configured');
    expect(
      await ok(['get', 'cm', 'app', '-n', 'demo', '-o', 'jsonpath={.data}']),
    ).toBe('{"a":"1","c":"3"}');
    const deploy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: demo, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: demo, labels: {app: web}}
spec: {containers: [{name: web, image: nginx}]}
`;
    await ok(['apply', '-f', write('deploy.yaml', deploy)]);
    expect(
      await ok(['scale', 'deployment/web', '-n', 'demo', '--replicas=3']),
    ).toContain('deployment.apps/web scaled');
    expect(
      await ok([
        'get',
        'deploy',
        'web',
        '-n',
        'demo',
        '-o',
        'jsonpath={.spec.replicas}/{.metadata.generation}',
      ]),
    ).toBe('3/2');
    expect(await ok(['logs', 'web-1', '-n', 'demo'])).toContain('simulated');
    expect(await ok(['top', 'pods', '-n', 'demo'])).toMatch(
      /web-1\s+5m\s+20Mi/,
    );
  });

  it('creates config maps and secrets from protobuf bodies, and deletes a namespace with its objects', async () => {
    await ok(['create', 'namespace', 'scratch']);
    await ok([
      'create',
      'configmap',
      'c',
      '-n',
      'scratch',
      '--from-literal=k=v',
    ]);
    await ok([
      'create',
      'secret',
      'generic',
      's',
      '-n',
      'scratch',
      '--from-literal=password=p',
    ]);
    expect(
      await ok(['get', 'cm', 'c', '-n', 'scratch', '-o', 'jsonpath={.data.k}']),
    ).toBe('v');
    expect(
      await ok([
        'get',
        'secret',
        's',
        '-n',
        'scratch',
        '-o',
        'jsonpath={.data.password}',
      ]),
    ).toBe(Buffer.from('p').toString('base64'));
    const dup = await kubectl(['create', 'namespace', 'scratch']);
    expect(dup.stderr).toContain(
      'Error from server (AlreadyExists): namespaces "scratch" already exists',
    );
    expect(await ok(['delete', 'namespace', 'scratch'])).toContain(
      'namespace "scratch" deleted',
    );
    expect(
      (await kubectl(['get', 'cm', 'c', '-n', 'scratch'])).stderr,
    ).toContain('not found');
  });
});
