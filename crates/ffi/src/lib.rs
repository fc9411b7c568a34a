//! `chat-token-manager`'s sans-IO core as a native library, through [uniffi] procedural
//! macros: the shape `uniffi-bindgen-react-native` turns into a React Native Turbo Module,
//! and that uniffi's own bindgen turns into Python, Swift and Kotlin.
//!
//! The host (the app's native or JavaScript side) implements [`TokenHost`]: it makes the
//! token request, logs the chat SDK in and out, keeps the persisted entry and receives
//! events. Every input carries the host's clock (`now_ms`, epoch milliseconds) and the host
//! arms one timer for [`TokenManager::next_deadline_ms`], calling
//! [`TokenManager::handle_timeout`] when it fires — the core never reads a clock, so tests
//! run hours of token lifetime deterministically.
//!
//! ```
//! use std::future::Future;
//! use std::sync::{Arc, Mutex};
//! use std::task::{Context, Poll, Waker};
//! use chat_token_ffi::*;
//!
//! #[derive(Default)]
//! struct Host { fetches: Mutex<Vec<FetchRequest>> }
//! impl TokenHost for Host {
//!     fn fetch_token(&self, r: FetchRequest) -> Result<(), HostError> { self.fetches.lock().unwrap().push(r); Ok(()) }
//!     fn abort_fetch(&self, _op: u64) -> Result<(), HostError> { Ok(()) }
//!     fn login(&self, _op: u64, _t: TokenInfo) -> Result<(), HostError> { Ok(()) }
//!     fn logout(&self) -> Result<(), HostError> { Ok(()) }
//!     fn load_stored(&self) -> Result<(), HostError> { Ok(()) }
//!     fn save_stored(&self, _e: String) -> Result<(), HostError> { Ok(()) }
//!     fn clear_stored(&self) -> Result<(), HostError> { Ok(()) }
//!     fn on_event(&self, _e: TokenEvent) -> Result<(), HostError> { Ok(()) }
//!     fn log(&self, _l: LogLevel, _m: String, _c: Option<String>) -> Result<(), HostError> { Ok(()) }
//! }
//!
//! let host = Arc::new(Host::default());
//! let options = ManagerOptions::default(); // every option the core's default
//! let m = TokenManager::new(options, host.clone()).unwrap();
//! let now = 1_700_000_000_000;
//! // A future: under React Native a Promise, in Python a coroutine. Polled once here.
//! let mut waiting = std::pin::pin!(m.get_token(now));
//! let mut cx = Context::from_waker(Waker::noop());
//! assert!(waiting.as_mut().poll(&mut cx).is_pending());
//! let op = host.fetches.lock().unwrap()[0].op; // the host makes the request...
//! let body = r#"{"authToken":"tok-1","expiresIn":3600}"#.to_string();
//! m.fetch_finished(now + 40, op, FetchOutcome::Http { status: 200, body, retry_after: None, date: None });
//! let Poll::Ready(Ok(info)) = waiting.as_mut().poll(&mut cx) else { unreachable!() };
//! assert_eq!(info.token, "tok-1");
//! // Refresh 5 min (+ up to 30 s jitter) before the hour is up.
//! let at = m.next_deadline_ms().unwrap();
//! assert!(at <= now + 40 + 3_300_000 && at >= now + 40 + 3_270_000);
//! ```
#![deny(missing_docs)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chat_token_core::{
    parse::{parse_http_date, parse_retry_after},
    Action, ErrorKind, Fields, Machine, OpId, Request, TokenError, Value,
};

mod host;
mod oneshot;
mod options;

pub use host::{AppState, FetchOutcome, FetchRequest, HostError, TokenResponse};
pub use options::{ManagerOptions, RetryOptions};
// The core's own types cross the boundary (their uniffi derives are behind the core's `uniffi`
// feature), under the names the bindings give them.
pub use chat_token_core::{
    ErrorKind as TokenManagerError, Event as TokenEvent, Level as LogLevel, LoginResult as LoginOutcome, Reason, Snapshot,
    Source, State as ManagerState, TokenError as ErrorInfo, TokenInfo,
};

uniffi::setup_scaffolding!();

