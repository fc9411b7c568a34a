//! The token manager's state machine: inputs in, actions out.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use alloc::string::String;

use crate::error::{ErrorKind, TokenError};
use crate::parse::{parse_token_response, Fields};
use crate::schedule::{self, Rng};
use crate::stored;
use crate::Millis;

/// After a transient cycle gives up, the next attempt waits this long.
pub const COOLDOWN_MS: Millis = 60_000;
/// A 401 for a token minted less than this long ago is permanent (no refresh loop).
pub const FRESH_TOKEN_MS: Millis = 5_000;
/// Consecutive permanent failures after which the manager enters `failed`.
pub const MAX_PERMANENT_FAILURES: u32 = 3;
/// First delay before retrying a login that answered `LOGIN_IN_PROGRESS`; doubles up to
/// [`LOGIN_RETRY_MAX_MS`].
pub const LOGIN_RETRY_FIRST_MS: Millis = 250;
/// Upper bound of the `LOGIN_IN_PROGRESS` retry delay.
pub const LOGIN_RETRY_MAX_MS: Millis = 4_000;
/// A refresh timer firing this late means the host slept: the refresh's reason is `resume`.
pub const LATE_MS: Millis = 5_000;

/// Retry policy for transient failures.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// First backoff ceiling (doubles each attempt).
    pub base_delay_ms: Millis,
    /// Cap of the backoff ceiling.
    pub max_delay_ms: Millis,
    /// Attempts per refresh cycle, the first included.
    pub max_attempts: u32,
}

/// Options of the state machine (the JavaScript options minus the callbacks).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Refresh this long before expiry instead of the default 25 % clamped to [30 s, 5 min].
    pub refresh_margin_ms: Option<Millis>,
    /// Jitter, as a fraction of the margin, subtracted from the refresh time.
    pub jitter_ratio: f64,
    /// Lifetime of a token whose response says nothing about expiry.
    pub default_ttl_ms: Millis,
    /// Abort a token request after this long.
    pub fetch_timeout_ms: Millis,
    /// Bound on the whole login step for one token.
    pub login_timeout_ms: Millis,
    /// Backoff and attempts for transient failures.
    pub retry: RetryPolicy,
    /// Whether a login step follows each fetch (the app gave a `login` callback).
    pub login: bool,
    /// Seed of the jitter random source.
    pub seed: u64,
    /// Whether tokens are persisted (any storage but memory): the machine asks the shell to
    /// load an entry before the first fetch, to save each new token and to clear it on logout.
    pub persist: bool,
    /// Whether the app gave a refresh grant (`refreshEndpoint`): a refresh of a token that came
    /// with a refresh token posts that instead of asking the token source (see [`Grant`]).
    pub refresh_grant: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            refresh_margin_ms: None,
            jitter_ratio: 0.1,
            default_ttl_ms: 86_400_000,
            fetch_timeout_ms: 10_000,
            login_timeout_ms: 30_000,
            retry: RetryPolicy { base_delay_ms: 1_000, max_delay_ms: 60_000, max_attempts: 6 },
            login: false,
            seed: 0x5EED,
            persist: false,
            refresh_grant: false,
        }
    }
}

impl Config {
    /// Checks the ranges and relations the types do not.
    pub fn validate(&self) -> Result<(), TokenError> {
        let bad = TokenError::invalid_option;
        if !(0.0..=1.0).contains(&self.jitter_ratio) {
            return Err(bad("jitterRatio", "a number between 0 and 1"));
        }
        if self.default_ttl_ms == 0 {
            return Err(bad("defaultTtlMs", "a positive number of milliseconds"));
        }
        if self.fetch_timeout_ms == 0 {
            return Err(bad("fetchTimeoutMs", "a positive number of milliseconds"));
        }
        if self.login_timeout_ms == 0 {
            return Err(bad("loginTimeoutMs", "a positive number of milliseconds"));
        }
        if self.retry.max_attempts == 0 {
            return Err(bad("retry.maxAttempts", "an integer of at least 1"));
        }
        if self.retry.max_delay_ms < self.retry.base_delay_ms {
            return Err(bad("retry.maxDelayMs", "a number of milliseconds not below retry.baseDelayMs"));
        }
        Ok(())
    }
}

/// Why a token was fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "camelCase"))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Reason {
    /// The first token of a session.
    Initial,
    /// The refresh timer fired (or a caller found the token near expiry).
    Scheduled,
    /// `handleUnauthorized()`.
    Unauthorized,
    /// `refresh()`.
    Manual,
    /// Resuming after sleep, background or offline.
    Resume,
}

impl Reason {
    /// The JavaScript name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initial => "initial",
            Self::Scheduled => "scheduled",
            Self::Unauthorized => "unauthorized",
            Self::Manual => "manual",
            Self::Resume => "resume",
        }
    }
}

/// Where a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "camelCase"))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Source {
    /// The app backend.
    Network,
    /// Persisted storage.
    Storage,
    /// Another tab.
    Tab,
}

impl Source {
    /// The JavaScript name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Storage => "storage",
            Self::Tab => "tab",
        }
    }
}

