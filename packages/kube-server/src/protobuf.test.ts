import fs from 'node:fs';
import { decodeProtobuf } from './protobuf';

/* Bodies captured from kubectl 1.32.4 (`kubectl create deployment web --image=nginx:1 --port=80 --replicas=2`, …). */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('decodeProtobuf', () => {
  it('decodes the namespace body from the protocol notes', () => {
    const ns = decodeProtobuf(
      hex(
        '6b3873000a0f0a02763112094e616d657370616365121c0a140a0464656d6f12001a0022002a0032003800420012001a020a001a002200',
      ),
    );
    expect(ns).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'demo' },
    });
  });

  it('decodes captured typed-client bodies', () => {
    const dir = `${__dirname}/__fixtures__`;
    const deploy = decodeProtobuf(
      fs.readFileSync(`${dir}/create-deployment.bin`),
    );
    expect(deploy).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'nginx',
                image: 'nginx:1',
                ports: [{ containerPort: 80 }],
              },
            ],
          },
        },
      },
    });
    const svc = decodeProtobuf(fs.readFileSync(`${dir}/create-service.bin`));
    expect(svc.spec).toEqual({
      ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
      selector: { app: 'svc1' },
      type: 'ClusterIP',
    });
    const job = decodeProtobuf(fs.readFileSync(`${dir}/create-job.bin`));
    expect(job.spec).toEqual({
      template: {
        metadata: {},
        spec: {
          containers: [
            { name: 'j1', image: 'busybox', command: ['echo', 'hi'] },
          ],
          restartPolicy: 'Never',
        },
      },
    });
  });
});