/// What the app provides: the token request, the chat SDK's login and logout, storage and
/// event delivery. Implemented in the foreign language (TypeScript under React Native,
/// Python in this repo's tests).
///
/// Every method is called with no lock held, so it may call back into the manager at once
/// (e.g. answer `fetch_token` synchronously). Errors are absorbed, never fed back as data:
/// see [`HostError`].
#[uniffi::export(with_foreign)]
pub trait TokenHost: Send + Sync {
    /// Start a token request; answer later with [`TokenManager::fetch_finished`] and
    /// `request.op`.
    fn fetch_token(&self, request: FetchRequest) -> Result<(), HostError>;
    /// Abort request `op` (timeout, logout, dispose); its answer will be ignored anyway.
    fn abort_fetch(&self, op: u64) -> Result<(), HostError>;
    /// Log the chat SDK in with `token`; answer with [`TokenManager::login_finished`] and `op`.
    /// Only called when `ManagerOptions::login` is `Some(true)`.
    fn login(&self, op: u64, token: TokenInfo) -> Result<(), HostError>;
    /// Log the chat SDK out (after `logout()`, or to undo a login that finished after it).
    fn logout(&self) -> Result<(), HostError>;
    /// Read the persisted entry; answer with [`TokenManager::stored_loaded`]. Only with
    /// `ManagerOptions::persist` `Some(true)`.
    fn load_stored(&self) -> Result<(), HostError>;
    /// Persist `entry` (it contains the token: use secure storage).
    fn save_stored(&self, entry: String) -> Result<(), HostError>;
    /// Remove the persisted entry.
    fn clear_stored(&self) -> Result<(), HostError>;
    /// An event for the app's listeners.
    fn on_event(&self, event: TokenEvent) -> Result<(), HostError>;
    /// A log line: static text and an error code, never a token.
    fn log(&self, level: LogLevel, message: String, code: Option<String>) -> Result<(), HostError>;
}

struct Inner {
    machine: Machine,
    /// The host's clock at the last input: the time of results the manager makes up itself
    /// (a host callback that failed).
    now: u64,
    waiters: HashMap<u64, oneshot::Sender>,
    app_state: AppState,
}

/// The token manager: one per signed-in chat user.
#[derive(uniffi::Object)]
pub struct TokenManager {
    inner: Mutex<Inner>,
    host: Arc<dyn TokenHost>,
}

/// One thing to do for the host, taken from the machine under the lock and done after it.
enum Step {
    Settle(Vec<oneshot::Sender>, Result<TokenInfo, TokenManagerError>),
    Fetch(FetchRequest),
    Other(Action),
}

#[uniffi::export]
impl TokenManager {
    /// A manager in `Idle` (nothing is fetched until a token is asked for or `start`), or
    /// `InvalidOptions` naming the bad field.
    #[uniffi::constructor]
    pub fn new(options: ManagerOptions, host: Arc<dyn TokenHost>) -> Result<Arc<Self>, TokenManagerError> {
        let machine = options.to_config().and_then(Machine::new).map_err(|e| e.kind)?;
        let inner = Inner { machine, now: 0, waiters: HashMap::new(), app_state: AppState::Active };
        Ok(Arc::new(Self { inner: Mutex::new(inner), host }))
    }

    /// The current token if usable; otherwise joins (or starts) the one fetch in flight.
    /// Concurrent callers share one fetch and one login.
    pub async fn get_token(&self, now_ms: u64) -> Result<TokenInfo, TokenManagerError> {
        self.request(now_ms, |m| m.get_token(now_ms)).await
    }

    /// Begins a session (a new one after `logout()`); leaves `Failed`. Idempotent.
    pub async fn start(&self, now_ms: u64) -> Result<TokenInfo, TokenManagerError> {
        self.request(now_ms, |m| m.start(now_ms)).await
    }

    /// A forced refresh; joins one in flight.
    pub async fn refresh(&self, now_ms: u64) -> Result<TokenInfo, TokenManagerError> {
        self.request(now_ms, |m| m.refresh(now_ms)).await
    }

    /// The chat service rejected a token (`stale_token`, or the current one): one forced
    /// refresh per token, shared by concurrent callers.
    pub async fn handle_unauthorized(&self, now_ms: u64, stale_token: Option<String>) -> Result<TokenInfo, TokenManagerError> {
        self.request(now_ms, |m| m.handle_unauthorized(now_ms, stale_token.as_deref())).await
    }

    /// The current token if it may be handed out at `now_ms`, without fetching.
    pub fn current_token(&self, now_ms: u64) -> Option<TokenInfo> {
        self.lock().machine.usable_token(now_ms).cloned()
    }

