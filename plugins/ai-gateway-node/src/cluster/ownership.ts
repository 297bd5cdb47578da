import { KubeObject } from './types';

/** The labels that mark an object as created by one Backstage installation. */
export interface OwnershipLabels {
  managedByKey: string;
  managedByValue: string;
  instanceKey: string;
  instance: string;
}

/**
 * True only for an object this installation may delete: it carries the managed-by label and this
 * instance's label and, when an owner is given, an ownerReference to that owner (by uid when
 * known, else by kind and name). Anything else, including objects of another Backstage instance
 * or hand-made lookalikes, is left alone.
 */
export function isOwnedBy(
  obj: KubeObject,
  labels: OwnershipLabels,
  owner?: { kind: string; name: string; uid?: string },
): boolean {
  const l = obj.metadata.labels ?? {};
  if (l[labels.managedByKey] !== labels.managedByValue) return false;
  if (l[labels.instanceKey] !== labels.instance) return false;
  if (!owner) return true;
  return (obj.metadata.ownerReferences ?? []).some(
    r =>
      r.kind === owner.kind &&
      r.name === owner.name &&
      (!owner.uid || r.uid === owner.uid),
  );
}
