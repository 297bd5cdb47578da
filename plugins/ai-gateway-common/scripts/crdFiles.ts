import { stringify } from 'yaml';
import { buildPolicyCrds } from '../src/crd/crd';

/** Where the CRDs are committed, relative to this package. */
export const CRD_DIRECTORY = '../../deploy/crds';

const HEADER = [
  '# Generated from the zod schemas in plugins/ai-gateway-common by',
  '# `yarn --cwd plugins/ai-gateway-common generate:crds`. Do not edit by hand.',
].join('\n');

/** The exact contents of the committed CRD files. */
export function renderPolicyCrdFiles(): Array<{
  fileName: string;
  content: string;
}> {
  return buildPolicyCrds().map(({ fileName, crd }) => ({
    fileName,
    content: `${HEADER}\n${stringify(crd, { lineWidth: 0 })}`,
  }));
}
