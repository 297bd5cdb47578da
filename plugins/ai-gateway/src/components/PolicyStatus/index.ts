export { PolicyContent, PolicyStatusView } from './PolicyContent';
