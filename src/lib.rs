//! `chat-token-manager`'s WebAssembly module: a wasm-bindgen [`TokenManager`] that keeps a chat
//! user's auth token alive.
//!
//! Every decision (schedule, jitter, backoff, `Retry-After`, parsing of responses, JWTs and
//! stored entries, generations, single flight) is made by the sans-IO core,
//! [`chat_token_core::Machine`]. This crate is its shell: it reads the options, fetches tokens
//! (web-sys `fetch` or the app's `fetchToken`), calls the app's `login`/`logout`, runs one
//! `gloo_timers` timeout, talks to other tabs (`BroadcastChannel`, Web Locks, `storage`
//! events), persists tokens, and hands `TokenInfo`s, snapshots and `TokenError`s to JavaScript.
//!
//! ```js
//! import { TokenManager } from 'chat-token-manager';
//!
//! const manager = new TokenManager({
//!   endpoint: '/api/chat-token',
//!   login: (token) => CometChatUIKit.loginWithAuthToken(token),
//! });
//! const info = await manager.start(); // one fetch, one login, however many callers
//! ```
#![deny(missing_docs)]

mod errors;
mod fetch;
mod js;
mod manager;
mod options;
mod platform;

use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

use manager::Inner;
use options::Options;

// A simple free-list allocator: the module is single-threaded and holds a few small objects.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: wasm32 without threads: nothing allocates concurrently.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
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

/**
 * The refresh grant's endpoint (seed 004's `POST /auth/refresh`): the same settings as
 * `EndpointOptions`, except that the body is made from the refresh token.
 */
export interface RefreshEndpointOptions {
  url: string;
  /** Default 'POST'. */
  method?: string;
  /** As `EndpointOptions.headers`. */
  headers?: EndpointHeaders | (() => EndpointHeaders | Promise<EndpointHeaders>);
  /** Default 'include'. */
  credentials?: 'include' | 'same-origin' | 'omit';
  /** The request body for a refresh token: a string, or an object sent as JSON. Default `{ refreshToken }`. */
  body?: (refreshToken: string) => string | Record<string, unknown>;
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

/** The options every manager takes, whatever its token source. */
export interface TokenManagerCommonOptions {
  /** Called once per new token; e.g. `t => CometChatUIKit.loginWithAuthToken(t)`. Single-flight. */
  login?: (token: string, info: TokenInfo) => unknown;
  /** Called by `manager.logout()`. */
  logout?: () => unknown;
  /**
   * The refresh grant: a token that came with a `refreshToken` is refreshed by posting it here
   * (the answer may rotate it). A 400/401/403 answer falls back to `endpoint`/`fetchToken` in
   * the same cycle. Without it, every refresh asks the token source.
   */
  refreshEndpoint?: string | RefreshEndpointOptions;
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

/** The methods of `TokenManager` whose types are written here rather than generated. */
export interface TokenManager {
  /**
   * Subscribes to an event; returns the unsubscribe function. Listener exceptions are caught
   * and logged.
   */
  on<K extends keyof TokenManagerEvents>(event: K, listener: (payload: TokenManagerEvents[K]) => void): () => void;
}

/** The app's foreground state, as `manager.setAppState()` takes it. */
export type AppStateStatus = 'active' | 'background';

/** What the `appState` option needs of React Native's `AppState`. */
export interface AppStateLike {
  currentState?: string | null;
  addEventListener(type: 'change', listener: (state: string) => void): { remove(): void } | undefined | void;
}
"#;

/// Keeps a chat auth token alive: fetches it, logs the chat SDK in, refreshes it before
/// expiry, dedupes concurrent callers and retries transient failures.
#[wasm_bindgen]
pub struct TokenManager {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl TokenManager {
    /// Creates a manager. Throws a `TokenError` with code `invalid_options` naming the bad field.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "TokenManagerOptions")] options: JsValue) -> Result<TokenManager, JsValue> {
        Ok(TokenManager { inner: Inner::new(Options::read(&options)?)? })
    }

    /// Fetches a token and logs in. Idempotent; concurrent calls share one fetch.
    #[wasm_bindgen(unchecked_return_type = "Promise<TokenInfo>")]
    pub fn start(&self) -> Promise {
        self.inner.start()
    }

    /// A valid token, fetching one if needed. Concurrent calls share one fetch.
    #[wasm_bindgen(js_name = getToken, unchecked_return_type = "Promise<string>")]
    pub fn get_token(&self) -> Promise {
        self.inner.get_token()
    }

    /// Forces a refresh (joins one in flight).
    #[wasm_bindgen(unchecked_return_type = "Promise<TokenInfo>")]
    pub fn refresh(&self) -> Promise {
        self.inner.refresh()
    }

    /// Call when the chat service rejected a token (401, auth error, disconnect). With the
    /// rejected token as `staleToken`, a token that was already rotated costs no request.
    #[wasm_bindgen(js_name = handleUnauthorized, unchecked_return_type = "Promise<TokenInfo>")]
    pub fn handle_unauthorized(
        &self,
        #[wasm_bindgen(js_name = staleToken, unchecked_optional_param_type = "string | null")] stale_token: JsValue,
    ) -> Promise {
        self.inner.handle_unauthorized(stale_token.as_string())
    }

    /// Ends the session: cancels timers and in-flight work (whose results are discarded),
    /// rejects waiting callers with `discarded`, and calls the `logout` option.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn logout(&self) -> Promise {
        self.inner.logout()
    }

    /// Stops everything for good. Idempotent; later calls reject with `disposed`.
    pub fn dispose(&self) {
        self.inner.dispose()
    }

    /// Subscribes to an event; returns the unsubscribe function. Listener exceptions are
    /// caught and logged. (Typed in the `TokenManager` interface above: generic over the
    /// event, which a wasm-bindgen signature cannot be.)
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, event: JsValue, listener: JsValue) -> Result<Function, JsValue> {
        self.inner.on(&event, listener)
    }

    /// Tells the manager whether the app is in the foreground (React Native): `'background'`
    /// stops the timer, `'active'` re-checks at once. Throws `invalid_options` for other values.
    #[wasm_bindgen(js_name = setAppState)]
    pub fn set_app_state(&self, #[wasm_bindgen(unchecked_param_type = "AppStateStatus")] state: JsValue) -> Result<(), JsValue> {
        match state.as_string().as_deref() {
            Some("active") => self.inner.set_app_state(false),
            Some("background") => self.inner.set_app_state(true),
            _ => return Err(errors::invalid("appState", "'active' or 'background'")),
        }
        Ok(())
    }

    /// The current state.
    #[wasm_bindgen(getter, unchecked_return_type = "TokenManagerState")]
    pub fn state(&self) -> String {
        self.inner.state().into()
    }

    /// A token-free view for diagnostics and UIs.
    #[wasm_bindgen(unchecked_return_type = "TokenManagerSnapshot")]
    pub fn snapshot(&self) -> JsValue {
        self.inner.snapshot()
    }
}
