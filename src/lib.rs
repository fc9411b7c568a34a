//! `chat-token-manager`: keeps a chat user's auth token alive in the browser, Node and
//! React Native.
//!
//! This crate is the WebAssembly shell around [`chat_token_core::Machine`]: it binds the
//! host's `fetch`, `setTimeout` and `console`, turns the app's callbacks and options into
//! core inputs, and carries out the core's actions. Every mutation follows the same path:
//! mutate the core → drain its actions → release the borrow → call JavaScript → re-arm
//! one timer.
//!
//! ```js
//! import { TokenManager } from 'chat-token-manager';
//!
//! const manager = new TokenManager({
//!   endpoint: '/api/cometchat-token',
//!   login: (token) => CometChatUIKit.loginWithAuthToken(token),
//!   logout: () => CometChatUIKit.logout(),
//! });
//! await manager.start();
//! ```
#![deny(missing_docs)]

mod js;
mod options;
mod platform;

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use chat_token_core::{
    parse::{parse_http_date, parse_retry_after}, schedule, stored, Action, ErrorKind, Event, Level, LoginResult, Machine, Millis, OpId, Request, TokenError,
    TokenInfo, WaiterId,
};
use gloo_timers::callback::Timeout;
use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};

use crate::js::{error_to_js, get, get_fn, info_to_js, set, JsFields, ResponseLike};
use crate::options::{Logger, Options, Source};
use crate::platform::{Bus, Message, Storage};

/// The longest single sleep: every wake-up re-evaluates against the wall clock, so a
/// late or frozen timer (sleep, background tab) costs at most this much.
const WATCHDOG_MS: Millis = 30_000;
/// How long a starting tab waits for its peers' token before fetching its own.
const PEER_WAIT_MS: Millis = 250;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
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

