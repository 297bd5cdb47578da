/*
 * Writes deploy/crds/*.yaml from the zod schemas. Run it after changing a schema:
 *   yarn --cwd plugins/ai-gateway-common generate:crds
 * The test src/crd/crd.test.ts fails while the committed files are out of date.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CRD_DIRECTORY, renderPolicyCrdFiles } from './crdFiles';

const directory = resolve(__dirname, '..', CRD_DIRECTORY);
for (const { fileName, content } of renderPolicyCrdFiles()) {
  writeFileSync(resolve(directory, fileName), content);
  process.stdout.write(`wrote ${resolve(directory, fileName)}\n`);
}
