//! The records, enums and errors that cross the FFI boundary, and their conversions from
//! the core's types.

use std::fmt;

use chat_token_core::{self as core, ErrorKind, TokenError};

/// Retry policy for transient failures (`retry` in the JavaScript options).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RetryOptions {
    /// First backoff ceiling in ms (doubles each attempt).
    #[uniffi(default = 1000)]
    pub base_delay_ms: u64,
    /// Cap of the backoff ceiling in ms.
    #[uniffi(default = 60000)]
    pub max_delay_ms: u64,
    /// Attempts per refresh cycle, the first included.
    #[uniffi(default = 6)]
    pub max_attempts: u32,
}

impl Default for RetryOptions {
    fn default() -> Self {
        Self { base_delay_ms: 1000, max_delay_ms: 60_000, max_attempts: 6 }
    }
}

/// Options of a [`crate::TokenManager`]: the JavaScript options minus the callbacks (those are
/// the [`crate::TokenHost`]). Every field has the JavaScript SDK's default.
///
/// A bad value is `TokenManagerError::InvalidOptions` naming the field the way the React
/// Native (TypeScript) bindings spell it: `jitterRatio`, `retry.maxAttempts`, ...
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ManagerOptions {
    /// Refresh this long before expiry instead of 25 % of the lifetime clamped to [30 s, 5 min].
    #[uniffi(default = None)]
    pub refresh_margin_ms: Option<u64>,
    /// Jitter, as a fraction of the margin (0..=1), subtracted from the refresh time.
    #[uniffi(default = 0.1)]
    pub jitter_ratio: f64,
    /// Lifetime of a token whose response says nothing about expiry.
    #[uniffi(default = 86400000)]
    pub default_ttl_ms: u64,
    /// A token request not answered within this is aborted (`abort_fetch`) and retried.
    #[uniffi(default = 10000)]
    pub fetch_timeout_ms: u64,
    /// Bound on the whole login step for one token.
    #[uniffi(default = 30000)]
    pub login_timeout_ms: u64,
    /// Backoff and attempts for transient failures.
    #[uniffi(default = None)]
    pub retry: Option<RetryOptions>,
    /// Whether the host logs the chat SDK in with each new token (`TokenHost::login`).
    #[uniffi(default = true)]
    pub login: bool,
    /// Whether tokens are persisted through `TokenHost::load_stored` / `save_stored` /
    /// `clear_stored` (use the platform's secure storage: Keychain, Keystore).
    #[uniffi(default = false)]
    pub persist: bool,
    /// Seed of the jitter; `None` picks a random one per manager (so devices spread out).
    #[uniffi(default = None)]
    pub seed: Option<u64>,
}

impl Default for ManagerOptions {
    fn default() -> Self {
        Self {
            refresh_margin_ms: None,
            jitter_ratio: 0.1,
            default_ttl_ms: 86_400_000,
            fetch_timeout_ms: 10_000,
            login_timeout_ms: 30_000,
            retry: None,
            login: true,
            persist: false,
            seed: None,
        }
    }
}

impl ManagerOptions {
    pub(crate) fn to_config(&self) -> Result<core::Config, TokenManagerError> {
        let d = core::Config::default();
        let retry = self.retry.as_ref().map_or(d.retry.clone(), |r| core::RetryPolicy {
            base_delay_ms: r.base_delay_ms,
            max_delay_ms: r.max_delay_ms,
            max_attempts: r.max_attempts,
        });
        let cfg = core::Config {
            refresh_margin_ms: self.refresh_margin_ms,
            jitter_ratio: self.jitter_ratio,
            default_ttl_ms: self.default_ttl_ms,
            fetch_timeout_ms: self.fetch_timeout_ms,
            login_timeout_ms: self.login_timeout_ms,
            retry,
            login: self.login,
            seed: self.seed.unwrap_or_else(random_seed),
            persist: self.persist,
            // The native bridge has no refresh grant yet: its host fetches every token.
            refresh_grant: false,
        };
        let max = core::parse::MAX_TIME_MS;
        let bad = |field: &str, expected: &str| {
            Err(TokenManagerError::InvalidOptions { field: field.into(), expected: expected.into() })
        };
        // Beyond the core's checks: durations a JavaScript number could not carry either.
        for (field, v) in [
            ("refreshMarginMs", self.refresh_margin_ms.unwrap_or(0)),
            ("defaultTtlMs", self.default_ttl_ms),
            ("fetchTimeoutMs", self.fetch_timeout_ms),
            ("loginTimeoutMs", self.login_timeout_ms),
            ("retry.baseDelayMs", cfg.retry.base_delay_ms),
            ("retry.maxDelayMs", cfg.retry.max_delay_ms),
        ] {
            if v > max {
                return bad(field, "a number of milliseconds below 2^53");
            }
        }
        cfg.validate().map_err(TokenManagerError::from)?;
        Ok(cfg)
    }
}

