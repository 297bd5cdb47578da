export * from './format';
export { StatusMark } from './StatusMark';
export { ClusterUnreachable, LocalClusterBanner } from './ClusterNotices';
export { ErrorState } from './ErrorState';
export { ConditionsTable } from './ConditionsTable';
export { TableEmpty } from './TableEmpty';
export {
  EntityLink,
  FailoverText,
  LimitsList,
  ModelReady,
  ProviderChain,
  orderBackends,
} from './ModelDetails';
export { FirstPassBanner, FirstPassRunning, RefreshFailed } from './Refresh';
export {
  POLL_INTERVAL_MS,
  PollIntervalContext,
  usePolledAsync,
} from './usePolledAsync';
export type { PolledAsyncState } from './usePolledAsync';
export { isFirstPassRunning } from './firstPass';
