#!/usr/bin/env node
/* `yarn bench:kube-server`: runs src/bench.ts through Backstage's Node transform. */
require('@backstage/cli/config/nodeTransform.cjs');
require('../src/bench')
  .main()
  .then(() => process.exit(0))
  .catch(e => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  });
