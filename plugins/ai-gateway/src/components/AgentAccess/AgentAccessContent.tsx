import { Progress } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { ErrorState, RefreshFailed } from '../shared';
import { AgentAccessView } from './AgentAccessView';
import { useAgentAccess } from './useAgentAccess';

/** The AI Access tab of an agent entity. */
export function AgentAccessContent() {
  const { entity } = useEntity();
  const { value, loading, error, updatedAt, firstPassRunning } =
    useAgentAccess(entity);
  if (loading) return <Progress aria-label="Loading AI access" />;
  if (!value) {
    if (!error) return null;
    return (
      <ErrorState
        error={error}
        notFoundTitle="The AI Gateway does not know this agent yet"
        notFoundDescription="Check that the entity is a Component with spec.type agent and the backstage.io/kubernetes-namespace annotation; the backend picks it up after the next catalog refresh."
      />
    );
  }
  return (
    <>
      {error && <RefreshFailed error={error} updatedAt={updatedAt} />}
      <AgentAccessView access={value} firstPassRunning={firstPassRunning} />
    </>
  );
}
