import type { ApiDryRunResult } from '@kagenti/backstage-plugin-ai-gateway-common';

/** `create 3, update 1, unchanged 2, delete 0` and one line per change. */
export function describeDiff(diff: ApiDryRunResult['diff']): string {
  const count = (a: string) => diff.filter(d => d.action === a).length;
  const head = `create ${count('create')}, update ${count(
    'update',
  )}, unchanged ${count('unchanged')}, delete ${count('delete')}`;
  const lines = diff
    .filter(d => d.action !== 'unchanged')
    .map(
      d =>
        `- ${d.action} ${d.kind} ${d.name}${
          d.differences?.length ? ` (${d.differences.join(', ')})` : ''
        }`,
    );
  return [head, ...lines].join('\n');
}
