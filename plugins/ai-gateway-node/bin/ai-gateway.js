#!/usr/bin/env node
/*
 * The ai-gateway command line for GitOps pipelines (`yarn ai-gateway --help`). Runs the package's
 * TypeScript through Backstage's node transform, so it needs no build step.
 */
require('@backstage/cli/config/nodeTransform.cjs');
const { main } = require('../src/cli/main.ts');

main(process.argv.slice(2), {
  // `yarn ai-gateway` runs from the repository root; file arguments are taken from there.
  cwd: process.cwd(),
  stdout: text => process.stdout.write(text),
  stderr: text => process.stderr.write(text),
}).then(
  code => {
    process.exitCode = code;
  },
  error => {
    process.stderr.write(`error: ${error.stack ?? error}\n`);
    process.exitCode = 2;
  },
);