/// The manager's observable state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "camelCase"))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum), uniffi(name = "ManagerState"))]
pub enum State {
    /// No token and nothing in flight.
    Idle,
    /// Fetching (or logging in) without a usable token.
    Fetching,
    /// A usable token, nothing in flight.
    Ready,
    /// Fetching (or logging in) a replacement while a usable token is served.
    Refreshing,
    /// Waiting to retry after a transient failure.
    Backoff,
    /// The last cycle failed; the old token (if still valid) is served.
    Error,
    /// Stopped after repeated permanent failures.
    Failed,
    /// Logged out; only `start()` begins a new session.
    LoggedOut,
    /// Disposed for good.
    Disposed,
}

impl State {
    /// The JavaScript name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Fetching => "fetching",
            Self::Ready => "ready",
            Self::Refreshing => "refreshing",
            Self::Backoff => "backoff",
            Self::Error => "error",
            Self::Failed => "failed",
            Self::LoggedOut => "loggedOut",
            Self::Disposed => "disposed",
        }
    }
}

/// A token and what the manager knows about it. Its `Debug` output redacts the tokens.
#[derive(Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "camelCase"))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TokenInfo {
    /// The token.
    pub token: String,
    /// Expiry, epoch ms.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::number::serialize"))]
    pub expires_at: Millis,
    /// When the manager plans to refresh it, epoch ms.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::number::serialize"))]
    pub refresh_at: Millis,
    /// When it was received, epoch ms.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::number::serialize"))]
    pub issued_at: Millis,
    /// Why it was fetched.
    pub reason: Reason,
    /// Where it came from.
    pub source: Source,
    /// Refresh token from the response, if any.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub refresh_token: Option<String>,
    /// WebSocket token from the response, if any.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub ws_token: Option<String>,
}

/// Identifies one fetch or login; results carry it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpId(pub u64);

/// Identifies one caller waiting for a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WaiterId(pub u64);

/// Log levels of [`Action::Log`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum), uniffi(name = "LogLevel"))]
pub enum Level {
    /// Internal detail.
    Debug,
    /// Lifecycle milestones.
    Info,
    /// Something failed but the manager copes.
    Warn,
    /// Something failed for good.
    Error,
}

/// Events for the app's listeners.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum), uniffi(name = "TokenEvent"))]
pub enum Event {
    /// A new token was logged in (or accepted, without a login step).
    Token(TokenInfo),
    /// A refresh cycle gave up.
    Error(TokenError),
    /// The state changed.
    State(State),
    /// The current token reached its expiry without a replacement.
    Expired,
    /// The session ended by `logout()`.
    LoggedOut,
}

/// How a token request asks for its token. Its `Debug` output redacts the refresh token.
#[derive(Clone, PartialEq)]
pub enum Grant {
    /// The token source: the app's `fetchToken`, or `endpoint` (the full re-mint).
    Source,
    /// The refresh grant: post this refresh token to `refreshEndpoint`. It is a secret, like
    /// the token itself.
    Refresh(String),
}

/// What the shell must do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Start a token request; report with `handle_fetch_response` / `handle_fetch_failed`.
    Fetch {
        /// The request's id.
        op: OpId,
        /// Why.
        reason: Reason,
        /// Attempt number within this refresh cycle, from 1.
        attempt: u32,
        /// The token source, or the refresh grant.
        grant: Grant,
    },
    /// Abort a token request (timeout, logout, dispose). Its result will be ignored.
    AbortFetch {
        /// The request's id.
        op: OpId,
    },
    /// Call the app's `login(token, info)`; report with `handle_login_result`.
    Login {
        /// The login's id.
        op: OpId,
        /// The token to log in with.
        info: TokenInfo,
    },
    /// A login that was in flight at `logout()` succeeded afterwards: call the app's
    /// `logout` again so the chat SDK does not stay logged in.
    UndoLogin,
    /// Read the persisted entry; report with `handle_stored`.
    LoadStored,
    /// Persist this entry (the shell writes it as [`stored::format`] does, or skips a token
    /// that format cannot hold); it contains the token.
    Persist(stored::Stored),
    /// Remove the persisted entry.
    ClearStored,
    /// A token just came from the network: offer it to other tabs (as [`stored::format`]
    /// writes it) so they need no fetch of their own.
    Share(stored::Stored),
    /// Resolve or reject waiting callers.
    Settle {
        /// Who.
        waiters: Vec<WaiterId>,
        /// With what.
        result: Result<TokenInfo, TokenError>,
    },
    /// Deliver an event to listeners.
    Emit(Event),
    /// A log line (static text; never a token or user id).
    Log {
        /// Severity.
        level: Level,
        /// What happened.
        message: &'static str,
        /// The related error code or fetch reason, if any.
        code: Option<LogCode>,
    },
}

/// What a log line is about: the code of an error or the reason of a fetch. A shell prints it
/// with [`as_str`](Self::as_str), or maps it to its own names.
#[derive(Debug, Clone, PartialEq)]
pub enum LogCode {
    /// An error's kind ([`ErrorKind::code`]).
    Error(ErrorKind),
    /// A fetch's reason ([`Reason::as_str`]).
    Reason(Reason),
}

impl LogCode {
    /// The JavaScript name: `network`, `scheduled`…
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Error(kind) => kind.code(),
            Self::Reason(reason) => reason.as_str(),
        }
    }
}

/// The answer to a request for a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// The current token (see [`Machine::current`]) is valid: use it now.
    Ready,
    /// Wait for a [`Action::Settle`] naming this id.
    Wait(WaiterId),
}

/// Outcome of the app's `login` callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum), uniffi(name = "LoginOutcome"))]
pub enum LoginResult {
    /// Logged in.
    Ok,
    /// The chat SDK is busy with another login (`LOGIN_IN_PROGRESS`): retry shortly.
    InProgress,
    /// Any other failure.
    Failed,
}

