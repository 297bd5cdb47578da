/* The `yarn kube-server` entry point: foreground server, kubeconfig for kubectl, clean exit on SIGTERM. */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from './cli';

jest.setTimeout(60_000);

describe('kube-server CLI', () => {
  it('parses its flags', () => {
    const o = parseArgs([
      '--port',
      '0',
      '--https',
      '--token=t',
      '--simulate',
      '--demo',
      '--data',
      'd.json',
      '--crds',
      'a',
      '--crds',
      'b',
      '--seed',
      '3',
    ]);
    expect(o).toMatchObject({
      port: 0,
      https: true,
      token: 't',
      simulate: true,
      demo: true,
      dataFile: 'd.json',
      seed: 3,
    });
    expect(o.crdDirs).toEqual([path.resolve('a'), path.resolve('b')]);
    expect(parseArgs(['--no-default-crds']).crdDirs).toEqual([]);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown option --bogus/);
  });

  it('runs in the foreground, writes a kubeconfig kubectl uses, and exits 0 on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-server-cli-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    const bin = path.resolve(__dirname, '../bin/kube-server.js');
    const child = spawn(
      process.execPath,
      [
        bin,
        '--port',
        '0',
        '--kubeconfig',
        kubeconfig,
        '--no-default-crds',
        '--token',
        'cli-token',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', d => (out += d));
    const exited = new Promise<number | null>(resolve =>
      child.on('exit', code => resolve(code)),
    );
    try {
      const until = Date.now() + 30_000;
      while (
        !/listening on http:\/\/127\.0\.0\.1:\d+/.test(out) &&
        Date.now() < until
      )
        await new Promise(r => setTimeout(r, 100));
      expect(out).toContain('not a cluster');
      expect(fs.readFileSync(kubeconfig, 'utf8')).toContain('token: cli-token');
      const r = spawnSync(
        'kubectl',
        ['--kubeconfig', kubeconfig, 'get', 'ns', 'default', '-o', 'name'],
        {
          env: { ...process.env, KUBECACHEDIR: path.join(dir, 'cache') },
          encoding: 'utf8',
        },
      );
      expect(r.stdout.trim()).toBe('namespace/default');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
