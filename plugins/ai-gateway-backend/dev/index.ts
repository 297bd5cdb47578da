import { createBackend } from '@backstage/backend-defaults';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';

// The plugin on its own (`yarn start` in this package), with mocked auth and a catalog holding
// no policies; point `aiGateway.clusters` in app-config at a cluster (for example
// `yarn kube-server --demo --simulate` from the repository root) to see passes run.
//
//   curl http://localhost:7007/api/ai-gateway/health
//   curl http://localhost:7007/api/ai-gateway/gateways
const backend = createBackend();
backend.add(mockServices.auth.factory());
backend.add(mockServices.httpAuth.factory());
backend.add(catalogServiceMock.factory({ entities: [] }));
backend.add(import('../src'));
backend.start();
