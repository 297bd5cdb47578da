#!/usr/bin/env node
/*
 * Rendering benchmark (`yarn bench:render`): 1,000 routing policies of 4 providers and 20 models
 * and 1,000 access policies, from validated policy to objects (intent + render). Prints
 * `key: value` lines. It measures; it asserts nothing.
 */
require('@backstage/cli/config/nodeTransform.cjs');
const { performance } = require('node:perf_hooks');
const {
  validatePolicyResource,
} = require('@kagenti/backstage-plugin-ai-gateway-common');
const {
  EnvoyAiGatewayRenderer,
  buildAccessIntent,
  buildRoutingIntent,
} = require('../src/index.ts');

const ROUTING = 1000;
const ACCESS = 1000;

function routingPolicy(i) {
  const providers = [
    {
      name: 'openai',
      endpoint: 'https://api.openai.com',
      schema: 'OpenAI',
      credentials: { type: 'APIKey', secretRef: { name: `openai-${i}` } },
    },
    {
      name: 'azure',
      endpoint: 'https://team.openai.azure.com',
      schema: 'AzureOpenAI',
      schemaVersion: '2025-01-01-preview',
      credentials: {
        type: 'AzureCredentials',
        tenantId: 't',
        clientId: 'c',
        secretRef: { name: `azure-${i}` },
      },
    },
    {
      name: 'bedrock',
      endpoint: 'https://bedrock-runtime.us-east-1.amazonaws.com',
      schema: 'AWSBedrock',
      credentials: { type: 'AWSCredentials', region: 'us-east-1' },
    },
    {
      name: 'ollama',
      endpoint: 'http://ollama.team.svc:11434',
      schema: 'OpenAI',
    },
  ];
  const models = Array.from({ length: 20 }, (_, m) => ({
    name: m % 3 === 0 ? `qwen2.5:${m}b` : `model-${m}`,
    backends: [
      { provider: providers[m % 4].name, model: `upstream-${m}`, priority: 0 },
      {
        provider: providers[(m + 1) % 4].name,
        model: `fallback-${m}`,
        priority: 1,
      },
    ],
    rateLimit:
      m % 2
        ? {
            tokensPerHour: 100000 + m,
            tokensPerDay: 1000000,
            tokenCountMode: 'TotalToken',
          }
        : { requestsPerMinute: 60 },
    ...(m % 4 === 0
      ? { failover: { retryOn: [429, 503, 'connect-failure'], maxRetries: 2 } }
      : {}),
  }));
  return {
    apiVersion: 'aigateway.kagenti.dev/v1alpha1',
    kind: 'AIRoutingPolicy',
    metadata: {
      name: `routing-${i}`,
      namespace: `team${i % 50}`,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    },
    spec: { targetRef: { name: 'ai-gateway' }, providers, models },
  };
}

function accessPolicy(i) {
  return {
    apiVersion: 'aigateway.kagenti.dev/v1alpha1',
    kind: 'AIAccessPolicy',
    metadata: {
      name: `access-${i}`,
      namespace: `team${i % 50}`,
      uid: `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`,
    },
    spec: {
      targetRef: { name: `gw-${i}` },
      mtls: {
        trustDomain: 'localtest.me',
        trustBundleConfigMap: {
          name: 'spire-bundle',
          namespace: 'spire-system',
        },
        allowedSubjects: [
          { spiffeIdPrefix: `spiffe://localtest.me/ns/team${i % 50}/` },
          { spiffeId: 'spiffe://localtest.me/ns/ops/sa/agent' },
        ],
      },
    },
  };
}

function validated(doc) {
  const r = validatePolicyResource(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
}

const routing = Array.from({ length: ROUTING }, (_, i) =>
  validated(routingPolicy(i)),
);
const access = Array.from({ length: ACCESS }, (_, i) =>
  validated(accessPolicy(i)),
);
const gateway = i => ({
  metadata: { name: `gw-${i}`, namespace: `team${i % 50}` },
  spec: {
    listeners: [
      {
        name: 'https',
        protocol: 'HTTPS',
        port: 8443,
        tls: { certificateRefs: [{ name: `access-${i}-mtls-server` }] },
      },
    ],
  },
});
const material = {
  certPem: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
  keyPem: '-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n',
};
const renderer = new EnvoyAiGatewayRenderer();

// Warm up the JIT on a few policies so the figures describe steady state.
for (let i = 0; i < 20; i++)
  renderer.render(buildRoutingIntent(routing[i]).intent);

let objects = 0;
const start = performance.now();
for (const p of routing)
  objects += renderer.render(buildRoutingIntent(p).intent, {
    instance: 'bench',
  }).objects.length;
const routingDone = performance.now();
access.forEach((p, i) => {
  const { intent } = buildAccessIntent(p, {
    caBundlePem: material.certPem,
    gateway: gateway(i),
    serverCertificate: material,
  });
  objects += renderer.render(intent, { instance: 'bench' }).objects.length;
});
const end = performance.now();

const seconds = (end - start) / 1000;
const policies = ROUTING + ACCESS;
const lines = {
  policies,
  objects,
  seconds: seconds.toFixed(3),
  us_per_policy: ((seconds * 1e6) / policies).toFixed(1),
  routing_us_per_policy: (((routingDone - start) * 1e3) / ROUTING).toFixed(1),
  access_us_per_policy: (((end - routingDone) * 1e3) / ACCESS).toFixed(1),
  peak_rss_mb: (process.resourceUsage().maxRSS / 1024).toFixed(1),
};
for (const [k, v] of Object.entries(lines)) console.log(`${k}: ${v}`);