/// A seed from the standard library's per-process random keys (no clock, no IO).
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    h.finish()
}

/// Why a token was fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Reason {
    /// The first token of a session.
    Initial,
    /// The refresh timer fired (or a caller found the token near expiry).
    Scheduled,
    /// `handle_unauthorized()`.
    Unauthorized,
    /// `refresh()`.
    Manual,
    /// Resuming after sleep or background (`set_app_state(Active)`).
    Resume,
}

impl From<core::Reason> for Reason {
    fn from(r: core::Reason) -> Self {
        match r {
            core::Reason::Initial => Self::Initial,
            core::Reason::Scheduled => Self::Scheduled,
            core::Reason::Unauthorized => Self::Unauthorized,
            core::Reason::Manual => Self::Manual,
            core::Reason::Resume => Self::Resume,
        }
    }
}

/// Where a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Source {
    /// The app backend (`TokenHost::fetch_token`).
    Network,
    /// Persisted storage (`TokenHost::load_stored`).
    Storage,
}

impl From<core::Source> for Source {
    fn from(s: core::Source) -> Self {
        match s {
            core::Source::Storage => Self::Storage,
            // No tabs in a native app: a shared token can only have come from the network.
            core::Source::Network | core::Source::Tab => Self::Network,
        }
    }
}

/// The manager's observable state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ManagerState {
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

impl From<core::State> for ManagerState {
    fn from(s: core::State) -> Self {
        match s {
            core::State::Idle => Self::Idle,
            core::State::Fetching => Self::Fetching,
            core::State::Ready => Self::Ready,
            core::State::Refreshing => Self::Refreshing,
            core::State::Backoff => Self::Backoff,
            core::State::Error => Self::Error,
            core::State::Failed => Self::Failed,
            core::State::LoggedOut => Self::LoggedOut,
            core::State::Disposed => Self::Disposed,
        }
    }
}

/// Whether the app is in the foreground (React Native's `AppState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AppState {
    /// Foreground: timers run.
    Active,
    /// Background: the watchdog is stopped (`next_deadline_ms()` is `None`).
    Background,
}

/// A token and what the manager knows about it. Its `Debug` form hides the tokens.
#[derive(Clone, PartialEq, uniffi::Record)]
pub struct TokenInfo {
    /// The token.
    pub token: String,
    /// Expiry, epoch ms.
    pub expires_at_ms: u64,
    /// When the manager plans to refresh it, epoch ms.
    pub refresh_at_ms: u64,
    /// When it was received, epoch ms.
    pub issued_at_ms: u64,
    /// Why it was fetched.
    pub reason: Reason,
    /// Where it came from.
    pub source: Source,
    /// Refresh token from the response, if any.
    pub refresh_token: Option<String>,
    /// WebSocket token from the response, if any.
    pub ws_token: Option<String>,
}

impl fmt::Debug for TokenInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenInfo")
            .field("token", &"<redacted>")
            .field("expires_at_ms", &self.expires_at_ms)
            .field("refresh_at_ms", &self.refresh_at_ms)
            .field("issued_at_ms", &self.issued_at_ms)
            .field("reason", &self.reason)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl From<&core::TokenInfo> for TokenInfo {
    fn from(i: &core::TokenInfo) -> Self {
        Self {
            token: i.token.clone(),
            expires_at_ms: i.expires_at,
            refresh_at_ms: i.refresh_at,
            issued_at_ms: i.issued_at,
            reason: i.reason.into(),
            source: i.source.into(),
            refresh_token: i.refresh_token.clone(),
            ws_token: i.ws_token.clone(),
        }
    }
}

/// A token request the host must make (`TokenHost::fetch_token`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FetchRequest {
    /// The request's id: pass it back to `TokenManager::fetch_finished`.
    pub op: u64,
    /// Why.
    pub reason: Reason,
    /// Attempt number within this refresh cycle, from 1.
    pub attempt: u32,
    /// The last token, if any (for backends that refresh with `refresh_token`).
    pub previous: Option<TokenInfo>,
}

