//! `Debug` output of the types that carry a secret (a token, a refresh token, a WebSocket
//! token): every other field as usual, the secret as `<redacted>`, so that `{:?}` in an app's
//! log never prints one.

use core::fmt;

use crate::machine::{Grant, TokenInfo};
use crate::stored::Stored;

/// A secret in `Debug` output: whether it is there, never its text.
struct Redacted(bool);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 { "<redacted>" } else { "None" })
    }
}

impl fmt::Debug for TokenInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenInfo")
            .field("token", &Redacted(true))
            .field("expires_at", &self.expires_at)
            .field("refresh_at", &self.refresh_at)
            .field("issued_at", &self.issued_at)
            .field("reason", &self.reason)
            .field("source", &self.source)
            .field("refresh_token", &Redacted(self.refresh_token.is_some()))
            .field("ws_token", &Redacted(self.ws_token.is_some()))
            .finish()
    }
}

impl fmt::Debug for Stored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stored")
            .field("token", &Redacted(true))
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &Redacted(self.refresh_token.is_some()))
            .field("ws_token", &Redacted(self.ws_token.is_some()))
            .finish()
    }
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grant::Source => f.write_str("Source"),
            Grant::Refresh(_) => f.debug_tuple("Refresh").field(&Redacted(true)).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::string::String;

    use crate::machine::{Action, Grant, OpId, Reason, Source, TokenInfo};
    use crate::stored::Stored;

    #[test]
    fn debug_output_never_holds_a_secret() {
        let info = TokenInfo {
            token: String::from("SECRET-token"),
            expires_at: 2,
            refresh_at: 1,
            issued_at: 0,
            reason: Reason::Initial,
            source: Source::Network,
            refresh_token: Some(String::from("SECRET-refresh")),
            ws_token: Some(String::from("SECRET-ws")),
        };
        let printed = [
            format!("{info:?}"),
            format!("{:?}", Stored::of(&info)),
            format!("{:?}", Action::Login { op: OpId(1), info: info.clone() }),
            format!("{:?}", Action::Fetch { op: OpId(2), reason: Reason::Scheduled, attempt: 1, grant: Grant::Refresh(String::from("SECRET-refresh")) }),
        ];
        for text in printed {
            assert!(!text.contains("SECRET"), "{text}");
            assert!(text.contains("<redacted>"), "{text}");
        }
        assert!(format!("{info:?}").contains("expires_at: 2"));
    }
}
