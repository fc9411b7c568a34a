// Compiled with `tsc --strict` by scripts/test.sh: a consumer of every option, event and
// error code must compile, and each `@ts-expect-error` line must fail to compile (tsc
// reports an unused @ts-expect-error as an error), so misuse is caught by the types.
import {
  TokenManager,
  init,
  type FetchTokenContext,
  type TokenError,
  type TokenErrorCode,
  type TokenInfo,
  type TokenManagerSnapshot,
  type TokenManagerState,
} from 'chat-token-manager';
import { cometChat, type CometChatIntegration, type CometChatSdk } from 'chat-token-manager/cometchat';

const withCallback = new TokenManager({
  fetchToken: async (ctx: FetchTokenContext) => {
    const reason: 'initial' | 'scheduled' | 'unauthorized' | 'manual' | 'resume' = ctx.reason;
    const previous: TokenInfo | null = ctx.previous;
    void reason;
    const res = await fetch('/api/cometchat-token', { method: 'POST', signal: ctx.signal, body: previous?.refreshToken });
    return ctx.attempt > 1 ? res : { authToken: 'x', expiresIn: '3600', data: { expiresAt: 1 } };
  },
  login: async (token: string, info: TokenInfo) => { void token; void info.wsToken; },
  logout: () => undefined,
  refreshMarginMs: 300_000,
  jitterRatio: 0.1,
  defaultTtlMs: 86_400_000,
  fetchTimeoutMs: 10_000,
  loginTimeoutMs: 30_000,
  retry: { baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 6 },
  storage: 'session',
  storageKey: 'chat-token-manager',
  crossTab: true,
  onTokenRefresh: (info) => { const s: 'network' | 'storage' | 'tab' = info.source; void s; },
  onRefreshError: (error) => { const c: TokenErrorCode = error.code; void c; },
  logger: console,
  now: () => Date.now(),
  appState: {
    currentState: 'active',
    addEventListener: (_type: 'change', _listener: (state: string) => void) => ({ remove: () => undefined }),
  },
});

const withEndpoint = new TokenManager({
  endpoint: {
    url: '/api/cometchat-token',
    method: 'POST',
    headers: async () => ({ authorization: 'Bearer app-session' }),
    credentials: 'include',
    body: { client: 'web' },
  },
  logger: null,
  storage: {
    getItem: async (key: string) => key,
    setItem: async (_key: string, _value: string) => undefined,
    removeItem: (_key: string) => undefined,
  },
  crossTab: false,
});
new TokenManager({ endpoint: '/api/cometchat-token', storage: 'local' });

async function use(m: TokenManager): Promise<void> {
  const token: string = await m.getToken();
  const info: TokenInfo = await m.start();
  await m.refresh();
  await m.handleUnauthorized(token);
  await m.handleUnauthorized();
  const state: TokenManagerState = m.state;
  const snap: TokenManagerSnapshot = m.snapshot();
  const expiresAt: number | null = snap.expiresAt;
  const offline: boolean = snap.offline;
  void offline;
  void [info.expiresAt, info.refreshAt, info.issuedAt, state, expiresAt, snap.lastError?.code];

  const offs: Array<() => void> = [
    m.on('token', (i: TokenInfo) => void i.token),
    m.on('error', (e: TokenError) => void [e.code, e.status, e.retryAfterMs, e.retryable, e.name]),
    m.on('state', (s: TokenManagerState) => void s),
    m.on('expired', () => undefined),
    m.on('loggedOut', () => undefined),
  ];
  offs.forEach((off) => off());
  await m.logout();
  m.setAppState('background');
  m.setAppState('active');
  await init();
  await init(new URL('https://cdn.example/chat_token_manager.wasm'));
  m.dispose();
  m[Symbol.dispose]();

  const codes: TokenErrorCode[] = [
    'invalid_options', 'network', 'timeout', 'http', 'rate_limited', 'unauthorized',
    'invalid_response', 'login_failed', 'discarded', 'disposed', 'failed', 'logged_out',
  ];
  void codes;
}
void use(withCallback);
void use(withEndpoint);

