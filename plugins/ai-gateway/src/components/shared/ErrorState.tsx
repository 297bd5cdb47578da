import { EmptyState, ResponseErrorPanel } from '@backstage/core-components';

/**
 * An error from the backend. A 404 is not a failure of the page: the backend
 * has nothing for this entity yet, so it reads as an empty state with advice.
 */
export function ErrorState(props: {
  error: Error;
  notFoundTitle: string;
  notFoundDescription: string;
}) {
  const statusCode = (props.error as { statusCode?: number }).statusCode;
  if (statusCode === 404) {
    return (
      <EmptyState
        missing="data"
        title={props.notFoundTitle}
        description={props.notFoundDescription}
      />
    );
  }
  return (
    <ResponseErrorPanel
      error={props.error}
      title="Could not load AI Gateway data"
    />
  );
}