/// A token the host already read from its backend's answer.
#[derive(Clone, PartialEq, uniffi::Record)]
pub struct TokenResponse {
    /// The token.
    pub auth_token: String,
    /// Lifetime in seconds from receipt (wins over `expires_at`).
    #[uniffi(default = None)]
    pub expires_in_s: Option<f64>,
    /// Expiry, epoch ms (or epoch s below 1e12).
    #[uniffi(default = None)]
    pub expires_at: Option<f64>,
    /// Refresh token, if the backend gives one.
    #[uniffi(default = None)]
    pub refresh_token: Option<String>,
    /// WebSocket token, if the backend gives one.
    #[uniffi(default = None)]
    pub ws_token: Option<String>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("auth_token", &"<redacted>")
            .field("expires_in_s", &self.expires_in_s)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// How a token request ended (`TokenManager::fetch_finished`).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum FetchOutcome {
    /// An HTTP answer: its status, body text, and the `Retry-After` and `Date` headers when
    /// present. 2xx bodies are read as the JSON token response (`authToken` / `token` /
    /// `accessToken` / `data.authToken`, `expiresIn`, `expiresAt`, JWT `exp`); other statuses
    /// are classified (429 and 5xx retried, honouring `Retry-After`); status 0 is a network
    /// error.
    Http {
        /// HTTP status.
        status: u16,
        /// Response body.
        body: String,
        /// `Retry-After` header (seconds or HTTP-date).
        retry_after: Option<String>,
        /// `Date` header (corrects absolute expiries for clock skew).
        date: Option<String>,
    },
    /// A token the host already read.
    Token {
        /// The token and its expiry.
        response: TokenResponse,
    },
    /// The request did not reach the backend (no network, DNS, TLS, reset). Retried.
    NetworkError,
}

/// How the host's chat-SDK login ended (`TokenManager::login_finished`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LoginOutcome {
    /// Logged in.
    Ok,
    /// The chat SDK is busy with another login (`LOGIN_IN_PROGRESS`): the manager retries
    /// shortly (250 ms, doubling), within `login_timeout_ms`.
    InProgress,
    /// Any other failure.
    Failed,
}

/// Log levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    /// Internal detail.
    Debug,
    /// Lifecycle milestones.
    Info,
    /// Something failed but the manager copes.
    Warn,
    /// Something failed for good.
    Error,
}

impl From<core::Level> for LogLevel {
    fn from(l: core::Level) -> Self {
        match l {
            core::Level::Debug => Self::Debug,
            core::Level::Info => Self::Info,
            core::Level::Warn => Self::Warn,
            core::Level::Error => Self::Error,
        }
    }
}

/// A failure as data (in events and the snapshot). Never contains a token.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ErrorInfo {
    /// Stable code, the same as the JavaScript SDK's `error.code` (`rate_limited`, ...).
    pub code: String,
    /// Human-readable text (static; at most names a field).
    pub description: String,
    /// HTTP status of the token endpoint's answer, when there was one.
    pub status: Option<u16>,
    /// The delay the server asked for with `Retry-After`, in ms.
    pub retry_after_ms: Option<u64>,
    /// Whether trying again later may succeed.
    pub retryable: bool,
}

impl From<&TokenError> for ErrorInfo {
    fn from(e: &TokenError) -> Self {
        Self {
            code: e.code().into(),
            description: e.to_string(),
            status: e.status,
            retry_after_ms: e.retry_after_ms,
            retryable: e.retryable,
        }
    }
}

/// Events for the app (`TokenHost::on_event`).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum TokenEvent {
    /// A new token was logged in (or accepted, without a login step).
    Token {
        /// The token.
        info: TokenInfo,
    },
    /// A refresh cycle gave up.
    Error {
        /// Why.
        error: ErrorInfo,
    },
    /// The state changed.
    State {
        /// The new state.
        state: ManagerState,
    },
    /// The current token reached its expiry without a replacement.
    Expired,
    /// The session ended by `logout()`.
    LoggedOut,
}

