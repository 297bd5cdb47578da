export { AiGatewayPage } from './AiGatewayPage';
export { GatewaysOverview, GatewaysView } from './GatewaysOverview';
