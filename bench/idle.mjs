// Idle row of the benchmark: a manager with a valid 1 h token over 10 simulated minutes, on
// virtual timers (setTimeout replaced before the package loads). Prints one JSON line.
let now = Date.now();
const timers = new Map();
let seq = 0;
globalThis.setTimeout = (fn, ms = 0) => {
  const id = ++seq;
  timers.set(id, { at: now + Math.max(0, ms), fn });
  return id;
};
globalThis.clearTimeout = (id) => timers.delete(id);

const { TokenManager } = await import('chat-token-manager');
let requests = 0;
const m = new TokenManager({ fetchToken: async () => { requests += 1; return { authToken: 'idle', expiresIn: 3600 }; }, now: () => now, logger: null, crossTab: false });
await m.start();
const initial = requests;

const minutes = 10;
const end = now + minutes * 60_000;
let wakeups = 0;
for (;;) {
  const next = [...timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
  if (!next || next[1].at > end) break;
  timers.delete(next[0]);
  now = next[1].at;
  wakeups += 1;
  next[1].fn();
  await new Promise((r) => queueMicrotask(r));
}
m.dispose();
console.log(JSON.stringify({ wakeups, requests: requests - initial, minutes }));