/** The built-in fetch's settings. */
export interface EndpointOptions {
  url: string;
  /** Default 'POST'. */
  method?: string;
  /** An object, or a (sync or async) function returning one — e.g. the app's bearer token. */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
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

export interface TokenManager {
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof TokenManagerEvents>(event: K, listener: (payload: TokenManagerEvents[K]) => void): () => void;
}
"#;

/// What a waiting caller resolves with.
#[derive(Clone, Copy, PartialEq)]
enum Want {
    Token,
    Info,
}

struct Waiter {
    id: WaiterId,
    want: Want,
    resolve: Function,
    reject: Function,
}

const EVENTS: [&str; 5] = ["token", "error", "state", "expired", "loggedOut"];

struct Subscriber {
    id: u32,
    event: usize,
    f: Function,
}

struct Inner {
    machine: RefCell<Machine>,
    opts: Options,
    waiters: RefCell<Vec<Waiter>>,
    listeners: RefCell<Vec<Subscriber>>,
    next_listener: Cell<u32>,
    fetches: RefCell<Vec<(OpId, web_sys::AbortController)>>,
    /// The armed timer and the deadline it was armed for.
    timer: RefCell<Option<(Millis, Timeout)>>,
    /// The current token as a JS string, made once per token (hot path of `getToken`).
    token_js: RefCell<JsValue>,
    /// `Promise.resolve(token)`, made once per token: the hot path returns it as is.
    token_promise: RefCell<Option<Promise>>,
    storage: RefCell<Storage>,
    /// The cross-tab bus and Web Locks, when `crossTab` is on and the platform has them.
    bus: Option<Bus>,
    locks: Option<JsValue>,
    /// Lifecycle and bus listeners, removed on dispose.
    hooks: RefCell<Vec<platform::Listener>>,
    /// Releases this manager's presence lock (held while it lives, so starting tabs can
    /// tell whether any peer could answer them).
    presence: RefCell<Option<Function>>,
    /// Names the bus, the locks and the marker: `storageKey` plus the endpoint URL.
    scope: String,
}

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
        let (mut opts, cfg) = options::read(&options).map_err(|e| error_to_js(&e))?;
        let machine = Machine::new(cfg).map_err(|e| error_to_js(&e))?;
        let storage = std::mem::replace(&mut opts.storage, Storage::Memory);
        // Managers share tokens across tabs only with the same storageKey and endpoint.
        let endpoint = match &opts.source {
            Source::Endpoint(e) => e.url.as_str(),
            Source::Callback(_) => "",
        };
        let scope = ["chat-token-manager:", &opts.storage_key, "|", endpoint].concat();
        let bus = if opts.cross_tab { Bus::open(&scope) } else { None };
        let locks = bus.as_ref().and_then(|_| platform::web_locks());
        let inner = Rc::new(Inner {
            machine: RefCell::new(machine),
            opts,
            waiters: RefCell::new(Vec::new()),
            listeners: RefCell::new(Vec::new()),
            next_listener: Cell::new(0),
            fetches: RefCell::new(Vec::new()),
            timer: RefCell::new(None),
            token_js: RefCell::new(JsValue::UNDEFINED),
            token_promise: RefCell::new(None),
            storage: RefCell::new(storage),
            bus,
            locks,
            hooks: RefCell::new(Vec::new()),
            presence: RefCell::new(None),
            scope,
        });
        for w in &inner.opts.warnings {
            inner.log(Level::Warn, w, None);
        }
        inner.install_hooks();
        Ok(TokenManager { inner })
    }

    /// Fetches a token and logs in. Idempotent; concurrent calls share one fetch.
    #[wasm_bindgen(unchecked_return_type = "Promise<TokenInfo>")]
    pub fn start(&self) -> Promise {
        let now = self.inner.now();
        let r = self.inner.machine.borrow_mut().start(now);
        self.inner.answer(r, Want::Info)
    }

    /// A valid token, fetching one if needed. Concurrent calls share one fetch.
    #[wasm_bindgen(js_name = getToken, unchecked_return_type = "Promise<string>")]
    pub fn get_token(&self) -> Promise {
        let now = self.inner.now();
        let r = self.inner.machine.borrow_mut().get_token(now);
        if let Ok(Request::Ready) = r {
            if let Some(p) = &*self.inner.token_promise.borrow() {
                return p.clone();
            }
        }
        self.inner.answer(r, Want::Token)
    }

    /// Forces a refresh (joins one in flight).
    #[wasm_bindgen(unchecked_return_type = "Promise<TokenInfo>")]
    pub fn refresh(&self) -> Promise {
        let now = self.inner.now();
        let r = self.inner.machine.borrow_mut().refresh(now);
        self.inner.answer(r, Want::Info)
    }

    /// Call when the chat service rejected a token (401, auth error, disconnect). With the
    /// rejected token as `staleToken`, a token that was already rotated costs no request.
    #[wasm_bindgen(js_name = handleUnauthorized, unchecked_return_type = "Promise<TokenInfo>")]
    pub fn handle_unauthorized(&self, #[wasm_bindgen(js_name = staleToken)] stale_token: Option<String>) -> Promise {
        let now = self.inner.now();
        let r = self.inner.machine.borrow_mut().handle_unauthorized(now, stale_token.as_deref());
        self.inner.answer(r, Want::Info)
    }

    /// Ends the session: cancels timers and in-flight work (whose results are discarded),
    /// rejects waiting callers with `discarded`, and calls the `logout` option.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn logout(&self) -> Promise {
        let now = self.inner.now();
        let r = self.inner.machine.borrow_mut().logout(now);
        self.inner.drive();
        if let (Ok(true), Some(bus)) = (&r, &self.inner.bus) {
            self.inner.set_marker(None);
            bus.post(&Message::Logout);
        }
        match r {
            Err(e) => Promise::reject(&error_to_js(&e)),
            Ok(false) => Promise::resolve(&JsValue::UNDEFINED),
            Ok(true) => match &self.inner.opts.logout {
                None => Promise::resolve(&JsValue::UNDEFINED),
                Some(f) => match f.call0(&JsValue::NULL) {
                    Ok(v) => wasm_bindgen_futures::future_to_promise(async move {
                        JsFuture::from(Promise::resolve(&v)).await?;
                        Ok(JsValue::UNDEFINED)
                    }),
                    Err(e) => Promise::reject(&e),
                },
            },
        }
    }

    /// Stops everything for good. Idempotent; later calls reject with `disposed`.
    /// `free()` and `[Symbol.dispose]()` dispose too.
    pub fn dispose(&self) {
        self.inner.dispose();
    }

    /// Subscribes to `'token' | 'error' | 'state' | 'expired' | 'loggedOut'`; returns the
    /// unsubscribe function. Listener exceptions are caught and logged.
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, event: &str, listener: JsValue) -> Result<Function, JsValue> {
        let Some(idx) = EVENTS.iter().position(|e| *e == event) else {
            return Err(error_to_js(&TokenError::invalid_option("event", "'token', 'error', 'state', 'expired' or 'loggedOut'")));
        };
        let f: Function = listener
            .dyn_into()
            .map_err(|_| error_to_js(&TokenError::invalid_option("listener", "a function")))?;
        let id = self.inner.next_listener.get() + 1;
        self.inner.next_listener.set(id);
        self.inner.listeners.borrow_mut().push(Subscriber { id, event: idx, f });
        let weak = Rc::downgrade(&self.inner);
        let off = Closure::once_into_js(move || {
            if let Some(inner) = weak.upgrade() {
                inner.listeners.borrow_mut().retain(|l| l.id != id);
            }
        });
        Ok(off.unchecked_into())
    }

    /// The current state.
    #[wasm_bindgen(getter, unchecked_return_type = "TokenManagerState")]
    pub fn state(&self) -> JsValue {
        self.inner.machine.borrow().state().as_str().into()
    }

    /// A token-free view for diagnostics and UIs.
    #[wasm_bindgen(unchecked_return_type = "TokenManagerSnapshot")]
    pub fn snapshot(&self) -> JsValue {
        js::snapshot_to_js(&self.inner.machine.borrow().snapshot())
    }
}

