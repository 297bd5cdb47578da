import { stringify } from 'yaml';
import type { KubernetesObject } from '../kubernetes';

/** One object as YAML, quoted the way the repository's prettier config writes YAML. */
export function objectToYaml(o: KubernetesObject): string {
  return stringify(o, { singleQuote: true });
}

/** Objects as one YAML stream. */
export function objectsToYamlStream(objects: KubernetesObject[]): string {
  return objects.map(objectToYaml).join('---\n');
}
