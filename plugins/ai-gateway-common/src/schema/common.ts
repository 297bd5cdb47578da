import * as z from 'zod';
import { CONDITION_STATUSES } from '../conditions';
import { GATEWAY_API_GROUP, GATEWAY_KIND } from '../constants';

/** RFC 1123 label, as Kubernetes validates names of Services and list-map keys. */
export const DNS_LABEL_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_LABEL_MESSAGE =
  'must be a DNS label (lowercase letters, digits and "-", starting and ending with a letter or digit)';
/** RFC 1123 subdomain, as Kubernetes validates most object names. */
export const DNS_SUBDOMAIN_PATTERN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS_SUBDOMAIN_MESSAGE =
  'must be a DNS subdomain (lowercase letters, digits, "-" and ".", starting and ending with a letter or digit)';

export const dnsLabel = () =>
  z
    .string()
    .min(1)
    .max(63)
    .regex(DNS_LABEL_PATTERN, { error: DNS_LABEL_MESSAGE });

export const dnsSubdomain = () =>
  z
    .string()
    .min(1)
    .max(253)
    .regex(DNS_SUBDOMAIN_PATTERN, { error: DNS_SUBDOMAIN_MESSAGE });

/** The Gateway a policy attaches to; always in the policy's own namespace. */
export const targetRefSchema = z.strictObject({
  group: z.literal(GATEWAY_API_GROUP).default(GATEWAY_API_GROUP),
  kind: z.literal(GATEWAY_KIND).default(GATEWAY_KIND),
  name: dnsSubdomain(),
});

export const conditionSchema = z.object({
  type: z.string().min(1),
  status: z.enum(CONDITION_STATUSES),
  reason: z.string(),
  message: z.string(),
  observedGeneration: z.int().min(0).optional(),
  lastTransitionTime: z.string(),
});

/** What the reconciler rendered for a policy, with the controller's verdict when it gives one. */
export const renderedResourceSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  accepted: z.boolean().optional(),
});

/** Status fields both kinds share. */
export const commonStatusShape = {
  observedGeneration: z.int().min(0).optional(),
  conditions: z
    .array(conditionSchema)
    .optional()
    .meta({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }),
  resources: z.array(renderedResourceSchema).optional(),
};

export type TargetRef = z.output<typeof targetRefSchema>;
export type Condition = z.output<typeof conditionSchema>;
export type RenderedResource = z.output<typeof renderedResourceSchema>;
