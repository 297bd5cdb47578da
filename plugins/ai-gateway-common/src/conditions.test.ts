import {
  ACCESS_POLICY_CONDITIONS,
  CONDITION_TYPES,
  REASONS,
  ROUTING_POLICY_CONDITIONS,
} from './conditions';

describe('conditions', () => {
  it('name the condition types of SPEC section 2', () => {
    expect(Object.values(CONDITION_TYPES)).toEqual([
      'Accepted',
      'GatewayBound',
      'ProvidersConfigured',
      'RoutingActive',
      'BundleReady',
      'MTLSActive',
      'Programmed',
    ]);
    expect(ROUTING_POLICY_CONDITIONS).toEqual([
      'Accepted',
      'GatewayBound',
      'ProvidersConfigured',
      'RoutingActive',
      'Programmed',
    ]);
    expect(ACCESS_POLICY_CONDITIONS).toEqual([
      'Accepted',
      'GatewayBound',
      'BundleReady',
      'MTLSActive',
      'Programmed',
    ]);
  });

  it('name every reason of the SPEC section 2 table, each once', () => {
    const table = [
      'Valid',
      'InvalidSpec',
      'Conflicted',
      'Bound',
      'GatewayNotFound',
      'GatewayNotAccepted',
      'Configured',
      'PartialFailure',
      'ApplyFailed',
      'CredentialSecretNotFound',
      'CredentialKeyMissing',
      'Applied',
      'RouteNotAccepted',
      'Loaded',
      'BundleNotFound',
      'BundleEmpty',
      'BundleParseError',
      'BundleExpired',
      'CertGenerationFailed',
      'ListenerNotHTTPS',
      'Programmed',
    ];
    expect(Object.values(REASONS).sort()).toEqual([...new Set(table)].sort());
    for (const [key, value] of Object.entries(REASONS)) expect(key).toBe(value);
  });
});
