import type { Entity } from '@backstage/catalog-model';
import { AI_GATEWAY_API_VERSION, ANNOTATIONS, LABELS } from './constants';
import type { AIPolicy } from './schema/resources';
import { PolicyValidationError, validatePolicyEntity } from './validation';

export interface EntityToResourceOptions {
  /** The cluster of entities without the `aigateway.kagenti.dev/cluster` annotation. */
  defaultCluster: string;
}

/**
 * The custom resource a policy entity stands for, and the cluster it belongs in. Throws a
 * `PolicyValidationError` listing every problem when the entity is invalid. The spec has its
 * defaults applied, so what is applied to a cluster is explicit.
 */
export function entityToResource(
  entity: Entity,
  options: EntityToResourceOptions,
): { cluster: string; resource: AIPolicy } {
  const result = validatePolicyEntity(entity);
  if (!result.ok) {
    throw new PolicyValidationError(
      `${String(entity?.kind)} "${String(entity?.metadata?.name)}"`,
      result.problems,
    );
  }
  const { kind, name, namespace, cluster, spec } = result.value;
  return {
    cluster: cluster ?? options.defaultCluster,
    resource: {
      apiVersion: AI_GATEWAY_API_VERSION,
      kind,
      metadata: {
        name,
        namespace,
        labels: { [LABELS.managedBy]: LABELS.managedByValue },
      },
      spec,
    } as AIPolicy,
  };
}

export interface ResourceToEntityOptions {
  /** Entity reference of the owner (`spec.owner`). */
  owner: string;
  /** Entity reference of the system (`spec.system`). */
  system?: string;
  /** Written as the cluster annotation; leave out for the default cluster. */
  cluster?: string;
}

/**
 * The catalog entity for a custom resource (for importing resources found in a cluster, and
 * the inverse of `entityToResource`). Status and Kubernetes-only metadata are not carried.
 */
export function resourceToEntity(
  resource: AIPolicy,
  options: ResourceToEntityOptions,
): Entity {
  const annotations: Record<string, string> = {
    [ANNOTATIONS.namespace]: resource.metadata.namespace,
  };
  if (options.cluster !== undefined) {
    annotations[ANNOTATIONS.cluster] = options.cluster;
  }
  return {
    apiVersion: AI_GATEWAY_API_VERSION,
    kind: resource.kind,
    metadata: { name: resource.metadata.name, annotations },
    spec: {
      ...structuredClone(resource.spec),
      owner: options.owner,
      ...(options.system !== undefined ? { system: options.system } : {}),
    },
  };
}