impl Drop for TokenManager {
    fn drop(&mut self) {
        self.inner.dispose();
    }
}

impl Inner {
    /// The manager's clock: the `now` option, else `Date.now()`.
    fn now(&self) -> Millis {
        let t = match &self.opts.now {
            Some(f) => f.call0(&JsValue::NULL).ok().and_then(|v| v.as_f64()).filter(|t| t.is_finite() && *t >= 0.0),
            None => None,
        };
        t.unwrap_or_else(js_sys::Date::now).min(chat_token_core::parse::MAX_TIME_MS as f64) as Millis
    }

    /// Turns a core answer into the promise a method returns, then drives the core.
    fn answer(self: &Rc<Self>, r: Result<Request, TokenError>, want: Want) -> Promise {
        let promise = match r {
            Ok(Request::Ready) => {
                let token = self.token_js.borrow().clone();
                match (want, self.machine.borrow().current()) {
                    (Want::Info, Some(info)) => Promise::resolve(&info_to_js(info, &token)),
                    _ => Promise::resolve(&token),
                }
            }
            Ok(Request::Wait(id)) => {
                let mut slot = None;
                let p = Promise::new(&mut |resolve, reject| slot = Some((resolve, reject)));
                if let Some((resolve, reject)) = slot {
                    self.waiters.borrow_mut().push(Waiter { id, want, resolve, reject });
                }
                p
            }
            Err(e) => Promise::reject(&error_to_js(&e)),
        };
        self.drive();
        promise
    }

    fn dispose(self: &Rc<Self>) {
        self.machine.borrow_mut().dispose();
        self.drive();
        self.timer.borrow_mut().take();
        self.listeners.borrow_mut().clear();
        self.hooks.borrow_mut().clear();
        if let Some(bus) = &self.bus {
            bus.close();
        }
        if let Some(release) = self.presence.borrow_mut().take() {
            let _ = release.call0(&JsValue::NULL);
        }
    }

