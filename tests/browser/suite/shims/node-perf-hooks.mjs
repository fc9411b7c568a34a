// Browser stand-in for `node:perf_hooks` (only `performance` is used by the tests).
export const performance = globalThis.performance;
export default { performance };
