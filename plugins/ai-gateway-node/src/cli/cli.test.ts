import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { main } from './main';

const PACKAGE_DIR = path.resolve(__dirname, '../..');
const REPO_ROOT = path.resolve(PACKAGE_DIR, '../..');
const BIN = path.join(PACKAGE_DIR, 'bin/ai-gateway.js');
const rel = (p: string) => path.relative(REPO_ROOT, path.join(__dirname, p));
const SPEC_ROUTING = rel('../__fixtures__/spec-routing-policy.yaml');
const SPEC_ACCESS = rel('../__fixtures__/spec-access-policy.yaml');
const GOLDEN_ROUTING = path.join(
  PACKAGE_DIR,
  'src/renderers/envoyAiGateway/__golden__/spec-routing.yaml',
);

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    cwd: REPO_ROOT,
    stdout: t => {
      stdout += t;
    },
    stderr: t => {
      stderr += t;
    },
    now: new Date('2026-11-26T12:00:00Z'),
  });
  return { code, stdout, stderr };
}

describe('ai-gateway command line', () => {
  it('validates the SPEC examples (exit 0)', async () => {
    const r = await run('validate', SPEC_ROUTING, SPEC_ACCESS);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      `${SPEC_ROUTING}: AIRoutingPolicy team1/team1-models is valid\n${SPEC_ACCESS}#1: AIAccessPolicy team1/ai-gateway-access is valid\n`,
    );
  });

  it('lists every problem as FILE: path: message (exit 1)', async () => {
    const file = rel('__fixtures__/invalid-routing.yaml');
    const r = await run('validate', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `${file}: spec.providers[0].credentials.secretRef.key: Envoy AI Gateway reads the Secret key "apiKey" for APIKey credentials: set key to "apiKey" or leave it out`,
      `${file}: spec.models[0].backends[0].provider: no provider named "openia" (have: openai)`,
    ]);
  });

  it('reports what only rendering finds, and YAML syntax errors with their line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-'));
    const ip = path.join(dir, 'ip.yaml');
    fs.writeFileSync(
      ip,
      fs
        .readFileSync(path.join(REPO_ROOT, SPEC_ROUTING), 'utf8')
        .replace('https://api.openai.com', 'https://192.0.2.1'),
    );
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'kind: [unclosed\n');
    const r = await run('validate', ip, bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${bad}: line \\d+:\\d+: `, 'm'));
    expect(r.stderr).toMatch(
      new RegExp(
        `^${ip}: spec.providers\\[0\\].endpoint: an https endpoint needs a host name`,
        'm',
      ),
    );
  });

  // Found by the reliability campaign (packages/reliability): these files made the CLI exit 2
  // with a stack trace, or report "no AIRoutingPolicy or AIAccessPolicy" for a misspelt kind.
  it('reports YAML alias bombs, unresolved aliases, lists and misspelt kinds as problems (exit 1)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-'));
    const head =
      'apiVersion: aigateway.kagenti.dev/v1alpha1\nkind: AIRoutingPolicy\nmetadata: {name: a, namespace: team1}\n';
    const levels = ['x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i <= 8; i++)
      levels.push(
        `x${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const files: Record<string, string> = {
      'bomb.yaml': `${head}${levels.join('\n')}\nspec: {targetRef: *a8}\n`,
      'unresolved.yaml': `${head}spec: *nope\n`,
      'list.yaml':
        '- apiVersion: aigateway.kagenti.dev/v1alpha1\n  kind: AIRoutingPolicy\n',
      'typo.yaml': head.replace('AIRoutingPolicy', 'AIRoutingPolcy'),
    };
    for (const [name, text] of Object.entries(files))
      fs.writeFileSync(path.join(dir, name), text);
    const r = await run(
      'validate',
      ...Object.keys(files).map(f => path.join(dir, f)),
    );
    expect(r.code).toBe(1);
    const line = (f: string) =>
      r.stderr.split('\n').find(l => l.startsWith(path.join(dir, f)));
    expect(line('bomb.yaml')).toMatch(
      /bomb\.yaml: not valid YAML \(document 1\): Excessive alias count/,
    );
    expect(line('unresolved.yaml')).toMatch(
      /unresolved\.yaml: not valid YAML \(document 1\): Unresolved alias/,
    );
    expect(line('list.yaml')).toMatch(
      /list\.yaml: is not a Kubernetes object or catalog entity/,
    );
    expect(line('typo.yaml')).toMatch(
      /typo\.yaml: kind: must be one of AIRoutingPolicy, AIAccessPolicy/,
    );
  });

  it('reports conflicts between the files: the younger policy loses', async () => {
    const r = await run(
      'validate',
      SPEC_ROUTING,
      rel('__fixtures__/conflicting-routing.yaml'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `${rel(
        '__fixtures__/conflicting-routing.yaml',
      )}: spec.models[0].name: model "gpt-4o" is also exposed on Gateway team1/ai-gateway by AIRoutingPolicy team1/team1-models (${SPEC_ROUTING}), which wins (older, or first by name)\n`,
    );
  });

  it('reports two policies of a namespace that would write the same object', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-'));
    const file = path.join(dir, 'clash.yaml');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(path.join(REPO_ROOT, SPEC_ROUTING), 'utf8')
        .replace('name: team1-models', 'name: team1')
        .replace("'2026-11-01T10:00:00Z'", "'2026-12-01T10:00:00Z'")
        .replace('name: openai\n', 'name: models-openai\n')
        .replace('provider: openai', 'provider: models-openai')
        .replace(/name: gpt-4o\n/, 'name: gpt-5\n')
        .replace(/name: qwen2.5:3b/, 'name: qwen3'),
    );
    const r = await run('validate', SPEC_ROUTING, file);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `${file}: metadata.name: team1-models-openai would also be written for AIRoutingPolicy team1/team1-models (${SPEC_ROUTING}), which wins; rename the policy or a provider\n`,
    );
  });

  it('renders the routing example exactly as the golden file', async () => {
    const r = await run('render', SPEC_ROUTING, '--instance', 'test');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(fs.readFileSync(GOLDEN_ROUTING, 'utf8'));
  });

  it('renders catalog entities, noting that objects have no owner offline', async () => {
    const r = await run('render', rel('__fixtures__/routing-entity.yaml'));
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map(d => d.toJS());
    expect(docs.map(d => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Backend/team1-local-ollama',
      'AIServiceBackend/team1-local-ollama',
      'AIGatewayRoute/team1-local',
      'BackendTrafficPolicy/team1-local',
    ]);
    expect(
      docs.every(
        d => d.metadata.namespace === 'team1' && !d.metadata.ownerReferences,
      ),
    ).toBe(true);
    expect(r.stderr).toMatch(
      /has no uid: objects are rendered without ownerReferences/,
    );
  });

  it('rejects an entity without an owner', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-'));
    const file = path.join(dir, 'e.yaml');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(
          path.join(__dirname, '__fixtures__/routing-entity.yaml'),
          'utf8',
        )
        .replace('  owner: group:default/team1\n', ''),
    );
    const r = await run('validate', file);
    expect(r).toMatchObject({
      code: 1,
      stderr: `${file}: spec.owner: required\n`,
    });
  });

  it('renders the access example with the bundle and Gateway from the same file and a fresh server certificate', async () => {
    const r = await run('render', SPEC_ACCESS);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map(d => d.toJS());
    expect(docs.map(d => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Secret/ai-gateway-access-mtls-ca',
      'Secret/ai-gateway-access-mtls-server',
      'ClientTrafficPolicy/ai-gateway-access',
    ]);
    expect(docs[2].spec.targetRefs[0].sectionName).toBe('https');
    expect(r.stderr).toMatch(/generated a new self-signed server certificate/);
  });

  it('keeps a good server certificate Secret found in the input', async () => {
    const first = await run('render', SPEC_ACCESS);
    const server = parseAllDocuments(first.stdout).map(d => d.toJS())[1];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-'));
    const live = path.join(dir, 'live-secret.yaml');
    fs.writeFileSync(live, JSON.stringify(server));
    const second = await run('render', SPEC_ACCESS, live);
    expect(parseAllDocuments(second.stdout).map(d => d.toJS())[1].data).toEqual(
      server.data,
    );
    expect(second.stderr).not.toMatch(/generated/);
  });

  it('fails an access policy whose trust bundle is not among the files, saying how to get it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-'));
    const file = path.join(dir, 'a.yaml');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(path.join(REPO_ROOT, SPEC_ACCESS), 'utf8')
        .split('---\n')[0],
    );
    const r = await run('render', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /spec.mtls.trustBundleConfigMap: BundleNotFound: ConfigMap spire-system\/spire-bundle key bundle.spiffe \(not among the input files: add it, e.g. kubectl get configmap -n spire-system spire-bundle -o yaml\) was not found/,
    );
  });

  it('writes one file per object with --out', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aigw-'));
    const r = await run('render', SPEC_ROUTING, '--out', dir);
    expect(r.code).toBe(0);
    const files = fs.readdirSync(dir).sort();
    expect(files).toHaveLength(18);
    expect(files).toContain('team1_aigatewayroute_team1-models-2.yaml');
    expect(
      parseAllDocuments(
        fs.readFileSync(
          path.join(dir, 'team1_backend_team1-models-openai.yaml'),
          'utf8',
        ),
      ),
    ).toHaveLength(1);
  });

  it.each([
    [[]],
    [['frob', 'x.yaml']],
    [['validate']],
    [['render', SPEC_ROUTING, '--out']],
    [['validate', SPEC_ROUTING, '--bogus']],
    [['validate', 'no/such/file.yaml']],
  ])('exits 2 on usage errors: %j', async argv => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: /);
  });

  it('runs as `yarn ai-gateway` does: node bin/ai-gateway.js from the repository root', () => {
    const env = { ...process.env };
    const ok = spawnSync(
      process.execPath,
      [BIN, 'render', SPEC_ROUTING, '--instance', 'test'],
      { cwd: REPO_ROOT, encoding: 'utf8', env },
    );
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(fs.readFileSync(GOLDEN_ROUTING, 'utf8'));
    const invalid = spawnSync(
      process.execPath,
      [BIN, 'validate', rel('__fixtures__/invalid-routing.yaml')],
      { cwd: REPO_ROOT, encoding: 'utf8', env },
    );
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(
      /invalid-routing.yaml: spec.models\[0\].backends\[0\].provider: /,
    );
    const usage = spawnSync(process.execPath, [BIN], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env,
    });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/Usage:/);
  }, 60_000);
});