/// A token-free view of the manager for diagnostics.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "camelCase"))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Snapshot {
    /// Current state.
    pub state: State,
    /// Expiry of the current token.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::number::serialize_option"))]
    pub expires_at: Option<Millis>,
    /// Next planned refresh.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::number::serialize_option"))]
    pub refresh_at: Option<Millis>,
    /// Session generation.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::number::serialize"))]
    pub generation: u64,
    /// Consecutive permanent failures.
    pub consecutive_failures: u32,
    /// The last failure, cleared by the next success.
    pub last_error: Option<TokenError>,
    /// The host reported no network: retries are parked until it is back.
    pub offline: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Session {
    Idle,
    Active,
    LoggedOut,
    Disposed,
}

#[derive(Debug)]
struct Current {
    info: TokenInfo,
    /// Rejected by the chat service (`handleUnauthorized`): never handed out again.
    revoked: bool,
    expired_emitted: bool,
    unauthorized_rejected: bool,
}

#[derive(Debug)]
enum Phase {
    /// Waiting for the persisted entry (before the first fetch of a session).
    Loading,
    /// Offline: no attempt until the host reports the network is back. `retry`: an attempt
    /// failed while online (the next one counts as a new attempt; one that failed because
    /// the network was gone does not count).
    Parked { retry: bool },
    /// `grant`: the token source, or the refresh grant with the refresh token it posted.
    Fetching { op: OpId, deadline: Millis, grant: Grant },
    Backoff { until: Millis },
    LoggingIn { op: Option<OpId>, info: TokenInfo, deadline: Millis, retry_at: Option<Millis>, retry_delay: Millis },
}

#[derive(Debug)]
struct Cycle {
    reason: Reason,
    attempt: u32,
    waiters: Vec<WaiterId>,
    phase: Phase,
}

/// The earlier of two optional times (smaller in wasm than an iterator chain).
fn earliest(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        _ => a.or(b),
    }
}

/// The sans-IO token manager. See the crate docs for the protocol.
#[derive(Debug)]
pub struct Machine {
    cfg: Config,
    rng: Rng,
    now: Millis,
    session: Session,
    generation: u64,
    next_id: u64,
    current: Option<Current>,
    cycle: Option<Cycle>,
    next_refresh: Option<Millis>,
    consecutive_failures: u32,
    failed: bool,
    last_error: Option<TokenError>,
    orphan_login: Option<OpId>,
    online: bool,
    /// The persisted entry was read for this session.
    loaded: bool,
    reported: State,
    actions: VecDeque<Action>,
}

impl Machine {
    /// A manager in `idle`, or `invalid_options` when `cfg` is out of range.
    pub fn new(cfg: Config) -> Result<Self, TokenError> {
        cfg.validate()?;
        Ok(Self {
            rng: Rng::new(cfg.seed),
            cfg,
            now: 0,
            session: Session::Idle,
            generation: 0,
            next_id: 0,
            current: None,
            cycle: None,
            next_refresh: None,
            consecutive_failures: 0,
            failed: false,
            last_error: None,
            orphan_login: None,
            online: true,
            loaded: false,
            reported: State::Idle,
            actions: VecDeque::new(),
        })
    }

    // ----- requests from the app -------------------------------------------------------

    /// `getToken()`: the current token if usable, else join (or start) a fetch.
    pub fn get_token(&mut self, now: Millis) -> Result<Request, TokenError> {
        self.now = now;
        self.check_open()?;
        if self.usable_token(now).is_some() {
            return Ok(Request::Ready);
        }
        if self.failed {
            return Err(TokenError::new(ErrorKind::Failed));
        }
        self.activate();
        let id = self.join(now, self.refetch_reason());
        self.sync_state();
        Ok(Request::Wait(id))
    }

    /// `start()`: begins a session (a new generation after a logout), leaves `failed`.
    /// Idempotent: with a usable token it fetches nothing.
    pub fn start(&mut self, now: Millis) -> Result<Request, TokenError> {
        self.now = now;
        match self.session {
            Session::Disposed => return Err(TokenError::new(ErrorKind::Disposed)),
            Session::LoggedOut => self.generation += 1,
            Session::Idle | Session::Active => {}
        }
        self.session = Session::Active;
        self.leave_failed(now);
        let result = if self.usable_token(now).is_some() {
            Request::Ready
        } else {
            Request::Wait(self.join(now, self.refetch_reason()))
        };
        self.sync_state();
        Ok(result)
    }

    /// `refresh()`: a forced refresh; joins one in flight; leaves `failed`.
    pub fn refresh(&mut self, now: Millis) -> Result<Request, TokenError> {
        self.refresh_for(now, Reason::Manual)
    }

    /// A forced refresh with an explicit reason (`manual`, `resume`).
    pub fn refresh_for(&mut self, now: Millis, reason: Reason) -> Result<Request, TokenError> {
        self.now = now;
        self.check_open()?;
        self.activate();
        self.leave_failed(now);
        let id = self.join(now, reason);
        self.sync_state();
        Ok(Request::Wait(id))
    }

