export { aiGatewayPlugin as default } from './plugin';
