#!/usr/bin/env node
/* Runs the TypeScript sources directly through Backstage's Node transform (no build step). */
require('@backstage/cli/config/nodeTransform.cjs');
require('../src/cli')
  .main()
  .catch(e => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  });