    /// `handleUnauthorized(staleToken?)`: the chat service rejected a token.
    ///
    /// A `stale` token that is no longer current resolves with the current one; otherwise
    /// the current token is revoked and one refresh is forced (joined while in flight). A
    /// token minted less than 5 s ago is a permanent `unauthorized` error instead.
    pub fn handle_unauthorized(&mut self, now: Millis, stale: Option<&str>) -> Result<Request, TokenError> {
        self.now = now;
        self.check_open()?;
        if let (Some(stale), Some(cur)) = (stale, &self.current) {
            if stale != cur.info.token && self.usable_token(now).is_some() {
                return Ok(Request::Ready);
            }
        }
        if self.cycle.is_none() {
            if self.failed {
                return Err(TokenError::new(ErrorKind::Failed));
            }
            if let Some(cur) = self.current.as_mut().filter(|c| !c.revoked) {
                if now.saturating_sub(cur.info.issued_at) < FRESH_TOKEN_MS {
                    let err = TokenError::new(ErrorKind::Unauthorized(
                        "the chat service rejected a token issued less than 5 s ago; not refreshing again",
                    ));
                    if !cur.unauthorized_rejected {
                        cur.unauthorized_rejected = true;
                        self.record_failure(&err);
                    }
                    self.sync_state();
                    return Err(err);
                }
            }
        }
        if let Some(cur) = &mut self.current {
            cur.revoked = true;
        }
        self.activate();
        let id = self.join(now, Reason::Unauthorized);
        self.sync_state();
        Ok(Request::Wait(id))
    }

    /// `logout()`: ends the session. In-flight work is aborted and its results discarded;
    /// waiting callers reject with `discarded`. Returns whether a session was ended (so the
    /// shell calls the app's `logout` once).
    pub fn logout(&mut self, now: Millis) -> Result<bool, TokenError> {
        self.now = now;
        match self.session {
            Session::Disposed => return Err(TokenError::new(ErrorKind::Disposed)),
            Session::LoggedOut => return Ok(false),
            Session::Idle | Session::Active => {}
        }
        self.end_session(ErrorKind::Discarded);
        if self.cfg.persist {
            self.actions.push_back(Action::ClearStored);
        }
        self.session = Session::LoggedOut;
        self.push_event(Event::LoggedOut);
        self.sync_state();
        Ok(true)
    }

    /// `dispose()`: ends everything for good; waiting callers reject with `disposed`. Idempotent.
    pub fn dispose(&mut self) {
        if self.session == Session::Disposed {
            return;
        }
        self.end_session(ErrorKind::Disposed);
        self.session = Session::Disposed;
        self.sync_state();
    }

    // ----- results from the shell ------------------------------------------------------

    /// A token request `op` answered with a body (already decoded from JSON). `server_date`:
    /// what the HTTP answer's `Date` header said (epoch ms), if there was one; absolute
    /// expiries are corrected for the clock skew it shows (see [`parse_token_response`]).
    pub fn handle_fetch_response(&mut self, now: Millis, op: OpId, body: &impl Fields, server_date: Option<Millis>) {
        self.now = now;
        if !self.is_current_fetch(op) {
            return self.discard();
        }
        match parse_token_response(body, now, self.cfg.default_ttl_ms, server_date) {
            Ok(mut parsed) => {
                // A refresh grant whose answer rotates no refresh token keeps the one it used.
                if parsed.refresh_token.is_none() {
                    if let Some(Cycle { phase: Phase::Fetching { grant: Grant::Refresh(used), .. }, .. }) = &mut self.cycle {
                        parsed.refresh_token = Some(core::mem::take(used));
                    }
                }
                let refresh_at = schedule::refresh_at(
                    now,
                    parsed.expires_at,
                    self.cfg.refresh_margin_ms,
                    self.cfg.jitter_ratio,
                    self.rng.next_f64(),
                );
                let reason = self.cycle.as_ref().map_or(Reason::Initial, |c| c.reason);
                let info = TokenInfo {
                    token: parsed.token,
                    expires_at: parsed.expires_at,
                    refresh_at,
                    issued_at: now,
                    reason,
                    source: Source::Network,
                    refresh_token: parsed.refresh_token,
                    ws_token: parsed.ws_token,
                };
                self.accept(now, info);
            }
            Err(err) => self.attempt_failed(now, err),
        }
        self.sync_state();
    }

    /// A token request `op` failed (network error, HTTP status, bad body, thrown error).
    ///
    /// A refresh grant refused with 400, 401 or 403 (the refresh token expired, was revoked or
    /// reused) is no failure: the refresh token is forgotten and the same attempt asks the
    /// token source at once. A transient failure (network, timeout, 429, 5xx) retries the
    /// refresh grant like any request.
    pub fn handle_fetch_failed(&mut self, now: Millis, op: OpId, err: TokenError) {
        self.now = now;
        if !self.is_current_fetch(op) {
            return self.discard();
        }
        let refresh_grant = matches!(&self.cycle, Some(Cycle { phase: Phase::Fetching { grant: Grant::Refresh(_), .. }, .. }));
        if refresh_grant && matches!(err.status, Some(400 | 401 | 403)) {
            self.forget_refresh_token();
            self.log(Level::Info, "the refresh token was refused; asking the token source instead", Some(LogCode::Error(err.kind)));
            self.attempt(now);
        } else {
            self.attempt_failed(now, err);
        }
        self.sync_state();
    }

    /// The current token's refresh token was refused: it is dropped, so the next attempts ask
    /// the token source, and so is a persisted entry's.
    fn forget_refresh_token(&mut self) {
        let Some(cur) = &mut self.current else { return };
        cur.info.refresh_token = None;
        if self.cfg.persist && cur.info.source != Source::Storage {
            self.actions.push_back(Action::Persist(stored::Stored::of(&cur.info)));
        }
    }

