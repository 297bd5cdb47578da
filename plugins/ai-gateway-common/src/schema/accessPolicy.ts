import * as z from 'zod';
import { parseSpiffeId, parseSpiffeIdPrefix } from '../spiffe';
import {
  commonStatusShape,
  dnsLabel,
  dnsSubdomain,
  targetRefSchema,
} from './common';

export const TRUST_DOMAIN_PATTERN = /^[a-z0-9._-]+$/;
export const DEFAULT_TRUST_BUNDLE_KEY = 'bundle.spiffe';
const CONFIG_MAP_KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;

const spiffeIdString = (parse: typeof parseSpiffeId) =>
  z
    .string()
    .min(1)
    .max(2048)
    .superRefine((value, ctx) => {
      const parsed = parse(value);
      if (!parsed.ok) {
        ctx.addIssue({
          code: 'custom',
          message: `is not a valid SPIFFE ID: ${parsed.message}`,
        });
      }
    });

export const allowedSubjectSchema = z
  .strictObject({
    spiffeId: spiffeIdString(parseSpiffeId).optional(),
    spiffeIdPrefix: spiffeIdString(parseSpiffeIdPrefix).optional(),
  })
  .superRefine(
    (subject, ctx) => {
      if (!subject || typeof subject !== 'object') {
        return;
      }
      const set = ['spiffeId', 'spiffeIdPrefix'].filter(
        key => (subject as Record<string, unknown>)[key] !== undefined,
      );
      if (set.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message: 'set exactly one of spiffeId and spiffeIdPrefix',
        });
      }
    },
    { when: () => true },
  )
  .meta({
    oneOf: [{ required: ['spiffeId'] }, { required: ['spiffeIdPrefix'] }],
  });

export const trustBundleConfigMapSchema = z.strictObject({
  name: dnsSubdomain(),
  namespace: dnsLabel().optional(),
  key: z
    .string()
    .min(1)
    .max(253)
    .regex(CONFIG_MAP_KEY_PATTERN, {
      error: 'must be a ConfigMap key (letters, digits, "-", "_" and ".")',
    })
    .default(DEFAULT_TRUST_BUNDLE_KEY),
});

export const mtlsSchema = z.strictObject({
  trustDomain: z.string().min(1).max(255).regex(TRUST_DOMAIN_PATTERN, {
    error:
      'must be a SPIFFE trust domain (lowercase letters, digits, ".", "-" and "_")',
  }),
  trustBundleConfigMap: trustBundleConfigMapSchema.describe(
    'ConfigMap with the SPIRE trust bundle (SPIFFE bundle JSON or PEM); namespace defaults to the policy namespace.',
  ),
  serverCertRef: z
    .strictObject({ name: dnsSubdomain() })
    .optional()
    .describe(
      'TLS Secret of the Gateway listener; without it a self-signed certificate is managed.',
    ),
  allowedSubjects: z
    .array(allowedSubjectSchema)
    .min(1)
    .optional()
    .describe('SPIFFE IDs admitted; without it, the whole trust domain.'),
});

type Issue = { path: PropertyKey[]; message: string };

function accessSemanticIssues(spec: unknown): Issue[] {
  const mtls = (spec as { mtls?: unknown } | null)?.mtls as
    | Record<string, unknown>
    | undefined;
  if (!mtls || typeof mtls !== 'object') {
    return [];
  }
  const { trustDomain, allowedSubjects } = mtls;
  if (typeof trustDomain !== 'string' || !Array.isArray(allowedSubjects)) {
    return [];
  }
  const issues: Issue[] = [];
  allowedSubjects.forEach((subject, i) => {
    for (const key of ['spiffeId', 'spiffeIdPrefix'] as const) {
      const value = (subject as Record<string, unknown> | null)?.[key];
      if (typeof value !== 'string') {
        continue;
      }
      const parsed = (key === 'spiffeId' ? parseSpiffeId : parseSpiffeIdPrefix)(
        value,
      );
      if (parsed.ok && parsed.trustDomain !== trustDomain) {
        issues.push({
          path: ['mtls', 'allowedSubjects', i, key],
          message: `is in trust domain "${parsed.trustDomain}", not in the policy's trust domain "${trustDomain}"`,
        });
      }
    }
  });
  return issues;
}

export const accessPolicySpecSchema = z
  .strictObject({
    targetRef: targetRefSchema.describe(
      'The Gateway, in the policy namespace.',
    ),
    mtls: mtlsSchema.describe(
      'Mutual TLS with SPIFFE X.509-SVIDs on the Gateway.',
    ),
  })
  .superRefine(
    (spec, ctx) => {
      for (const issue of accessSemanticIssues(spec)) {
        ctx.addIssue({ code: 'custom', ...issue });
      }
    },
    { when: () => true },
  );

export const bundleStatusSchema = z.object({
  certificates: z.int().min(0),
  earliestExpiry: z.string().optional(),
  sequence: z.int().optional(),
});

export const accessPolicyStatusSchema = z.object({
  ...commonStatusShape,
  bundle: bundleStatusSchema.optional(),
});

export type AIAccessPolicySpec = z.output<typeof accessPolicySpecSchema>;
/** The spec as written (defaults not yet applied). */
export type AIAccessPolicySpecInput = z.input<typeof accessPolicySpecSchema>;
export type MTLS = z.output<typeof mtlsSchema>;
export type AllowedSubject = z.output<typeof allowedSubjectSchema>;
export type TrustBundleConfigMap = z.output<typeof trustBundleConfigMapSchema>;
export type BundleStatus = z.output<typeof bundleStatusSchema>;
export type AccessPolicyStatus = z.output<typeof accessPolicyStatusSchema>;