    /// Ends the session: the fetch or login in flight is aborted and its late result
    /// discarded, waiting callers fail with `Discarded`, storage is cleared and the host's
    /// `logout` is called once.
    pub fn logout(&self, now_ms: u64) -> Result<(), TokenManagerError> {
        let ended = self.mutate(now_ms, |m| m.logout(now_ms)).map_err(|e| e.kind)?;
        self.pump();
        if ended && self.host.logout().is_err() {
            self.host_failed("the logout callback failed");
        }
        Ok(())
    }

    /// Ends everything for good; waiting callers fail with `Disposed`. Idempotent.
    pub fn dispose(&self) {
        let now = self.lock().now;
        self.mutate(now, |m| m.dispose());
        self.pump();
    }

    /// The answer to `TokenHost::fetch_token` for request `op`.
    pub fn fetch_finished(&self, now_ms: u64, op: u64, outcome: FetchOutcome) {
        let op = OpId(op);
        self.mutate(now_ms, |m| match outcome {
            FetchOutcome::Http { status, body, date, .. } if (200..300).contains(&status) => {
                match serde_json::from_str::<serde_json::Value>(&body) {
                    Ok(json) => m.handle_fetch_response(now_ms, op, &Json(json), date.as_deref().and_then(parse_http_date)),
                    Err(_) => m.handle_fetch_failed(now_ms, op, TokenError::invalid_response("body", "is not valid JSON")),
                }
            }
            FetchOutcome::Http { status: 0, .. } | FetchOutcome::NetworkError => {
                m.handle_fetch_failed(now_ms, op, TokenError::new(ErrorKind::Network))
            }
            FetchOutcome::Http { status, retry_after, .. } => {
                let retry_after_ms = retry_after.as_deref().and_then(|v| parse_retry_after(v, now_ms));
                m.handle_fetch_failed(now_ms, op, TokenError::from_status(status, retry_after_ms))
            }
            FetchOutcome::Token { response } => m.handle_fetch_response(now_ms, op, &response, None),
        });
        self.pump();
    }

    /// The answer to `TokenHost::login` for login `op`.
    pub fn login_finished(&self, now_ms: u64, op: u64, outcome: LoginOutcome) {
        self.mutate(now_ms, |m| m.handle_login_result(now_ms, OpId(op), outcome));
        self.pump();
    }

    /// The answer to `TokenHost::load_stored` (`None`: nothing stored).
    pub fn stored_loaded(&self, now_ms: u64, entry: Option<String>) {
        self.mutate(now_ms, |m| m.handle_stored(now_ms, entry.as_deref()));
        self.pump();
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next (epoch ms), if ever. `None`
    /// in the background: the watchdog stops until `set_app_state(Active)`.
    pub fn next_deadline_ms(&self) -> Option<u64> {
        let g = self.lock();
        match g.app_state {
            AppState::Active => g.machine.poll_timeout(),
            AppState::Background => None,
        }
    }

    /// The host's timer fired. Late or repeated calls are harmless.
    pub fn handle_timeout(&self, now_ms: u64) {
        self.mutate(now_ms, |m| m.handle_timeout(now_ms));
        self.pump();
    }

    /// React Native's `AppState`: `Background` stops the watchdog (timers freeze there on
    /// iOS); `Active` re-checks at once and refreshes (reason `Resume`) if the token is inside
    /// its refresh margin or expired.
    pub fn set_app_state(&self, now_ms: u64, state: AppState) {
        let mut g = self.lock();
        g.now = now_ms;
        g.app_state = state;
        if state == AppState::Active {
            g.machine.resume(now_ms);
        }
        drop(g);
        self.pump();
    }

    /// The network went away or came back (NetInfo). Offline, transient failures park instead
    /// of using up attempts; back online, a parked request goes out at once.
    pub fn set_online(&self, now_ms: u64, online: bool) {
        self.mutate(now_ms, |m| m.set_online(now_ms, online));
        self.pump();
    }

    /// A token-free view for diagnostics.
    pub fn snapshot(&self) -> Snapshot {
        self.lock().machine.snapshot()
    }
}

impl TokenManager {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies one input at `now` under the lock (actions are drained by [`pump`](Self::pump)).
    fn mutate<T>(&self, now: u64, f: impl FnOnce(&mut Machine) -> T) -> T {
        let mut g = self.lock();
        g.now = now;
        f(&mut g.machine)
    }

