/* Bearer-token authentication and per-token authorization rules (verbs × resources × namespaces). */

export interface AccessRule {
  /** Verbs (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`) or `*`. */
  verbs: string[];
  /** Resources as `plural`, `plural.group` or `plural/subresource`; `*` for all. */
  resources: string[];
  /** API groups (`''` is core); omitted or `*` for any. */
  apiGroups?: string[];
  /** Namespaces; omitted or `*` for any, including cluster-scoped requests. */
  namespaces?: string[];
}

export interface TokenUser {
  user: string;
  groups?: string[];
  /** Rules granting access; omitted means full access. */
  rules?: AccessRule[];
}

export interface Attributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const matchList = (list: string[] | undefined, value: string) =>
  !list || list.includes('*') || list.includes(value);

export function allowed(user: TokenUser, a: Attributes): boolean {
  if (!user.rules) return true;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
  return user.rules.some(
    r =>
      matchList(r.verbs, a.verb) &&
      matchList(r.apiGroups, a.group) &&
      (r.resources.includes('*') ||
        r.resources.includes(res) ||
        r.resources.includes(qualified) ||
        (!!a.subresource &&
          r.resources.includes(`${qualified}/${a.subresource}`))) &&
      (!r.namespaces ||
        r.namespaces.includes('*') ||
        (a.namespace !== undefined && r.namespaces.includes(a.namespace))),
  );
}

/** The message of the real server's 403, e.g. `configmaps "x" is forbidden: User "u" cannot get resource "configmaps" in API group "" in the namespace "demo"`. */
export function forbiddenMessage(user: string, a: Attributes): string {
  const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
  const subject = a.name ? `${qualified} "${a.name}"` : qualified;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace
    ? `in the namespace "${a.namespace}"`
    : 'at the cluster scope';
  return `${subject} is forbidden: User "${user}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${where}`;
}
