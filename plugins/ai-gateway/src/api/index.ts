export { aiGatewayApiRef } from './AiGatewayApi';
export type { AiGatewayApi } from './AiGatewayApi';
export { AiGatewayClient } from './AiGatewayClient';
