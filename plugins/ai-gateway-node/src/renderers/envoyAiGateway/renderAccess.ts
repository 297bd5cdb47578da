import type { AccessIntent } from '../../intent/types';
import { dnsName } from '../../naming/names';
import type { KubernetesObject, ObjectKey } from '../../kubernetes';
import type { RenderOptions } from '../Renderer';
import { API, GATEWAY_API_GROUP } from './apiVersions';
import { objectMeta } from './objectMeta';

export function caSecretName(policyName: string): string {
  return dnsName(policyName, 'mtls-ca');
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/**
 * Renders an access intent: the CA Secret Envoy validates client SVIDs against, the managed
 * server certificate, and the ClientTrafficPolicy requiring a client certificate from the trust
 * domain on the Gateway's HTTPS listeners.
 */
export function renderAccess(
  intent: AccessIntent,
  options: RenderOptions = {},
): { objects: KubernetesObject[]; retain: ObjectKey[] } {
  const objects: KubernetesObject[] = [];
  const retain: ObjectKey[] = [];
  const caName = caSecretName(intent.policy.name);
  if (intent.caBundlePem) {
    objects.push({
      ...API.secret,
      metadata: objectMeta(intent.policy, caName, options),
      type: 'Opaque',
      data: { 'ca.crt': base64(intent.caBundlePem) },
    });
  } else {
    retain.push({ ...API.secret, name: caName });
  }
  const server = intent.serverCertificate;
  if (server.managed) {
    if (server.material) {
      objects.push({
        ...API.secret,
        metadata: objectMeta(intent.policy, server.secretName, options),
        type: 'kubernetes.io/tls',
        data: {
          'tls.crt': base64(server.material.certPem),
          'tls.key': base64(server.material.keyPem),
        },
      });
    } else {
      retain.push({ ...API.secret, name: server.secretName });
    }
  }
  const gatewayRef = {
    group: GATEWAY_API_GROUP,
    kind: 'Gateway',
    name: intent.gateway.name,
  };
  // Unknown listeners (offline): the whole Gateway. No matching listener: nothing to protect yet.
  const targetRefs =
    intent.listeners === undefined
      ? [gatewayRef]
      : intent.listeners.map(sectionName => ({ ...gatewayRef, sectionName }));
  if (targetRefs.length) {
    objects.push({
      ...API.clientTrafficPolicy,
      metadata: objectMeta(intent.policy, dnsName(intent.policy.name), options),
      spec: {
        targetRefs,
        tls: {
          clientValidation: {
            caCertificateRefs: [{ group: '', kind: 'Secret', name: caName }],
            mode: 'RequireAndVerify',
            subjectAltNames: {
              uris: intent.allowedSubjects.map(s => ({
                type: s.type,
                value: s.value,
              })),
            },
          },
        },
        headers: {
          // Drop any client-sent XFCC header and set one with the verified SVID's URI SAN.
          xForwardedClientCert: {
            mode: 'SanitizeSet',
            certDetailsToAdd: ['URI'],
          },
        },
      },
    });
  }
  return { objects, retain };
}
