// The page's event log: what the manager, the chat SDK and the demo controls did. Entries never
// hold a token: tokens are shown as "token #N", numbered in the order this tab first saw them.
const MAX = 200;
let entries = [];
const listeners = new Set();
const numbers = new Map();

export const eventLog = {
  subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  get: () => entries,
  add(source, text) {
    entries = [{ id: crypto.randomUUID(), at: Date.now(), source, text }, ...entries].slice(0, MAX);
    for (const listener of listeners) listener();
  },
  clear() {
    entries = [];
    for (const listener of listeners) listener();
  },
};

/** "token #N": a stable, token-free label for a token value. */
export function tokenLabel(token) {
  if (!token) return 'no token';
  if (!numbers.has(token)) numbers.set(token, numbers.size + 1);
  return `token #${numbers.get(token)}`;
}

export const clock = (ms) => (ms ? new Date(ms).toLocaleTimeString([], { hour12: false }) : '—');