// The refresh grant: a URL, or the endpoint's settings with a body made from the refresh token.
const withRefreshGrant = new TokenManager({
  endpoint: '/auth/token',
  refreshEndpoint: {
    url: '/auth/refresh',
    headers: { 'x-app': 'demo' },
    body: (refreshToken: string) => ({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  },
});
void use(withRefreshGrant);
void new TokenManager({ fetchToken: async () => ({ accessToken: 'a', refreshToken: 'r' }), refreshEndpoint: '/auth/refresh' });
// chat-token-manager/cometchat, with the shapes of the CometChat SDK and the two UI kits (the real
// packages' types are checked against it by tests/www/cometchat.test.mjs).
declare class Listener { constructor(...args: unknown[]); }
declare const CometChat: {
  login(...args: unknown[]): Promise<{ getUid(): string }>;
  logout(): Promise<object>;
  getLoggedinUser(): Promise<{ getUid(): string } | null>;
  getConnectionStatus(): string;
  addLoginListener(name: string, listener: Listener): void;
  removeLoginListener(name: string): void;
  addConnectionListener(name: string, listener: Listener): void;
  removeConnectionListener(name: string): void;
  LoginListener: typeof Listener;
  ConnectionListener: typeof Listener;
};
declare const WebUIKit: { login(uid: string): Promise<object>; loginWithAuthToken(authToken: string): Promise<object>; logout(): Promise<void> };
declare const NativeUIKit: { login(credentials: { uid?: string; authToken?: string }): Promise<object>; logout(): Promise<object> };
const sdk: CometChatSdk = CometChat;
const chat: CometChatIntegration = cometChat({ sdk, uiKit: WebUIKit });
cometChat({ sdk: CometChat, uiKit: NativeUIKit });
cometChat({ sdk: CometChat });
const chatManager = new TokenManager({ endpoint: '/api/cometchat-token', login: chat.login, logout: chat.logout });
const detach: () => void = chat.attach(chatManager);
detach();

// ----- misuse that must not compile -----
// @ts-expect-error unknown event name
withCallback.on('tokens', () => undefined);
// @ts-expect-error the state listener receives a state, not a TokenInfo
withCallback.on('state', (i: TokenInfo) => void i);
// @ts-expect-error wrong option type
new TokenManager({ endpoint: '/t', fetchTimeoutMs: '10s' });
// @ts-expect-error unknown storage mode
new TokenManager({ endpoint: '/t', storage: 'disk' });
// @ts-expect-error no token source
new TokenManager({ login: () => undefined });
// @ts-expect-error both token sources
new TokenManager({ endpoint: '/t', fetchToken: async () => ({ token: 't' }) });
// @ts-expect-error unknown error code
const bad: TokenErrorCode = 'oops';
void bad;
// @ts-expect-error an unknown app state
withCallback.setAppState('inactive');
// @ts-expect-error appState needs addEventListener
new TokenManager({ endpoint: '/t', appState: { currentState: 'active' } });
// @ts-expect-error getToken resolves with a string
const n: Promise<number> = withCallback.getToken();
void n;
// @ts-expect-error refreshEndpoint.body is made from the refresh token (a function), not a fixed body
new TokenManager({ endpoint: '/t', refreshEndpoint: { url: '/r', body: { refreshToken: 'x' } } });
// @ts-expect-error the integration needs the SDK (for its listeners), not only the kit
cometChat({ uiKit: WebUIKit });
// @ts-expect-error a UI kit without a token login (CometChatUIKit.login(uid) alone is the dev-mode login)
cometChat({ sdk: CometChat, uiKit: { login: (uid: string) => Promise.resolve(uid), logout: () => Promise.resolve() } });
// @ts-expect-error attach takes the TokenManager, not its options
chat.attach({ endpoint: '/t' });
