/** Condition types written to the status of the policy kinds (SPEC section 2). */
export const CONDITION_TYPES = {
  Accepted: 'Accepted',
  GatewayBound: 'GatewayBound',
  ProvidersConfigured: 'ProvidersConfigured',
  RoutingActive: 'RoutingActive',
  BundleReady: 'BundleReady',
  MTLSActive: 'MTLSActive',
  Programmed: 'Programmed',
} as const;

export type ConditionType =
  (typeof CONDITION_TYPES)[keyof typeof CONDITION_TYPES];

/** Every reason a condition may carry, True and False ones alike. */
export const REASONS = {
  // Accepted
  Valid: 'Valid',
  InvalidSpec: 'InvalidSpec',
  Conflicted: 'Conflicted',
  // GatewayBound
  Bound: 'Bound',
  GatewayNotFound: 'GatewayNotFound',
  GatewayNotAccepted: 'GatewayNotAccepted',
  // ProvidersConfigured
  Configured: 'Configured',
  PartialFailure: 'PartialFailure',
  ApplyFailed: 'ApplyFailed',
  CredentialSecretNotFound: 'CredentialSecretNotFound',
  CredentialKeyMissing: 'CredentialKeyMissing',
  // RoutingActive and MTLSActive
  Applied: 'Applied',
  RouteNotAccepted: 'RouteNotAccepted',
  // BundleReady
  Loaded: 'Loaded',
  BundleNotFound: 'BundleNotFound',
  BundleEmpty: 'BundleEmpty',
  BundleParseError: 'BundleParseError',
  BundleExpired: 'BundleExpired',
  // MTLSActive
  CertGenerationFailed: 'CertGenerationFailed',
  ListenerNotHTTPS: 'ListenerNotHTTPS',
  // Programmed (False carries the first failing condition's reason)
  Programmed: 'Programmed',
} as const;

export type Reason = (typeof REASONS)[keyof typeof REASONS];

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

/** The conditions each kind carries, in the order they are evaluated for `Programmed`. */
export const ROUTING_POLICY_CONDITIONS: readonly ConditionType[] = [
  CONDITION_TYPES.Accepted,
  CONDITION_TYPES.GatewayBound,
  CONDITION_TYPES.ProvidersConfigured,
  CONDITION_TYPES.RoutingActive,
  CONDITION_TYPES.Programmed,
];
export const ACCESS_POLICY_CONDITIONS: readonly ConditionType[] = [
  CONDITION_TYPES.Accepted,
  CONDITION_TYPES.GatewayBound,
  CONDITION_TYPES.BundleReady,
  CONDITION_TYPES.MTLSActive,
  CONDITION_TYPES.Programmed,
];
