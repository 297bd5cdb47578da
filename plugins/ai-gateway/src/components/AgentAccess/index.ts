export { AgentAccessContent } from './AgentAccessContent';
export { AgentAccessView } from './AgentAccessView';
export { ModelAccessCard } from './ModelAccessCard';
