export { AiGatewayPage } from './AiGatewayPage';
export { GatewayEntityContent } from './GatewayEntityContent';
export { GatewaysOverview, GatewaysView } from './GatewaysOverview';