    /// Wake-up, network and cross-tab listeners (only those the platform has).
    fn install_hooks(self: &Rc<Self>) {
        let mut hooks = Vec::new();
        let hook = |target: &JsValue, event: &'static str, f: fn(&Rc<Inner>, JsValue)| {
            let weak = Rc::downgrade(self);
            platform::Listener::add(target, event, move |ev| {
                if let Some(inner) = weak.upgrade() {
                    f(&inner, ev);
                }
            })
        };
        let global = js_sys::global().into();
        hooks.extend(hook(&global, "online", |i, _| i.with_machine(|m, now| m.set_online(now, true))));
        hooks.extend(hook(&global, "offline", |i, _| i.with_machine(|m, now| m.set_online(now, false))));
        hooks.extend(hook(&global, "focus", |i, _| i.with_machine(Machine::resume)));
        hooks.extend(hook(&global, "pageshow", |i, _| i.with_machine(Machine::resume)));
        hooks.extend(hook(&platform::global("document"), "visibilitychange", |i, _| {
            if platform::visible() {
                i.with_machine(Machine::resume)
            }
        }));
        if let Some(bus) = &self.bus {
            let weak = Rc::downgrade(self);
            hooks.extend(bus.listen(move |m| {
                if let Some(inner) = weak.upgrade() {
                    inner.on_tab_message(m);
                }
            }));
        }
        *self.hooks.borrow_mut() = hooks;
        if let Some(locks) = &self.locks {
            let name = [self.scope.as_str(), ":tab:"].concat();
            let own = [name.as_str(), &((js_sys::Math::random() * 1e15) as u64).to_string()].concat();
            let weak = Rc::downgrade(self);
            let hold = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
                Promise::new(&mut |resolve, _| {
                    if let Some(inner) = weak.upgrade() {
                        *inner.presence.borrow_mut() = Some(resolve);
                    }
                })
                .into()
            });
            let _ = platform::call(locks, "request", &[&own.into(), &hold]);
        }
        if platform::reports_offline() {
            self.with_machine(|m, now| m.set_online(now, false));
        }
    }

    /// Runs one core input at the current time, then drives.
    fn with_machine(self: &Rc<Self>, f: impl FnOnce(&mut Machine, Millis)) {
        let now = self.now();
        f(&mut self.machine.borrow_mut(), now);
        self.drive();
    }

    fn on_tab_message(self: &Rc<Self>, m: Message) {
        let now = self.now();
        match m {
            Message::Token(entry) => self.with_machine(|m, now| {
                m.handle_tab_token(now, &entry);
            }),
            Message::Hello => {
                let entry = self.machine.borrow().usable_token(now).and_then(stored::format);
                if let (Some(entry), Some(bus)) = (entry, &self.bus) {
                    bus.post(&Message::Token(entry));
                }
            }
            Message::Logout => {
                let ended = self.machine.borrow_mut().logout(now);
                self.drive();
                if let Ok(true) = ended {
                    self.app_logout_detached();
                }
            }
        }
    }

    /// Calls the app's `logout` without waiting for it (another tab's logout, or undoing a
    /// login that succeeded after `logout()`): a rejection has nobody to report to.
    fn app_logout_detached(&self) {
        if let Some(Ok(v)) = self.opts.logout.as_ref().map(|f| f.call0(&JsValue::NULL)) {
            detach(v);
        }
    }

    fn marker_key(&self) -> String {
        [self.scope.as_str(), ":cycle"].concat()
    }

    /// Whether another live manager of this scope holds its presence lock (`true` where
    /// Web Locks are missing: then nobody can tell).
    async fn peers_alive(&self) -> bool {
        let Some(locks) = &self.locks else { return true };
        let Ok(query) = platform::call(locks, "query", &[]) else { return true };
        let Ok(state) = JsFuture::from(Promise::resolve(&query)).await else { return true };
        let prefix = [self.scope.as_str(), ":tab:"].concat();
        let held = js_sys::Array::from(&get(&state, "held"));
        let count = held.iter().filter(|l| get(l, "name").as_string().is_some_and(|n| n.starts_with(&prefix))).count();
        count > usize::from(self.presence.borrow().is_some())
    }

    /// The cross-tab marker in `localStorage`: `issuedAt:expiresAt` of the newest token any tab
    /// fetched (never the token). Written before a fetching tab releases the lock.
    fn set_marker(&self, entry: Option<&stored::Stored>) {
        let Some(local) = platform::local_storage() else { return };
        let key = JsValue::from_str(&self.marker_key());
        let _ = match entry {
            Some(s) => {
                let value = [s.issued_at.to_string(), s.expires_at.to_string()].join(":");
                platform::call(&local, "setItem", &[&key, &value.into()])
            }
            None => platform::call(&local, "removeItem", &[&key]),
        };
    }

    /// Whether another tab fetched a usable token newer than this tab's (so this tab should
    /// ask for it instead of fetching).
    fn peer_has_newer_token(&self, now: Millis) -> bool {
        let Some(local) = platform::local_storage() else { return false };
        let marker = platform::call(&local, "getItem", &[&self.marker_key().into()]).ok().and_then(|v| v.as_string());
        let Some((issued, expires)) = marker.as_deref().and_then(|m| m.split_once(':')) else { return false };
        let (Ok(issued), Ok(expires)) = (issued.parse::<Millis>(), expires.parse::<Millis>()) else { return false };
        let mine = self.machine.borrow().current().map_or(0, |i| i.issued_at);
        issued > mine && expires > issued && now < schedule::usable_until(issued, expires)
    }

    fn storage_op(self: &Rc<Self>, method: &'static str, value: Option<&str>) -> Option<Promise> {
        let backend = match &*self.storage.borrow() {
            Storage::Memory => return None,
            Storage::Backend(b) => b.clone(),
        };
        let key = JsValue::from_str(&self.opts.storage_key);
        let value = value.map(JsValue::from_str);
        let args: Vec<&JsValue> = std::iter::once(&key).chain(value.as_ref()).collect();
        match platform::call(&backend, method, &args) {
            Ok(v) => Some(Promise::resolve(&v)),
            Err(_) => {
                self.degrade_storage();
                None
            }
        }
    }

    /// A storage that throws or rejects is replaced by memory, with one warning.
    fn degrade_storage(&self) {
        let was_backend = matches!(std::mem::replace(&mut *self.storage.borrow_mut(), Storage::Memory), Storage::Backend(_));
        if was_backend {
            self.log(Level::Warn, "token storage failed; keeping tokens in memory from now on", None);
        }
    }

    /// Runs a storage write or removal in the background; a rejection degrades to memory.
    fn storage_write(self: &Rc<Self>, method: &'static str, value: Option<&str>) {
        if let Some(p) = self.storage_op(method, value) {
            let inner = Rc::clone(self);
            spawn_local(async move {
                if JsFuture::from(p).await.is_err() {
                    inner.degrade_storage();
                }
            });
        }
    }

    /// Drains the core's actions (never holding a borrow across a JS call), then re-arms the timer.
    fn drive(self: &Rc<Self>) {
        loop {
            let action = self.machine.borrow_mut().poll_action();
            match action {
                Some(action) => self.act(action),
                None => break,
            }
        }
        self.rearm();
    }

    fn rearm(self: &Rc<Self>) {
        let deadline = self.machine.borrow().poll_timeout();
        let Some(deadline) = deadline else {
            self.timer.borrow_mut().take();
            return;
        };
        if matches!(&*self.timer.borrow(), Some((armed, _)) if *armed == deadline) {
            return;
        }
        let delay = deadline.saturating_sub(self.now()).min(WATCHDOG_MS);
        let weak: Weak<Inner> = Rc::downgrade(self);
        let timeout = Timeout::new(delay as u32, move || {
            if let Some(inner) = weak.upgrade() {
                inner.timer.borrow_mut().take();
                inner.with_machine(Machine::handle_timeout);
            }
        });
        *self.timer.borrow_mut() = Some((deadline, timeout));
    }

    fn act(self: &Rc<Self>, action: Action) {
        match action {
            Action::Fetch { op, reason, attempt } => self.start_fetch(op, reason.as_str(), attempt),
            Action::AbortFetch { op } => {
                let found = {
                    let mut fetches = self.fetches.borrow_mut();
                    fetches.iter().position(|(o, _)| *o == op).map(|i| fetches.swap_remove(i).1)
                };
                if let Some(controller) = found {
                    controller.abort();
                }
            }
            Action::Login { op, info } => self.start_login(op, &info),
            Action::UndoLogin => self.app_logout_detached(),
            Action::LoadStored => {
                let pending = self.storage_op("getItem", None);
                let inner = Rc::clone(self);
                spawn_local(async move {
                    let entry = match pending {
                        Some(p) => match JsFuture::from(p).await {
                            Ok(v) => v.as_string(),
                            Err(_) => {
                                inner.degrade_storage();
                                None
                            }
                        },
                        None => None,
                    };
                    inner.with_machine(|m, now| m.handle_stored(now, entry.as_deref()));
                });
            }
            Action::Persist(entry) => self.storage_write("setItem", Some(&entry)),
            Action::ClearStored => self.storage_write("removeItem", None),
            Action::Share(entry) => {
                if let Some(bus) = &self.bus {
                    self.set_marker(stored::parse(&entry).as_ref());
                    bus.post(&Message::Token(entry));
                }
            }
            Action::Settle { waiters, result } => self.settle(&waiters, &result),
            Action::Emit(event) => self.emit(event),
            Action::Log { level, message, code } => self.log(level, message, code),
        }
    }

    fn settle(&self, ids: &[WaiterId], result: &Result<TokenInfo, TokenError>) {
        let mut settled = Vec::with_capacity(ids.len());
        self.waiters.borrow_mut().retain_mut(|w| {
            if ids.binary_search(&w.id).is_ok() {
                settled.push(Waiter { id: w.id, want: w.want, resolve: w.resolve.clone(), reject: w.reject.clone() });
                false
            } else {
                true
            }
        });
        match result {
            Ok(info) => {
                let token = self.token_js.borrow().clone();
                let info_js = settled.iter().any(|w| w.want == Want::Info).then(|| info_to_js(info, &token));
                for w in settled {
                    let value = if w.want == Want::Token { &token } else { info_js.as_ref().unwrap_or(&token) };
                    let _ = w.resolve.call1(&JsValue::NULL, value);
                }
            }
            Err(e) => {
                let err = error_to_js(e);
                for w in settled {
                    let _ = w.reject.call1(&JsValue::NULL, &err);
                }
            }
        }
    }

    fn emit(&self, event: Event) {
        let (idx, payload, callback) = match event {
            Event::Token(info) => {
                let token = JsValue::from_str(&info.token);
                *self.token_js.borrow_mut() = token.clone();
                *self.token_promise.borrow_mut() = Some(Promise::resolve(&token));
                (0, info_to_js(&info, &token), self.opts.on_token_refresh.as_ref())
            }
            Event::Error(e) => (1, error_to_js(&e), self.opts.on_refresh_error.as_ref()),
            Event::State(s) => (2, JsValue::from_str(s.as_str()), None),
            Event::Expired => (3, JsValue::UNDEFINED, None),
            Event::LoggedOut => {
                *self.token_js.borrow_mut() = JsValue::UNDEFINED;
                self.token_promise.borrow_mut().take();
                (4, JsValue::UNDEFINED, None)
            }
        };
        let targets: Vec<Function> = self.listeners.borrow().iter().filter(|l| l.event == idx).map(|l| l.f.clone()).collect();
        for f in callback.into_iter().chain(targets.iter()) {
            if f.call1(&JsValue::NULL, &payload).is_err() {
                self.log(Level::Error, "an event listener threw; the manager carries on", Some(EVENTS[idx]));
            }
        }
    }

    fn log(&self, level: Level, message: &'static str, code: Option<&'static str>) {
        const PREFIX: &str = "[chat-token-manager]";
        let code = code.map_or(JsValue::UNDEFINED, JsValue::from_str);
        match &self.opts.logger {
            Logger::Silent => {}
            Logger::Console => match level {
                Level::Warn => js::console_warn(PREFIX, message, &code),
                Level::Error => js::console_error(PREFIX, message, &code),
                Level::Debug | Level::Info => {}
            },
            Logger::Custom(logger) => {
                let name = match level {
                    Level::Debug => "debug",
                    Level::Info => "info",
                    Level::Warn => "warn",
                    Level::Error => "error",
                };
                if let Some(f) = get_fn(logger, name) {
                    let _ = f.call3(logger, &PREFIX.into(), &message.into(), &code);
                }
            }
        }
    }

    fn start_fetch(self: &Rc<Self>, op: OpId, reason: &'static str, attempt: u32) {
        let controller = match web_sys::AbortController::new() {
            Ok(c) => c,
            Err(_) => {
                let now = self.now();
                self.machine.borrow_mut().handle_fetch_failed(now, op, TokenError::new(ErrorKind::Network));
                return;
            }
        };
        let signal: JsValue = controller.signal().into();
        self.fetches.borrow_mut().push((op, controller));
        let Some(locks) = &self.locks else {
            // No Web Locks (or no cross-tab): no election, but a tab still asks its peers first.
            return spawn_local(Rc::clone(self).ask_then_fetch(op, reason, attempt, signal));
        };
        // Cross-tab: fetch only while holding the origin-wide lock. A tab that finds a newer
        // token from another tab asks for it instead. The lock is held until the fetch settles
        // or its signal aborts (fetch timeout, logout, dispose), never longer; a retry steals
        // the lock from a frozen holder.
        let inner = Rc::clone(self);
        let lock_signal = signal.clone();
        let granted = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
            if !inner.fetch_pending(op) {
                return JsValue::UNDEFINED;
            }
            let aborted = Promise::new(&mut |resolve, _| {
                let _ = platform::call(&signal, "addEventListener", &[&"abort".into(), &resolve]);
            });
            let fetched = wasm_bindgen_futures::future_to_promise(async move {
                inner.ask_then_fetch(op, reason, attempt, signal).await;
                Ok(JsValue::UNDEFINED)
            });
            Promise::race(&js_sys::Array::of2(&fetched, &aborted)).into()
        });
        let opts = Object::new();
        if attempt > 1 {
            set(&opts, "steal", &true.into());
        } else {
            set(&opts, "signal", &lock_signal);
        }
        let name = JsValue::from_str(&self.scope);
        if let Ok(p) = platform::call(locks, "request", &[&name, &opts, &granted]) {
            // An aborted wait rejects; the core already moved on.
            detach(p);
        }
    }

    fn fetch_pending(&self, op: OpId) -> bool {
        self.fetches.borrow().iter().any(|(o, _)| *o == op)
    }

    /// If another tab fetched a newer usable token, asks the tabs for it first: an answer
    /// arrives as a tab token and supersedes this fetch. Nobody answering (those tabs closed)
    /// costs a short wait, then this tab fetches.
    async fn ask_then_fetch(self: Rc<Self>, op: OpId, reason: &'static str, attempt: u32, signal: JsValue) {
        if let (1, Some(bus)) = (attempt, &self.bus) {
            if self.peer_has_newer_token(self.now()) && self.peers_alive().await {
                bus.post(&Message::Hello);
                let wait = (self.machine.borrow().fetch_timeout_ms() / 4).min(PEER_WAIT_MS);
                gloo_timers::future::TimeoutFuture::new(wait as u32).await;
                if !self.fetch_pending(op) {
                    return;
                }
            }
        }
        self.run_fetch(op, reason, attempt, signal).await;
    }

    /// Calls `fetchToken` (or the built-in fetch) and reports the outcome to the core.
    async fn run_fetch(self: Rc<Self>, op: OpId, reason: &'static str, attempt: u32, signal: JsValue) {
        let call: Result<JsValue, JsValue> = match &self.opts.source {
            Source::Callback(f) => {
                let ctx = Object::new();
                set(&ctx, "reason", &reason.into());
                set(&ctx, "attempt", &attempt.into());
                set(&ctx, "signal", &signal);
                let previous = self.machine.borrow().current().map_or(JsValue::NULL, |i| info_to_js(i, &self.token_js.borrow()));
                set(&ctx, "previous", &previous);
                f.call1(&JsValue::NULL, &ctx)
            }
            Source::Endpoint(_) => Ok(JsValue::UNDEFINED),
        };
        let outcome = match call {
            Err(thrown) => Err(thrown),
            Ok(v) => match &self.opts.source {
                Source::Callback(_) => JsFuture::from(Promise::resolve(&v)).await,
                Source::Endpoint(e) => endpoint_fetch(e, &signal).await,
            },
        };
        self.fetch_settled(op, outcome).await;
    }

    async fn fetch_settled(self: &Rc<Self>, op: OpId, outcome: Result<JsValue, JsValue>) {
        self.fetches.borrow_mut().retain(|(o, _)| *o != op);
        let result: Result<(JsValue, Option<Millis>), TokenError> = match outcome {
            Err(thrown) => Err(thrown_to_error(&thrown, self.now())),
            Ok(v) if is_response(&v) => read_response(v.unchecked_into(), self.now()).await,
            Ok(v) => Ok((v, None)),
        };
        self.with_machine(|m, now| match result {
            Ok((body, date)) => m.handle_fetch_response_dated(now, op, &JsFields(body), date),
            Err(e) => m.handle_fetch_failed(now, op, e),
        });
    }

    fn start_login(self: &Rc<Self>, op: OpId, info: &TokenInfo) {
        let Some(login) = &self.opts.login else { return };
        let token = JsValue::from_str(&info.token);
        let call = login.call2(&JsValue::NULL, &token, &info_to_js(info, &token));
        let inner = Rc::clone(self);
        spawn_local(async move {
            let outcome = match call {
                Ok(v) => JsFuture::from(Promise::resolve(&v)).await,
                Err(e) => Err(e),
            };
            let result = match outcome {
                Ok(_) => LoginResult::Ok,
                Err(e) if is_login_in_progress(&e) => LoginResult::InProgress,
                Err(_) => LoginResult::Failed,
            };
            inner.with_machine(|m, now| m.handle_login_result(now, op, result));
        });
    }
}

