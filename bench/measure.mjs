// Timing helpers shared by the Node rows and the in-page (Chromium) rows of the benchmark.

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** ns per awaited `getToken()` over one run of `calls` calls. */
async function run(getToken, calls) {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await getToken();
  return ((performance.now() - t0) * 1e6) / calls;
}

/**
 * Median ns per awaited `getToken()` of two implementations, `ours` and `base`, over `runs`
 * runs of `calls` calls each after a warm-up. The runs alternate (ours, base, ours, …), so both
 * see the same machine: a noisy neighbour or a GC phase lands on both, not on one side.
 */
export async function nsPerCallPair(ours, base, { runs, calls }) {
  for (let i = 0; i < 20_000; i++) {
    await ours();
    await base();
  }
  const samples = { ours: [], base: [] };
  for (let r = 0; r < runs; r++) {
    samples.ours.push(await run(ours, calls));
    samples.base.push(await run(base, calls));
  }
  return { ours: median(samples.ours), base: median(samples.base) };
}
