// Timing helpers shared by the Node rows and the in-page (Chromium) rows of the benchmark.

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median ns per awaited `getToken()` over `runs` runs of `calls` calls, after a warm-up. */
export async function nsPerCall(getToken, { runs, calls }) {
  for (let i = 0; i < 20_000; i++) await getToken();
  const samples = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await getToken();
    samples.push(((performance.now() - t0) * 1e6) / calls);
  }
  return median(samples);
}