/// Lets a promise (or value) settle in the background, swallowing a rejection.
fn detach(v: JsValue) {
    spawn_local(async move {
        let _ = JsFuture::from(Promise::resolve(&v)).await;
    });
}

/// Runs the built-in fetch for the `endpoint` option.
async fn endpoint_fetch(e: &options::Endpoint, signal: &JsValue) -> Result<JsValue, JsValue> {
    let mut headers = e.headers.clone();
    if let Ok(f) = headers.clone().dyn_into::<Function>() {
        headers = JsFuture::from(Promise::resolve(&f.call0(&JsValue::NULL)?)).await?;
    }
    let init = options::request_init(e, &headers, signal);
    JsFuture::from(js::global_fetch(&e.url, &init)?).await
}

fn is_response(v: &JsValue) -> bool {
    get(v, "status").as_f64().is_some() && get_fn(v, "json").is_some()
}

/// Reads a fetch `Response`: status, `Retry-After`, the `Date` header (for clock skew) and
/// the JSON body.
async fn read_response(res: ResponseLike, now: Millis) -> Result<(JsValue, Option<Millis>), TokenError> {
    let status = res.status().as_f64().unwrap_or(0.0) as u16;
    let headers = res.headers();
    if (200..300).contains(&status) {
        let date = header(&headers, "date").and_then(|d| parse_http_date(&d));
        let json = res.json().map_err(|_| invalid_json())?;
        return JsFuture::from(json).await.map(|body| (body, date)).map_err(|_| invalid_json());
    }
    if status == 0 {
        return Err(TokenError::new(ErrorKind::Network));
    }
    let retry_after = header(&headers, "retry-after").and_then(|v| parse_retry_after(&v, now));
    Err(TokenError::from_status(status, retry_after))
}

