//! The records the host exchanges with the manager that only the native bridge has: the
//! token request and its outcome, the app's foreground state, and a callback's error. The
//! rest (tokens, states, events, errors, the snapshot) are the core's own types.

use std::fmt;

use chat_token_core::{Fields, Reason, TokenInfo, Value};

/// Whether the app is in the foreground (React Native's `AppState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AppState {
    /// Foreground: timers run.
    Active,
    /// Background: the watchdog is stopped (`next_deadline_ms()` is `None`).
    Background,
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

impl Fields for TokenResponse {
    fn is_object(&self) -> bool {
        true
    }

    fn get(&self, path: &[&str]) -> Value {
        let opt_str = |s: &Option<String>| s.clone().map_or(Value::Missing, Value::Str);
        let opt_num = |n: Option<f64>| n.map_or(Value::Missing, Value::Num);
        match path {
            ["authToken"] => Value::Str(self.auth_token.clone()),
            ["expiresIn"] => opt_num(self.expires_in_s),
            ["expiresAt"] => opt_num(self.expires_at),
            ["refreshToken"] => opt_str(&self.refresh_token),
            ["wsToken"] => opt_str(&self.ws_token),
            _ => Value::Missing,
        }
    }
}

/// How a token request ended (`TokenManager::fetch_finished`). Its `Debug` output redacts the
/// body (a 2xx body is the token response).
#[derive(Clone, PartialEq, uniffi::Enum)]
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

impl fmt::Debug for FetchOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http { status, retry_after, date, .. } => f
                .debug_struct("Http")
                .field("status", status)
                .field("body", &"<redacted>")
                .field("retry_after", retry_after)
                .field("date", date)
                .finish(),
            Self::Token { response } => f.debug_struct("Token").field("response", response).finish(),
            Self::NetworkError => f.write_str("NetworkError"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_of_a_fetch_outcome_never_holds_the_token() {
        let body = String::from(r#"{"authToken":"SECRET-token","refreshToken":"SECRET-refresh"}"#);
        let http = FetchOutcome::Http { status: 200, body, retry_after: None, date: None };
        let response = TokenResponse {
            auth_token: "SECRET-token".into(),
            expires_in_s: Some(60.0),
            expires_at: None,
            refresh_token: Some("SECRET-refresh".into()),
            ws_token: None,
        };
        for printed in [format!("{http:?}"), format!("{:?}", FetchOutcome::Token { response })] {
            assert!(!printed.contains("SECRET"), "{printed}");
            assert!(printed.contains("<redacted>"), "{printed}");
        }
    }
}
