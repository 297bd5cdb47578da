/* Starting a server: listen, load persisted data and CRDs, default namespaces, simulation, demo seed. */
import { seedDemo } from './demo';
import {
  defaultCrdDirs,
  KubeServer,
  KubeServerImpl,
  KubeServerOptions,
} from './KubeServer';
import { loadDataFile, persistTo } from './persistence';
import { startSimulation } from './simulate';

/** Starts a Kubernetes API server for development and tests on 127.0.0.1. */
export async function startKubeServer(
  options: KubeServerOptions = {},
): Promise<KubeServer> {
  const server = new KubeServerImpl(options);
  const loaded = options.dataFile
    ? loadDataFile(server.api, options.dataFile)
    : false;
  server.loadCrdDirs(options.crdDirs ?? defaultCrdDirs());
  if (!loaded) {
    for (const name of [
      'default',
      'kube-system',
      'kube-public',
      'kube-node-lease',
    ]) {
      if (!server.get('v1', 'Namespace', undefined, name))
        server.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
  }
  if (options.dataFile) server.onStop(persistTo(server.api, options.dataFile));
  if (options.simulate) server.onStop(startSimulation(server.api, options.log));
  if (options.demo) await seedDemo(server);
  await server.listen();
  return server;
}
