// Types of chat-token-manager (hand-written; the runtime is js/host.mjs over the wasm core).

/** Why a token was fetched. */
export type TokenReason = 'initial' | 'scheduled' | 'unauthorized' | 'manual' | 'resume';
/** Where a token came from. */
export type TokenSource = 'network' | 'storage' | 'tab';
/** The manager's state. */
export type TokenManagerState = 'idle' | 'fetching' | 'ready' | 'refreshing' | 'backoff' | 'error' | 'failed' | 'loggedOut' | 'disposed';
/** `TokenError.code`. */
export type TokenErrorCode = 'invalid_options' | 'network' | 'timeout' | 'http' | 'rate_limited' | 'unauthorized' | 'invalid_response' | 'login_failed' | 'discarded' | 'disposed' | 'failed' | 'logged_out';

/** A token and what the manager knows about it. Times are epoch ms on the manager's clock. */
export interface TokenInfo {
  token: string;
  expiresAt: number;
  refreshAt: number;
  issuedAt: number;
  reason: TokenReason;
  source: TokenSource;
  refreshToken?: string;
  wsToken?: string;
}

/** Every error the manager rejects with or emits. */
export interface TokenError extends Error {
  name: 'TokenError';
  code: TokenErrorCode;
  /** HTTP status of the token endpoint's answer, when there was one. */
  status?: number;
  /** The delay the server asked for with `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** Whether trying again later may succeed. */
  retryable: boolean;
}

/** What `fetchToken` (or the endpoint) may answer. */
export interface TokenResponse {
  authToken?: string;
  token?: string;
  accessToken?: string;
  /** Seconds from now (wins over `expiresAt`). Numeric strings are accepted. */
  expiresIn?: number | string;
  /** Epoch ms, or epoch s when below 1e12. */
  expiresAt?: number | string;
  refreshToken?: string;
  wsToken?: string;
  /** A CometChat REST response passed through. */
  data?: { authToken?: string; expiresIn?: number | string; expiresAt?: number | string; refreshToken?: string; wsToken?: string };
}

/** Passed to `fetchToken`. */
export interface FetchTokenContext {
  reason: TokenReason;
  /** Attempt number within this refresh cycle, from 1. */
  attempt: number;
  /** Aborted on timeout, logout and dispose. */
  signal: AbortSignal;
  /** The last token, or null. */
  previous: TokenInfo | null;
}

/** Request headers: a plain object, `[name, value]` pairs, or a `Headers` instance. */
export type EndpointHeaders = Record<string, string> | Array<[string, string]> | { forEach(callback: (value: string, name: string) => void): void };

/** The built-in fetch's settings. */
export interface EndpointOptions {
  url: string;
  /** Default 'POST'. */
  method?: string;
  /**
   * Headers as a plain object, `[name, value]` pairs or a `Headers` instance, or a (sync or
   * async) function returning one of those — e.g. the app's bearer token.
   */
  headers?: EndpointHeaders | (() => EndpointHeaders | Promise<EndpointHeaders>);
  /** Default 'include' (sends the app's session cookie). */
  credentials?: 'include' | 'same-origin' | 'omit';
  /** A string, or an object sent as JSON. */
  body?: string | Record<string, unknown>;
}

/** A storage adapter: Web Storage, or e.g. expo-secure-store / AsyncStorage wrappers. */
export interface TokenStorage {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): unknown;
  removeItem(key: string): unknown;
}

/** A console-like logger. */
export interface TokenLogger {
  debug?(...args: unknown[]): void;
  info?(...args: unknown[]): void;
  warn?(...args: unknown[]): void;
  error?(...args: unknown[]): void;
}