    /// The app's `login` for `op` settled.
    pub fn handle_login_result(&mut self, now: Millis, op: OpId, result: LoginResult) {
        self.now = now;
        let phase = self.cycle.as_mut().map(|c| &mut c.phase);
        let Some(Phase::LoggingIn { op: pending, retry_at, retry_delay, .. }) = phase else {
            return self.discard_login(op, result);
        };
        if *pending != Some(op) {
            return self.discard_login(op, result);
        }
        match result {
            LoginResult::Ok => {
                if let Some(Cycle { phase: Phase::LoggingIn { info, .. }, waiters, .. }) = self.cycle.take() {
                    self.commit(info, waiters);
                }
            }
            LoginResult::InProgress => {
                *pending = None;
                *retry_at = Some(now.saturating_add(*retry_delay));
                *retry_delay = (*retry_delay * 2).min(LOGIN_RETRY_MAX_MS);
                self.log(Level::Debug, "chat login busy (LOGIN_IN_PROGRESS); retrying shortly", None);
            }
            LoginResult::Failed => {
                let reused = match &self.cycle {
                    Some(Cycle { phase: Phase::LoggingIn { info, .. }, .. }) => info.source,
                    _ => Source::Network,
                };
                if reused == Source::Network {
                    let err = TokenError::new(ErrorKind::LoginFailed("the login callback rejected"));
                    self.give_up(now, err);
                } else {
                    // A stored token (or another tab's) the chat service no longer takes, e.g.
                    // revoked since it was saved: fetch a new one in the same cycle, once (a
                    // network token's failed login gives up).
                    if reused == Source::Storage && self.cfg.persist {
                        self.actions.push_back(Action::ClearStored);
                    }
                    self.log(Level::Info, "the chat login refused a stored or shared token; fetching a new one", None);
                    self.attempt(now);
                }
            }
        }
        self.sync_state();
    }

    /// Timers: call at (or after) [`poll_timeout`](Self::poll_timeout). Late or repeated
    /// calls are harmless.
    pub fn handle_timeout(&mut self, now: Millis) {
        self.now = now;
        enum Due {
            FetchTimeout(OpId),
            Retry,
            LoginTimeout,
            LoginRetry,
            Nothing,
        }
        let due = match self.cycle.as_ref().map(|c| &c.phase) {
            Some(Phase::Fetching { op, deadline, .. }) if now >= *deadline => Due::FetchTimeout(*op),
            Some(Phase::Backoff { until }) if now >= *until => Due::Retry,
            Some(Phase::LoggingIn { deadline, .. }) if now >= *deadline => Due::LoginTimeout,
            Some(Phase::LoggingIn { op: None, retry_at: Some(at), .. }) if now >= *at => Due::LoginRetry,
            _ => Due::Nothing,
        };
        match due {
            Due::FetchTimeout(op) => {
                self.actions.push_back(Action::AbortFetch { op });
                self.attempt_failed(now, TokenError::new(ErrorKind::Timeout));
            }
            Due::Retry => self.attempt(now),
            Due::LoginTimeout => {
                let mut err = TokenError::new(ErrorKind::LoginFailed("the login did not complete within loginTimeoutMs"));
                err.retryable = true;
                self.give_up(now, err);
            }
            Due::LoginRetry => {
                let new_op = self.next_op();
                if let Some(Phase::LoggingIn { op, info, retry_at, .. }) = self.cycle.as_mut().map(|c| &mut c.phase) {
                    *op = Some(new_op);
                    *retry_at = None;
                    let info = info.clone();
                    self.actions.push_back(Action::Login { op: new_op, info });
                }
            }
            Due::Nothing => {}
        }
        if let Some(cur) = &mut self.current {
            if !cur.expired_emitted && now >= cur.info.expires_at {
                cur.expired_emitted = true;
                self.push_event(Event::Expired);
            }
        }
        if self.cycle.is_none() && self.session == Session::Active && !self.failed {
            if let Some(at) = self.next_refresh.filter(|at| now >= *at) {
                // A timer this late means the host slept (laptop lid, frozen tab).
                let reason = if now >= at.saturating_add(LATE_MS) { Reason::Resume } else { Reason::Scheduled };
                self.begin(now, reason);
            }
        }
        self.sync_state();
    }

    /// The host woke up (page visible again, focus, `pageshow`, network back, app active):
    /// re-evaluate against the clock now, and refresh with reason `resume` if the token is
    /// inside its refresh margin or expired.
    pub fn resume(&mut self, now: Millis) {
        self.now = now;
        if let Some(Cycle { phase: Phase::Parked { .. }, .. }) = &self.cycle {
            if self.online {
                self.attempt(now);
            }
        }
        if self.cycle.is_none() && self.session == Session::Active && !self.failed && self.next_refresh.is_some_and(|at| now >= at) {
            self.begin(now, Reason::Resume);
        }
        self.handle_timeout(now);
    }

    /// The host's network went away or came back (`navigator.onLine`, `online`/`offline`
    /// events). Offline, transient failures park instead of burning attempts; back online,
    /// a parked cycle makes its attempt at once.
    pub fn set_online(&mut self, now: Millis, online: bool) {
        self.now = now;
        if self.online == online {
            return;
        }
        self.online = online;
        if online {
            self.resume(now);
        } else {
            if let Some(cycle) = &mut self.cycle {
                if let Phase::Backoff { .. } = cycle.phase {
                    cycle.phase = Phase::Parked { retry: true };
                }
            }
            self.sync_state();
        }
    }

