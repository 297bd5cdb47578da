#!/usr/bin/env node
/*
 * The latency client of `bench-reconcile.js`, in a process of its own as a user's client is: its
 * fetches (and the decompression of their answers) do not share the measured backend's event
 * loop. Receives `{ base, token, pairs, warmup }` over IPC, where `pairs` are [per-agent access
 * path, catalog entity path]; fetches each pair in turn (warmup pairs first, not measured) and
 * answers `{ access, catalog }`: the milliseconds of each sample, in the order taken.
 */
// The bench gone (stopped, or failed): nothing to report to.
process.once('disconnect', () => process.exit(1));
process.once('message', async ({ base, token, pairs, warmup }) => {
  const headers = { Authorization: `Bearer ${token}` };
  const time = async p => {
    // An idle keep-alive connection the server closed fails once; that is not a sample.
    await fetch(`${base}/api/ai-gateway/health`)
      .then(r => r.arrayBuffer())
      .catch(() => undefined);
    const t0 = process.hrtime.bigint();
    const r = await fetch(`${base}${p}`, { headers });
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`GET ${p}: ${r.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  try {
    for (const [a, c] of pairs.slice(0, warmup)) {
      await time(a);
      await time(c);
    }
    const access = [];
    const catalog = [];
    for (const [a, c] of pairs) {
      access.push(await time(a));
      catalog.push(await time(c));
    }
    process.send({ access, catalog }, () => process.exit(0));
  } catch (e) {
    process.send({ error: String(e && e.stack ? e.stack : e) }, () =>
      process.exit(1),
    );
  }
});
