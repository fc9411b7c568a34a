// What the token timeline draws: each token's life (issue → refresh point → expiry) and marks
// for fetches, retries and their delays, 401s, logins, tab handoffs and offline spans. Fed by
// the manager's `token` events, the page's fetchToken and the chat glue. Nothing here holds a
// token: tokens are "token #N" labels (events.js), and TokenInfo is copied field by field.
import { tokenLabel } from './events.js';

const MAX_TOKENS = 8;
const MAX_MARKS = 200;

let view = { tokens: [], marks: [], offline: [], delays: [] };
const listeners = new Set();
let lastFailedFetchAt = null;

function set(patch) {
  view = { ...view, ...patch };
  for (const listener of listeners) listener();
}

export const timeline = {
  subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  get: () => view,
  clear() {
    lastFailedFetchAt = null;
    set({ tokens: [], marks: [], offline: [], delays: [] });
  },
  /** A new token (the manager's `token` event). */
  token(info) {
    const label = tokenLabel(info.token);
    const bar = { label, issuedAt: info.issuedAt, refreshAt: info.refreshAt, expiresAt: info.expiresAt, reason: info.reason, source: info.source };
    const tokens = [...view.tokens.filter((t) => t.label !== label), bar].slice(-MAX_TOKENS);
    set({ tokens });
    if (info.source === 'tab') this.mark('tab', `${label} handed over by another tab`);
  },
  /** A point event: kind is 'fetch', 'fetch-failed', 'retry', '401', 'login', 'tab' or 'logout'. */
  mark(kind, text, at = Date.now()) {
    set({ marks: [...view.marks, { id: crypto.randomUUID(), kind, text, at }].slice(-MAX_MARKS) });
  },
  /** Wraps one token request: marks its start (a retry when attempt > 1, with the delay before it) and a failure. */
  async fetch(attempt, reason, run) {
    const at = Date.now();
    if (attempt > 1 && lastFailedFetchAt != null) {
      set({ delays: [...view.delays, { id: crypto.randomUUID(), from: lastFailedFetchAt, to: at }].slice(-MAX_MARKS) });
    }
    this.mark(attempt > 1 ? 'retry' : 'fetch', attempt > 1 ? `retry, attempt ${attempt} (${reason})` : `token request (${reason})`, at);
    try {
      const response = await run();
      if (response && typeof response.status === 'number' && !response.ok) this.failed(`HTTP ${response.status}`);
      else lastFailedFetchAt = null;
      return response;
    } catch (error) {
      this.failed(error?.name === 'AbortError' ? 'aborted' : 'network error');
      throw error;
    }
  },
  failed(why) {
    lastFailedFetchAt = Date.now();
    this.mark('fetch-failed', `token request failed: ${why}`, lastFailedFetchAt);
  },
  /** The page went offline (true) or back online (false). */
  offline(isOffline, at = Date.now()) {
    const spans = [...view.offline];
    const open = spans.length && spans[spans.length - 1].to == null;
    if (isOffline && !open) spans.push({ from: at, to: null });
    else if (!isOffline && open) spans[spans.length - 1] = { ...spans[spans.length - 1], to: at };
    else return;
    set({ offline: spans.slice(-MAX_MARKS) });
  },
};