    /// A request for a token: ready at once, or a wait for the cycle it joined.
    async fn request(
        &self,
        now: u64,
        f: impl FnOnce(&mut Machine) -> Result<Request, TokenError>,
    ) -> Result<TokenInfo, TokenManagerError> {
        let waiting = {
            let mut g = self.lock();
            g.now = now;
            match f(&mut g.machine) {
                Ok(Request::Wait(w)) => {
                    let (tx, rx) = oneshot::channel();
                    g.waiters.insert(w.0, tx);
                    Ok(rx)
                }
                Ok(Request::Ready) => Err(g
                    .machine
                    .usable_token(now)
                    .or(g.machine.current())
                    .cloned()
                    .ok_or(TokenManagerError::Discarded)),
                Err(e) => Err(Err(e.kind)),
            }
        };
        self.pump();
        match waiting {
            Ok(rx) => rx.await,
            Err(done) => done,
        }
    }

    /// Does what the machine asked for, in order, each host call with the lock released.
    fn pump(&self) {
        loop {
            let step = {
                let mut g = self.lock();
                let Some(action) = g.machine.poll_action() else { break };
                match action {
                    Action::Settle { waiters, result } => Step::Settle(
                        waiters.iter().filter_map(|w| g.waiters.remove(&w.0)).collect(),
                        result.map_err(|e| e.kind),
                    ),
                    // The native bridge's host fetches every token (no refresh grant: `refresh_grant` is off).
                    Action::Fetch { op, reason, attempt, .. } => {
                        Step::Fetch(FetchRequest { op: op.0, reason, attempt, previous: g.machine.current().cloned() })
                    }
                    other => Step::Other(other),
                }
            };
            self.perform(step);
        }
    }

    fn perform(&self, step: Step) {
        let h = &self.host;
        match step {
            Step::Settle(senders, result) => {
                for tx in senders {
                    tx.send(result.clone());
                }
            }
            Step::Fetch(req) => {
                let op = OpId(req.op);
                if h.fetch_token(req).is_err() {
                    // Like a `fetchToken` that throws without a status: a network error.
                    self.host_failed("the fetch_token callback failed");
                    let now = self.lock().now;
                    self.mutate(now, |m| m.handle_fetch_failed(now, op, TokenError::new(ErrorKind::Network)));
                }
            }
            Step::Other(action) => match action {
                Action::AbortFetch { op } => {
                    let _ = h.abort_fetch(op.0);
                }
                Action::Login { op, info } => {
                    if h.login(op.0, info).is_err() {
                        self.host_failed("the login callback failed");
                        let now = self.lock().now;
                        self.mutate(now, |m| m.handle_login_result(now, op, LoginOutcome::Failed));
                    }
                }
                Action::UndoLogin => {
                    if h.logout().is_err() {
                        self.host_failed("the logout callback failed");
                    }
                }
                Action::LoadStored => {
                    if h.load_stored().is_err() {
                        self.host_failed("the load_stored callback failed; continuing without the stored token");
                        let now = self.lock().now;
                        self.mutate(now, |m| m.handle_stored(now, None));
                    }
                }
                // A token with a control character cannot be written as an entry: not persisted.
                Action::Persist(entry) => {
                    if let Some(entry) = chat_token_core::stored::format(&entry) {
                        if h.save_stored(entry).is_err() {
                            self.host_failed("the save_stored callback failed");
                        }
                    }
                }
                Action::ClearStored => {
                    if h.clear_stored().is_err() {
                        self.host_failed("the clear_stored callback failed");
                    }
                }
                Action::Emit(event) => {
                    // A listener's failure is never fed back into the state machine.
                    if h.on_event(event).is_err() {
                        self.host_failed("an event listener failed");
                    }
                }
                Action::Log { level, message, code } => {
                    let _ = h.log(level, message.into(), code.map(|c| c.as_str().into()));
                }
                // No tabs in a native app.
                Action::Share(_) => {}
                Action::Settle { .. } | Action::Fetch { .. } => {}
            },
        }
    }

    /// Reports a failed host callback (static text: the host's own error text may hold
    /// anything, so it is not repeated).
    fn host_failed(&self, message: &'static str) {
        let _ = self.host.log(LogLevel::Warn, message.into(), Some("host_error".into()));
    }
}

/// A JSON token response.
struct Json(serde_json::Value);

impl Fields for Json {
    fn is_object(&self) -> bool {
        self.0.is_object()
    }

    fn get(&self, path: &[&str]) -> Value {
        let mut v = &self.0;
        for key in path {
            match v.get(key) {
                Some(next) => v = next,
                None => return Value::Missing,
            }
        }
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Number(n) => n.as_f64().map_or(Value::Other, Value::Num),
            _ => Value::Other,
        }
    }
}
