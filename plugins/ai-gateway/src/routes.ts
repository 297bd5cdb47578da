import { createRouteRef } from '@backstage/core-plugin-api';

/** The AI Gateway page. The `/alpha` plugin uses the converted same ref. */
export const rootRouteRef = createRouteRef({ id: 'ai-gateway' });