    /// The persisted entry requested by [`Action::LoadStored`] (`None`: nothing stored). A
    /// valid entry outside its refresh margin is used without a fetch (source `storage`);
    /// an expired or unreadable one is cleared and a token fetched.
    pub fn handle_stored(&mut self, now: Millis, entry: Option<&str>) {
        self.now = now;
        if !matches!(&self.cycle, Some(Cycle { phase: Phase::Loading, .. })) {
            return self.discard();
        }
        self.loaded = true;
        let present = entry.is_some();
        let fresh = entry.and_then(stored::parse).filter(|s| {
            let lifetime = s.expires_at.saturating_sub(s.issued_at);
            now < s.expires_at.saturating_sub(schedule::margin(lifetime, self.cfg.refresh_margin_ms))
        });
        match fresh {
            Some(s) => {
                let info = self.adopted(now, s, Source::Storage);
                self.accept(now, info);
            }
            None => {
                if present {
                    self.log(Level::Info, "discarded an expired or unreadable stored token", None);
                    self.actions.push_back(Action::ClearStored);
                }
                self.attempt(now);
            }
        }
        self.sync_state();
    }

    /// Another tab of the same origin got a token (its persisted-entry form, see
    /// [`crate::stored`]). A newer, usable token replaces this tab's: its fetch in flight is
    /// aborted, the app logs in with it, and the refresh is rescheduled. Returns whether it
    /// was adopted.
    pub fn handle_tab_token(&mut self, now: Millis, entry: &str) -> bool {
        let Some(s) = stored::parse(entry) else { return false };
        self.now = now;
        if self.session != Session::Active || now >= schedule::usable_until(s.issued_at, s.expires_at) {
            return false;
        }
        if let Some(cur) = self.current.as_ref().filter(|c| !c.revoked) {
            if cur.info.token == s.token || cur.info.expires_at >= s.expires_at {
                return false;
            }
        }
        match &self.cycle {
            Some(Cycle { phase: Phase::LoggingIn { .. }, .. }) => return false,
            Some(Cycle { phase: Phase::Fetching { op, .. }, .. }) => {
                let op = *op;
                self.actions.push_back(Action::AbortFetch { op });
            }
            Some(_) => {}
            None => {
                self.cycle = Some(Cycle { reason: Reason::Scheduled, attempt: 1, waiters: Vec::new(), phase: Phase::Parked { retry: false } })
            }
        }
        self.loaded = true;
        let info = self.adopted(now, s, Source::Tab);
        self.accept(now, info);
        self.sync_state();
        true
    }

    fn adopted(&mut self, now: Millis, s: stored::Stored, source: Source) -> TokenInfo {
        let random = self.rng.next_f64();
        TokenInfo {
            refresh_at: schedule::refresh_at(now, s.expires_at, self.cfg.refresh_margin_ms, self.cfg.jitter_ratio, random),
            token: s.token,
            expires_at: s.expires_at,
            issued_at: s.issued_at.min(now),
            reason: self.cycle.as_ref().map_or(Reason::Initial, |c| c.reason),
            source,
            refresh_token: s.refresh_token,
            ws_token: s.ws_token,
        }
    }

    // ----- outputs ---------------------------------------------------------------------

    /// The next thing the shell must do.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next (epoch ms), if ever.
    pub fn poll_timeout(&self) -> Option<Millis> {
        if !matches!(self.session, Session::Idle | Session::Active) {
            return None;
        }
        let cycle = self.cycle.as_ref().and_then(|c| match &c.phase {
            Phase::Loading | Phase::Parked { .. } => None,
            Phase::Fetching { deadline, .. } => Some(*deadline),
            Phase::Backoff { until } => Some(*until),
            Phase::LoggingIn { deadline, retry_at, .. } => Some(retry_at.map_or(*deadline, |r| r.min(*deadline))),
        });
        let expiry = self.current.as_ref().filter(|c| !c.expired_emitted).map(|c| c.info.expires_at);
        let refresh = self.next_refresh.filter(|_| self.cycle.is_none() && self.session == Session::Active && !self.failed);
        earliest(earliest(cycle, expiry), refresh)
    }

    /// The current token, if any (possibly near expiry: see [`usable_token`](Self::usable_token)).
    pub fn current(&self) -> Option<&TokenInfo> {
        self.current.as_ref().map(|c| &c.info)
    }

    /// The current token if it may be handed out at `now`: not revoked and not within
    /// `min(30 s, lifetime / 2)` of expiry.
    pub fn usable_token(&self, now: Millis) -> Option<&TokenInfo> {
        self.current
            .as_ref()
            .filter(|c| !c.revoked && now < schedule::usable_until(c.info.issued_at, c.info.expires_at))
            .map(|c| &c.info)
    }

    /// Whether a token another tab fetched (its [`stored::parse_marker`] times) is newer than
    /// this manager's and still usable at `now`: then a starting tab asks its peers for it
    /// before fetching its own.
    pub fn peer_newer(&self, now: Millis, issued_at: Millis, expires_at: Millis) -> bool {
        let mine = self.current().map_or(0, |i| i.issued_at);
        issued_at > mine && expires_at > issued_at && now < schedule::usable_until(issued_at, expires_at)
    }

