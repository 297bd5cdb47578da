import { LABELS } from '@kagenti/backstage-plugin-ai-gateway-common';
import { shortHash } from '../../naming/names';
import type { PolicyRef } from '../../intent/types';
import type { KubernetesObject } from '../../kubernetes';
import type { RenderOptions } from '../Renderer';

/**
 * Metadata every rendered object carries: the policy namespace, the ownership labels the
 * reconciler prunes by, and an ownerReference so Kubernetes deletes the objects with the policy.
 * Without a uid (offline rendering) there is no ownerReference: a wrong uid would make the
 * garbage collector delete the object at once.
 */
export function objectMeta(
  policy: PolicyRef,
  name: string,
  options: RenderOptions,
): KubernetesObject['metadata'] {
  const labels: Record<string, string> = {
    [LABELS.managedBy]: LABELS.managedByValue,
    [LABELS.policy]: labelValue(policy.name),
  };
  if (options.instance) labels[LABELS.instance] = options.instance;
  return {
    name,
    namespace: policy.namespace,
    labels,
    ...(policy.uid
      ? {
          ownerReferences: [
            {
              apiVersion: policy.apiVersion,
              kind: policy.kind,
              name: policy.name,
              uid: policy.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        }
      : {}),
  };
}

/** Label values are at most 63 characters; longer policy names end in a hash of the full name. */
export function labelValue(value: string): string {
  if (value.length <= 63) return value;
  return `${value.slice(0, 54).replace(/[-._]+$/, '')}-${shortHash(value)}`;
}