interface TokenManagerCommonOptions {
  /** Called once per new token; e.g. `t => CometChatUIKit.loginWithAuthToken(t)`. Single-flight. */
  login?: (token: string, info: TokenInfo) => unknown;
  /** Called by `manager.logout()`. */
  logout?: () => unknown;
  /** Refresh this long before expiry. Default: 25 % of the lifetime, clamped to [30 s, 5 min]. */
  refreshMarginMs?: number;
  /** Random jitter, as a fraction of the margin. Default 0.1. */
  jitterRatio?: number;
  /** Lifetime of a token without expiry information. Default 86 400 000 (24 h). */
  defaultTtlMs?: number;
  /** Abort a token request after this long. Default 10 000. */
  fetchTimeoutMs?: number;
  /** Bound on one token's whole login step. Default 30 000. */
  loginTimeoutMs?: number;
  /** Retry of transient failures. Defaults: 1000, 60 000, 6. */
  retry?: { baseDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
  /** Where tokens persist: 'memory' (default), 'session', 'local', or a (sync or async) adapter. */
  storage?: 'memory' | 'session' | 'local' | TokenStorage;
  /** Storage key, and the name of the cross-tab channel and lock. Default 'chat-token-manager'. */
  storageKey?: string;
  /** One refresh for all tabs of the origin, tokens shared, logout everywhere. Default: on in pages. */
  crossTab?: boolean;
  /** Called with every new token (after login). */
  onTokenRefresh?: (info: TokenInfo) => void;
  /** Called once per refresh cycle that gives up. */
  onRefreshError?: (error: TokenError) => void;
  /** Console-like logger, or null for silence. Default: console, warn and error only. */
  logger?: TokenLogger | null;
  /** Clock override (epoch ms). Default Date.now. */
  now?: () => number;
  /**
   * React Native's `AppState` (or anything shaped like it): `'background'` stops the timer (no
   * wake-ups), `'active'` re-checks at once and refreshes with reason `'resume'` inside the margin.
   */
  appState?: AppStateLike;
}

/** Options: exactly one token source (`fetchToken` or `endpoint`) plus the common options. */
export type TokenManagerOptions = TokenManagerCommonOptions & (
  | { fetchToken: (ctx: FetchTokenContext) => Promise<TokenResponse | Response> | TokenResponse | Response; endpoint?: undefined }
  | { endpoint: string | EndpointOptions; fetchToken?: undefined }
);

/** Event payloads by event name. */
export interface TokenManagerEvents {
  token: TokenInfo;
  error: TokenError;
  state: TokenManagerState;
  expired: undefined;
  loggedOut: undefined;
}

/** A token-free view of the manager. */
export interface TokenManagerSnapshot {
  state: TokenManagerState;
  expiresAt: number | null;
  refreshAt: number | null;
  generation: number;
  consecutiveFailures: number;
  lastError: { code: TokenErrorCode; message: string; status: number | null; retryable: boolean } | null;
  /** The host reported no network: refreshes wait for it instead of burning retries. */
  offline: boolean;
}

/** The app's foreground state, as `manager.setAppState()` takes it. */
export type AppStateStatus = 'active' | 'background';

/** What the `appState` option needs of React Native's `AppState`. */
export interface AppStateLike {
  currentState?: string | null;
  addEventListener(type: 'change', listener: (state: string) => void): { remove(): void } | undefined | void;
}

/**
 * Keeps a chat auth token alive: fetches it, logs the chat SDK in, refreshes it before expiry,
 * dedupes concurrent callers and retries transient failures.
 */
export declare class TokenManager {
  /** Creates a manager. Throws a `TokenError` with code `invalid_options` naming the bad field. */
  constructor(options: TokenManagerOptions);
  /** Fetches a token and logs in. Idempotent; concurrent calls share one fetch. */
  start(): Promise<TokenInfo>;
  /** A valid token, fetching one if needed. Concurrent calls share one fetch. */
  getToken(): Promise<string>;
  /** Forces a refresh (joins one in flight). */
  refresh(): Promise<TokenInfo>;
  /**
   * Call when the chat service rejected a token (401, auth error, disconnect). With the
   * rejected token as `staleToken`, a token that was already rotated costs no request.
   */
  handleUnauthorized(staleToken?: string | null): Promise<TokenInfo>;
  /**
   * Ends the session: cancels timers and in-flight work (whose results are discarded),
   * rejects waiting callers with `discarded`, and calls the `logout` option.
   */
  logout(): Promise<void>;
  /** Stops everything for good. Idempotent; later calls reject with `disposed`. */
  dispose(): void;
  /** The same as `dispose()`: `using manager = new TokenManager(…)`. */
  [Symbol.dispose](): void;
  /** Subscribes to an event; returns the unsubscribe function. Listener exceptions are caught and logged. */
  on<K extends keyof TokenManagerEvents>(event: K, listener: (payload: TokenManagerEvents[K]) => void): () => void;
  /**
   * Tells the manager whether the app is in the foreground (React Native): `'background'`
   * stops the timer, `'active'` re-checks at once. Throws `invalid_options` for other values.
   */
  setAppState(state: AppStateStatus): void;
  /** The current state. */
  readonly state: TokenManagerState;
  /** A token-free view for diagnostics and UIs. */
  snapshot(): TokenManagerSnapshot;
}

/**
 * Loads the WebAssembly module now instead of on first use (optional; memoised). Takes the
 * wasm as a URL, a `Response` (or a promise of one), bytes or a `WebAssembly.Module`; by
 * default it is `chat_token_manager.wasm` next to the entry. Rejects with a `TokenError`
 * naming the URL when the module cannot be loaded. In Node the module is ready at import.
 */
export declare function init(input?: string | URL | Response | PromiseLike<Response> | BufferSource | WebAssembly.Module): Promise<void>;