    /// Until when (exclusive, epoch ms) `get_token` answers [`Request::Ready`] with no other
    /// effect, as of the last input: lets a shell answer `getToken()` from a cache without
    /// calling into the machine. `None` when it would not (no usable token, logged out,
    /// disposed). Any later input may change it.
    pub fn ready_until(&self) -> Option<Millis> {
        if !matches!(self.session, Session::Idle | Session::Active) {
            return None;
        }
        self.current.as_ref().filter(|c| !c.revoked).map(|c| schedule::usable_until(c.info.issued_at, c.info.expires_at))
    }

    /// The state as of the last input.
    pub fn state(&self) -> State {
        self.reported
    }

    /// The `fetchTimeoutMs` this machine runs with.
    pub fn fetch_timeout_ms(&self) -> Millis {
        self.cfg.fetch_timeout_ms
    }

    /// The session generation (bumped by logout, dispose and a start after logout).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// A token-free view for diagnostics.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            state: self.reported,
            expires_at: self.current.as_ref().map(|c| c.info.expires_at),
            refresh_at: self.next_refresh.filter(|_| self.cycle.is_none()),
            generation: self.generation,
            consecutive_failures: self.consecutive_failures,
            last_error: self.last_error.clone(),
            offline: !self.online,
        }
    }

    // ----- internals -------------------------------------------------------------------

    fn check_open(&self) -> Result<(), TokenError> {
        match self.session {
            Session::Disposed => Err(TokenError::new(ErrorKind::Disposed)),
            Session::LoggedOut => Err(TokenError::new(ErrorKind::LoggedOut)),
            Session::Idle | Session::Active => Ok(()),
        }
    }

    /// Why a caller's fetch happens: the first token of the session, or a replacement.
    fn refetch_reason(&self) -> Reason {
        if self.current.is_some() {
            Reason::Scheduled
        } else {
            Reason::Initial
        }
    }

    fn activate(&mut self) {
        if self.session == Session::Idle {
            self.session = Session::Active;
        }
    }

    fn leave_failed(&mut self, now: Millis) {
        if self.failed {
            self.failed = false;
            self.consecutive_failures = 0;
            if let Some(cur) = &self.current {
                self.next_refresh = Some(cur.info.refresh_at.max(now));
            }
        }
    }

    fn next_op(&mut self) -> OpId {
        self.next_id += 1;
        OpId(self.next_id)
    }

    /// Adds a waiter to the cycle in flight, starting one if needed.
    fn join(&mut self, now: Millis, reason: Reason) -> WaiterId {
        self.next_id += 1;
        let id = WaiterId(self.next_id);
        if self.cycle.is_none() {
            self.begin(now, reason);
        }
        if let Some(cycle) = &mut self.cycle {
            cycle.waiters.push(id);
        }
        id
    }

    fn begin(&mut self, now: Millis, reason: Reason) {
        self.next_refresh = None;
        let load = self.cfg.persist && !self.loaded;
        let phase = if load { Phase::Loading } else { Phase::Parked { retry: false } };
        self.cycle = Some(Cycle { reason, attempt: 1, waiters: Vec::new(), phase });
        if load {
            self.actions.push_back(Action::LoadStored);
        } else {
            self.attempt(now);
        }
    }

    /// Starts the cycle's next fetch, or parks it while offline.
    fn attempt(&mut self, now: Millis) {
        let op = self.next_op();
        let deadline = now.saturating_add(self.cfg.fetch_timeout_ms);
        let online = self.online;
        let grant = match self.current.as_ref().and_then(|c| c.info.refresh_token.clone()).filter(|_| self.cfg.refresh_grant) {
            Some(refresh_token) => Grant::Refresh(refresh_token),
            None => Grant::Source,
        };
        let Some(cycle) = &mut self.cycle else { return };
        if let Phase::Parked { retry: true } | Phase::Backoff { .. } = cycle.phase {
            cycle.attempt += 1;
        }
        if !online {
            cycle.phase = Phase::Parked { retry: false };
            return self.log(Level::Info, "offline: token request parked until the network is back", None);
        }
        cycle.phase = Phase::Fetching { op, deadline, grant: grant.clone() };
        let (reason, attempt) = (cycle.reason, cycle.attempt);
        let message = match grant {
            Grant::Refresh(_) => "refreshing the chat token with the refresh grant",
            Grant::Source => "requesting a chat token",
        };
        self.log(Level::Debug, message, Some(LogCode::Reason(reason)));
        self.actions.push_back(Action::Fetch { op, reason, attempt, grant });
    }

    fn is_current_fetch(&self, op: OpId) -> bool {
        matches!(&self.cycle, Some(Cycle { phase: Phase::Fetching { op: o, .. }, .. }) if *o == op)
    }

    fn discard(&mut self) {
        self.log(Level::Debug, "discarded a result from an ended session or a superseded request", Some(LogCode::Error(ErrorKind::Discarded)));
    }

    fn discard_login(&mut self, op: OpId, result: LoginResult) {
        if self.orphan_login == Some(op) {
            self.orphan_login = None;
            if result == LoginResult::Ok && self.session == Session::LoggedOut {
                self.actions.push_back(Action::UndoLogin);
            }
        }
        self.discard();
    }

    fn accept(&mut self, now: Millis, info: TokenInfo) {
        if info.source == Source::Network {
            self.actions.push_back(Action::Share(stored::Stored::of(&info)));
        }
        if !self.cfg.login {
            let waiters = self.cycle.take().map(|c| c.waiters).unwrap_or_default();
            return self.commit(info, waiters);
        }
        let op = self.next_op();
        if let Some(cycle) = &mut self.cycle {
            cycle.phase = Phase::LoggingIn {
                op: Some(op),
                info: info.clone(),
                deadline: now.saturating_add(self.cfg.login_timeout_ms),
                retry_at: None,
                retry_delay: LOGIN_RETRY_FIRST_MS,
            };
        }
        self.actions.push_back(Action::Login { op, info });
    }

    /// Makes `info` the current token and resolves the finished cycle's `waiters` with it.
    fn commit(&mut self, info: TokenInfo, waiters: Vec<WaiterId>) {
        self.consecutive_failures = 0;
        self.last_error = None;
        self.failed = false;
        self.next_refresh = Some(info.refresh_at);
        if self.cfg.persist && info.source != Source::Storage {
            self.actions.push_back(Action::Persist(stored::Stored::of(&info)));
        }
        self.current = Some(Current { info: info.clone(), revoked: false, expired_emitted: false, unauthorized_rejected: false });
        self.log(Level::Info, "chat token refreshed", Some(LogCode::Reason(info.reason)));
        self.push_event(Event::Token(info.clone()));
        if !waiters.is_empty() {
            self.actions.push_back(Action::Settle { waiters, result: Ok(info) });
        }
    }

    fn attempt_failed(&mut self, now: Millis, err: TokenError) {
        let random = self.rng.next_f64();
        let retry = self.cfg.retry.clone();
        let online = self.online;
        let Some(cycle) = &mut self.cycle else { return };
        if err.retryable && !online {
            // Failing because the network is gone does not use up an attempt.
            cycle.phase = Phase::Parked { retry: false };
            self.log(Level::Info, "offline: token request parked until the network is back", Some(LogCode::Error(err.kind.clone())));
        } else if err.retryable && cycle.attempt < retry.max_attempts {
            let delay = match err.retry_after_ms {
                Some(ms) => schedule::clamp_retry_after(ms),
                None => schedule::backoff(cycle.attempt, retry.base_delay_ms, retry.max_delay_ms, random),
            };
            cycle.phase = Phase::Backoff { until: now.saturating_add(delay) };
            self.log(Level::Debug, "token request failed; retrying after backoff", Some(LogCode::Error(err.kind.clone())));
        } else {
            self.give_up(now, err);
        }
    }

    /// Ends the cycle in flight with `err`: one `error` event, waiters rejected.
    fn give_up(&mut self, now: Millis, err: TokenError) {
        let waiters = self.cycle.take().map(|c| c.waiters).unwrap_or_default();
        self.record_failure(&err);
        self.next_refresh = (err.retryable && !self.failed).then_some(now.saturating_add(COOLDOWN_MS));
        self.log(Level::Warn, "chat token refresh failed", Some(LogCode::Error(err.kind.clone())));
        self.push_event(Event::Error(err.clone()));
        if !waiters.is_empty() {
            self.actions.push_back(Action::Settle { waiters, result: Err(err) });
        }
    }

    fn record_failure(&mut self, err: &TokenError) {
        self.last_error = Some(err.clone());
        if !err.retryable {
            self.consecutive_failures += 1;
            if self.consecutive_failures >= MAX_PERMANENT_FAILURES {
                self.failed = true;
                self.next_refresh = None;
                self.log(Level::Error, "token refresh stopped after repeated permanent failures", Some(LogCode::Error(ErrorKind::Failed)));
            }
        }
    }

    fn end_session(&mut self, reason: ErrorKind) {
        self.generation += 1;
        if let Some(cycle) = self.cycle.take() {
            match cycle.phase {
                Phase::Fetching { op, .. } => self.actions.push_back(Action::AbortFetch { op }),
                Phase::LoggingIn { op: Some(op), .. } => self.orphan_login = Some(op),
                _ => {}
            }
            if !cycle.waiters.is_empty() {
                let result = Err(TokenError::new(reason));
                self.actions.push_back(Action::Settle { waiters: cycle.waiters, result });
            }
        }
        self.current = None;
        self.next_refresh = None;
        self.last_error = None;
        self.failed = false;
        self.consecutive_failures = 0;
        self.loaded = false;
    }

    fn derive_state(&self) -> State {
        match self.session {
            Session::Disposed => return State::Disposed,
            Session::LoggedOut => return State::LoggedOut,
            Session::Idle | Session::Active => {}
        }
        let usable = self.usable_token(self.now).is_some();
        match &self.cycle {
            Some(Cycle { phase: Phase::Backoff { .. } | Phase::Parked { retry: true }, .. }) => State::Backoff,
            Some(_) if usable => State::Refreshing,
            Some(_) => State::Fetching,
            None if self.failed => State::Failed,
            None if self.last_error.is_some() => State::Error,
            None if usable => State::Ready,
            None => State::Idle,
        }
    }

    fn sync_state(&mut self) {
        let state = self.derive_state();
        if state != self.reported {
            self.reported = state;
            self.push_event(Event::State(state));
        }
    }

    fn push_event(&mut self, event: Event) {
        self.actions.push_back(Action::Emit(event));
    }

    fn log(&mut self, level: Level, message: &'static str, code: Option<LogCode>) {
        self.actions.push_back(Action::Log { level, message, code });
    }
}