/// `headers.get(name)` on a `Headers` (or anything with a `get`), as a string.
fn header(headers: &JsValue, name: &str) -> Option<String> {
    platform::call(headers, "get", &[&name.into()]).ok()?.as_string()
}

fn invalid_json() -> TokenError {
    TokenError::invalid_response("body", "is not valid JSON")
}

/// An exception from `fetchToken`: classified by its numeric `status` when it has one
/// (with `retryAfterMs` or a `Retry-After` header); otherwise a transient network error.
fn thrown_to_error(thrown: &JsValue, now: Millis) -> TokenError {
    let Some(status) = get(thrown, "status").as_f64().filter(|s| (100.0..600.0).contains(s)) else {
        return TokenError::new(ErrorKind::Network);
    };
    let retry_after = get(thrown, "retryAfterMs")
        .as_f64()
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
        .map(|ms| ms as Millis)
        .or_else(|| header(&get(thrown, "headers"), "retry-after").and_then(|v| parse_retry_after(&v, now)));
    TokenError::from_status(status as u16, retry_after)
}

/// CometChat rejects a second concurrent login with code/name `LOGIN_IN_PROGRESS`
/// ("Please wait until the previous login request ends.").
fn is_login_in_progress(e: &JsValue) -> bool {
    ["name", "code"].iter().any(|k| get(e, k).as_string().is_some_and(|s| s == "LOGIN_IN_PROGRESS"))
}
