//! The one error type of the SDK, with stable string codes.

use alloc::borrow::Cow;

use crate::Millis;

/// Why an operation failed. Each variant maps to one stable [`code`](ErrorKind::code).
///
/// Messages are static text plus, at most, the name of a field: they never contain a
/// token, a user id or a number that would need float formatting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error), uniffi(flat_error, name = "TokenManagerError"))]
pub enum ErrorKind {
    /// An option has the wrong type or an out-of-range value.
    #[error("{}", self.message())]
    InvalidOptions {
        /// The option's name, dotted for nested options (`retry.maxAttempts`).
        field: &'static str,
        /// What the option must be.
        expected: &'static str,
    },
    /// The token request did not reach the backend or its answer was lost.
    #[error("{}", self.message())]
    Network,
    /// The token request took longer than `fetchTimeoutMs` and was aborted.
    #[error("{}", self.message())]
    Timeout,
    /// The token endpoint answered with an HTTP error status (see `status`).
    #[error("{}", self.message())]
    Http,
    /// The token endpoint answered 429 Too Many Requests.
    #[error("{}", self.message())]
    RateLimited,
    /// The backend refused the app's credentials (401/403), or a token it just issued was
    /// rejected by the chat service.
    #[error("{}", self.message())]
    Unauthorized(&'static str),
    /// The token response is malformed.
    #[error("{}", self.message())]
    InvalidResponse {
        /// The offending field (`authToken`, `expiresIn`, `data.expiresAt`, `body`, ...).
        field: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The app's `login` callback failed or did not settle within `loginTimeoutMs`.
    #[error("{}", self.message())]
    LoginFailed(&'static str),
    /// The session this request belonged to ended (`logout()` or a user switch).
    #[error("{}", self.message())]
    Discarded,
    /// The manager was disposed.
    #[error("{}", self.message())]
    Disposed,
    /// Three consecutive permanent failures: the manager stopped until `start()` or `refresh()`.
    #[error("{}", self.message())]
    Failed,
    /// The user logged out: only `start()` begins a new session.
    #[error("{}", self.message())]
    LoggedOut,
}

impl ErrorKind {
    /// The message, as JavaScript's `error.message` and `Display` show it (built without
    /// `core::fmt`: its parts are static text and, at most, a field's name).
    pub fn message(&self) -> Cow<'static, str> {
        let joined = |parts: [&str; 4]| -> Cow<'static, str> { Cow::Owned(parts.concat()) };
        match self {
            Self::InvalidOptions { field, expected } => joined(["invalid option `", field, "`: expected ", expected]),
            Self::Network => Cow::Borrowed("network error while fetching the chat token"),
            Self::Timeout => Cow::Borrowed("the token request timed out and was aborted"),
            Self::Http => Cow::Borrowed("the token endpoint answered with an HTTP error status"),
            Self::RateLimited => Cow::Borrowed("the token endpoint is rate limiting requests"),
            Self::Unauthorized(message) | Self::LoginFailed(message) => Cow::Borrowed(message),
            Self::InvalidResponse { field, problem } => joined(["invalid token response: `", field, "` ", problem]),
            Self::Discarded => Cow::Borrowed("the result was discarded because the session ended"),
            Self::Disposed => Cow::Borrowed("the token manager is disposed"),
            Self::Failed => {
                Cow::Borrowed("token refresh stopped after repeated permanent failures; call start() or refresh() to try again")
            }
            Self::LoggedOut => Cow::Borrowed("logged out; call start() to begin a new session"),
        }
    }

    /// The stable code JavaScript sees as `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidOptions { .. } => "invalid_options",
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::Http => "http",
            Self::RateLimited => "rate_limited",
            Self::Unauthorized(_) => "unauthorized",
            Self::InvalidResponse { .. } => "invalid_response",
            Self::LoginFailed(_) => "login_failed",
            Self::Discarded => "discarded",
            Self::Disposed => "disposed",
            Self::Failed => "failed",
            Self::LoggedOut => "logged_out",
        }
    }
}

/// An error with the facts a caller needs to react to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.kind.message())]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi(name = "ErrorInfo"))]
pub struct TokenError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// HTTP status of the token endpoint's answer, when there was one.
    pub status: Option<u16>,
    /// The delay the server asked for with `Retry-After`, in milliseconds.
    pub retry_after_ms: Option<Millis>,
    /// Whether trying again later may succeed.
    pub retryable: bool,
}

impl TokenError {
    /// An error of `kind` with no status; `retryable` is derived from the kind.
    pub fn new(kind: ErrorKind) -> Self {
        let retryable = matches!(kind, ErrorKind::Network | ErrorKind::Timeout);
        Self { kind, status: None, retry_after_ms: None, retryable }
    }

    /// `invalid_options` naming `field` and what it must be.
    pub fn invalid_option(field: &'static str, expected: &'static str) -> Self {
        Self::new(ErrorKind::InvalidOptions { field, expected })
    }

    /// `invalid_response` naming `field` and what is wrong with it.
    pub fn invalid_response(field: &'static str, problem: &'static str) -> Self {
        Self::new(ErrorKind::InvalidResponse { field, problem })
    }

    /// Classifies an HTTP error status of the token endpoint.
    ///
    /// Transient (retried): 408, 425, 429 and every 5xx except 501 and 505. Everything
    /// else is permanent. 429 is `rate_limited`, 401/403 `unauthorized`, the rest `http`.
    pub fn from_status(status: u16, retry_after_ms: Option<Millis>) -> Self {
        let kind = match status {
            429 => ErrorKind::RateLimited,
            401 | 403 => ErrorKind::Unauthorized("the token endpoint refused the request (401/403)"),
            _ => ErrorKind::Http,
        };
        let retryable = matches!(status, 408 | 425 | 429) || ((500..600).contains(&status) && status != 501 && status != 505);
        Self { kind, status: Some(status), retry_after_ms, retryable }
    }

    /// The stable code JavaScript sees as `error.code`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

/// The token-free summary of an error that snapshots carry (`snapshot().lastError`):
/// `{ code, message, status, retryable }`, `status` null when there was none.
#[cfg(feature = "serde")]
impl serde::Serialize for TokenError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut summary = serializer.serialize_struct("TokenError", 4)?;
        summary.serialize_field("code", self.code())?;
        summary.serialize_field("message", &*self.kind.message())?;
        summary.serialize_field("status", &self.status)?;
        summary.serialize_field("retryable", &self.retryable)?;
        summary.end()
    }
}

