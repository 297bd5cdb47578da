import type { Entity } from '@backstage/catalog-model';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { AiGatewayClient, aiGatewayApiRef } from '../api';

export const BACKEND = 'http://localhost:7007';
export const API = `${BACKEND}/api/ai-gateway`;

/** A real client against msw, through the discovery base URL. */
export function createClient() {
  return new AiGatewayClient({
    discoveryApi: mockApis.discovery({ baseUrl: BACKEND }),
    fetchApi: mockApis.fetch(),
  });
}

/** Renders an element in the test app, inside an entity page when given one. */
export function render(
  element: JSX.Element,
  entity?: Entity,
  extraApis: any[] = [],
) {
  return renderInTestApp(
    entity ? (
      <EntityProvider entity={entity}>{element}</EntityProvider>
    ) : (
      element
    ),
    {
      apis: [[aiGatewayApiRef, createClient()], ...extraApis],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    },
  );
}