/// A token-free view of the manager for diagnostics.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Snapshot {
    /// Current state.
    pub state: ManagerState,
    /// Expiry of the current token.
    pub expires_at_ms: Option<u64>,
    /// Next planned refresh.
    pub refresh_at_ms: Option<u64>,
    /// Session generation (bumped by logout, dispose and a start after logout).
    pub generation: u64,
    /// Consecutive permanent failures.
    pub consecutive_failures: u32,
    /// The last failure, cleared by the next success.
    pub last_error: Option<ErrorInfo>,
    /// Foreground or background.
    pub app_state: AppState,
}

/// Errors of the manager's methods. Codes and texts are those of the JavaScript SDK; no
/// variant ever carries a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum TokenManagerError {
    /// An option has an out-of-range value. `field` is spelled as in the TypeScript bindings
    /// (`fetchTimeoutMs`, `retry.maxAttempts`).
    #[error("invalid option `{field}`: expected {expected}")]
    InvalidOptions {
        /// The option's name.
        field: String,
        /// What it must be.
        expected: String,
    },
    /// The token request did not reach the backend.
    #[error("network error while fetching the chat token")]
    Network,
    /// The token request took longer than `fetch_timeout_ms`.
    #[error("the token request timed out and was aborted")]
    Timeout,
    /// The token endpoint answered with an HTTP error status.
    #[error("the token endpoint answered with HTTP status {status}")]
    Http {
        /// The status.
        status: u16,
        /// Whether trying again later may succeed.
        retryable: bool,
    },
    /// The token endpoint answered 429.
    #[error("the token endpoint is rate limiting requests")]
    RateLimited {
        /// The delay asked for with `Retry-After`, in ms.
        retry_after_ms: Option<u64>,
    },
    /// The backend refused the credentials (401/403), or a just-issued token was rejected.
    #[error("{detail}")]
    Unauthorized {
        /// What happened.
        detail: String,
        /// HTTP status, when the token endpoint answered 401/403.
        status: Option<u16>,
    },
    /// The token response is malformed.
    #[error("invalid token response: `{field}` {problem}")]
    InvalidResponse {
        /// The offending field (`authToken`, `expiresIn`, `body`, ...).
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The host's login failed or did not finish within `login_timeout_ms`.
    #[error("{detail}")]
    LoginFailed {
        /// What happened.
        detail: String,
        /// Whether trying again later may succeed.
        retryable: bool,
    },
    /// The session this request belonged to ended (`logout()`).
    #[error("the result was discarded because the session ended")]
    Discarded,
    /// The manager was disposed.
    #[error("the token manager is disposed")]
    Disposed,
    /// Three consecutive permanent failures: stopped until `start()` or `refresh()`.
    #[error("token refresh stopped after repeated permanent failures; call start() or refresh() to try again")]
    Failed,
    /// Logged out: only `start()` begins a new session.
    #[error("logged out; call start() to begin a new session")]
    LoggedOut,
}

impl From<TokenError> for TokenManagerError {
    fn from(e: TokenError) -> Self {
        match e.kind {
            ErrorKind::InvalidOptions { field, expected } => {
                Self::InvalidOptions { field: field.into(), expected: expected.into() }
            }
            ErrorKind::Network => Self::Network,
            ErrorKind::Timeout => Self::Timeout,
            ErrorKind::Http => Self::Http { status: e.status.unwrap_or(0), retryable: e.retryable },
            ErrorKind::RateLimited => Self::RateLimited { retry_after_ms: e.retry_after_ms },
            ErrorKind::Unauthorized(detail) => Self::Unauthorized { detail: detail.into(), status: e.status },
            ErrorKind::InvalidResponse { field, problem } => {
                Self::InvalidResponse { field: field.into(), problem: problem.into() }
            }
            ErrorKind::LoginFailed(detail) => Self::LoginFailed { detail: detail.into(), retryable: e.retryable },
            ErrorKind::Discarded => Self::Discarded,
            ErrorKind::Disposed => Self::Disposed,
            ErrorKind::Failed => Self::Failed,
            ErrorKind::LoggedOut => Self::LoggedOut,
        }
    }
}

/// What a host callback may raise. The manager never feeds its text back anywhere: a failed
/// `fetch_token` counts as a network error, a failed `login` as a failed login, a failed
/// `load_stored` as an empty store; the others are ignored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum HostError {
    /// The callback failed.
    #[error("host callback failed")]
    Failed {
        /// The host's own description (not logged by the manager).
        detail: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for HostError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed { detail: e.reason }
    }
}
