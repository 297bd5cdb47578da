import type { Entity } from '@backstage/catalog-model';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import type { ApiHealth } from '@kagenti/backstage-plugin-ai-gateway-common';
import { delay, http, HttpResponse } from 'msw';
import { AiGatewayClient, aiGatewayApiRef } from '../api';
import { PollIntervalContext } from '../components/shared';
import { healthDone } from './fixtures';

export const BACKEND = 'http://localhost:7007';
export const API = `${BACKEND}/api/ai-gateway`;

/** A real client against msw, through the discovery base URL. */
export function createClient() {
  return new AiGatewayClient({
    discoveryApi: mockApis.discovery({ baseUrl: BACKEND }),
    fetchApi: mockApis.fetch(),
  });
}

/** An msw handler of GET /health (default: the first reconcile pass is done). */
export function mockHealth(body: ApiHealth = healthDone) {
  return http.get(`${API}/health`, () => HttpResponse.json(body));
}

/**
 * An msw resolver that answers after `ms`: the view is seen while a refresh is in flight, as
 * on a real network, not only before and after.
 */
export function slow<A extends unknown[], R>(
  resolver: (...args: A) => R,
  ms = 25,
) {
  return async (...args: A) => {
    await delay(ms);
    return resolver(...args);
  };
}

/** Renders `element` with background refresh every `ms` (the default is 10 s). */
export function polledEvery(ms: number, element: JSX.Element) {
  return (
    <PollIntervalContext.Provider value={ms}>
      {element}
    </PollIntervalContext.Provider>
  );
}

/**
 * Watches for flicker from now on: a progress bar appearing, or `keep` (an element of the view
 * on screen) leaving the page, as it would if the view were swapped for a loading state even
 * for one render. A background refresh must do neither. Call the returned function to stop
 * and get the answer.
 */
export function watchFlicker(keep: Element): () => boolean {
  // Backstage's Progress renders a hidden placeholder for its first 250 ms: that counts too.
  const selector = '[role="progressbar"], [data-testid="progress"]';
  let seen = !!document.querySelector(selector);
  // The added nodes themselves, not the page afterwards: a bar shown and removed between two
  // looks still counts.
  const record = (records: MutationRecord[]) =>
    records.forEach(r =>
      r.addedNodes.forEach(node => {
        if (
          node instanceof Element &&
          (node.matches(selector) || node.querySelector(selector))
        ) {
          seen = true;
        }
      }),
    );
  const observer = new MutationObserver(record);
  observer.observe(document.body, { childList: true, subtree: true });
  return () => {
    record(observer.takeRecords());
    observer.disconnect();
    // React never puts a removed node back: a view rendered again is made of new nodes.
    return seen || !keep.isConnected || !!document.querySelector(selector);
  };
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
