/* Test helper: the SPEC examples and golden files. */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  validatePolicyResource,
  type AIAccessPolicy,
  type AIRoutingPolicy,
} from '@kagenti/backstage-plugin-ai-gateway-common';
import { objectsToYamlStream } from '../cli/yamlOutput';
import type { KubernetesObject } from '../kubernetes';

export const FIXTURES_DIR = path.resolve(__dirname, '../__fixtures__');

export function fixturePath(name: string): string {
  return path.join(FIXTURES_DIR, name);
}

export function readFixtureDocs(name: string): any[] {
  return parseAllDocuments(fs.readFileSync(fixturePath(name), 'utf8')).map(d =>
    d.toJS(),
  );
}

function validated<T>(doc: unknown): T {
  const result = validatePolicyResource(doc);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value as T;
}

export function specRoutingPolicy(): AIRoutingPolicy {
  return validated<AIRoutingPolicy>(
    readFixtureDocs('spec-routing-policy.yaml')[0],
  );
}

export function specAccessFixture(): {
  policy: AIAccessPolicy;
  gateway: any;
  configMap: any;
} {
  const [policy, gateway, configMap] = readFixtureDocs(
    'spec-access-policy.yaml',
  );
  return { policy: validated<AIAccessPolicy>(policy), gateway, configMap };
}

export const FIXTURE_NOW = new Date('2026-11-26T12:00:00Z');

export function serverCertificateFixture() {
  return {
    certPem: fs.readFileSync(fixturePath('server-cert.pem'), 'utf8'),
    keyPem: fs.readFileSync(fixturePath('server-key.pem'), 'utf8'),
  };
}

export function toYamlStream(objects: KubernetesObject[]): string {
  return objectsToYamlStream(objects);
}

/**
 * Compares `actual` with a committed golden file; `UPDATE_GOLDEN=1` rewrites it instead, so a
 * deliberate change shows up as a reviewed diff.
 */
export function expectGolden(file: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}
