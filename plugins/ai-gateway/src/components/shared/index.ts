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
