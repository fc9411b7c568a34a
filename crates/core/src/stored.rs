//! The persisted (and cross-tab) form of a token: a small line-based record, so that reading
//! one needs no JSON parser and a corrupted entry is simply rejected.
//!
//! ```text
//! ctm1
//! <issuedAt epoch ms>
//! <expiresAt epoch ms>
//! <token>
//! <refreshToken or empty>
//! <wsToken or empty>
//! ```

use alloc::string::{String, ToString};

use crate::{Millis, TokenInfo};

const MAGIC: &str = "ctm1";

/// A token read back from storage or another tab.
/// Its `Debug` output redacts the tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct Stored {
    /// The token.
    pub token: String,
    /// When it was received, epoch ms.
    pub issued_at: Millis,
    /// When it expires, epoch ms.
    pub expires_at: Millis,
    /// Optional refresh token.
    pub refresh_token: Option<String>,
    /// Optional WebSocket token.
    pub ws_token: Option<String>,
}

/// No control character (`char::is_control`: U+0000–001F, U+007F–009F), checked on the
/// UTF-8 bytes (U+0080–009F is `C2 80`–`C2 9F`): no char decoding in the wasm.
pub(crate) fn clean(s: &str) -> bool {
    let b = s.as_bytes();
    !b.iter().enumerate().any(|(i, &c)| c < 0x20 || c == 0x7f || (c == 0xc2 && matches!(b.get(i + 1), Some(0x80..=0x9f))))
}

impl Stored {
    /// What is stored of `info`.
    pub fn of(info: &TokenInfo) -> Self {
        Self {
            token: info.token.clone(),
            issued_at: info.issued_at,
            expires_at: info.expires_at,
            refresh_token: info.refresh_token.clone(),
            ws_token: info.ws_token.clone(),
        }
    }
}

/// The entry text for `info`; `None` if a token contains a control character (such a token
/// cannot be stored: the shell persists and shares nothing for it).
pub fn format(info: &Stored) -> Option<String> {
    let parts = [info.token.as_str(), info.refresh_token.as_deref().unwrap_or(""), info.ws_token.as_deref().unwrap_or("")];
    if !parts.iter().all(|p| clean(p)) {
        return None;
    }
    let mut out = String::with_capacity(64 + parts.iter().map(|p| p.len()).sum::<usize>());
    let mut issued = [0u8; 20];
    let mut expires = [0u8; 20];
    // Lines joined by "\n".
    out.push_str(MAGIC);
    for line in [decimal(info.issued_at, &mut issued), decimal(info.expires_at, &mut expires), parts[0], parts[1], parts[2]] {
        out.push('\n');
        out.push_str(line);
    }
    Some(out)
}

/// `n` in decimal, written into `buf` (no formatting machinery: the wasm build has none).
fn decimal(mut n: Millis, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    crate::parse::utf8(buf.get(i..).unwrap_or_default()).unwrap_or("0")
}

/// A time as an entry or a marker writes it: 1 to 16 decimal digits, at most
/// [`MAX_TIME_MS`](crate::parse::MAX_TIME_MS).
fn time(s: &str) -> Option<Millis> {
    if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    crate::parse::parse_u64(s.as_bytes()).filter(|t| *t <= crate::parse::MAX_TIME_MS)
}

/// The cross-tab marker of a token a tab fetched: `<issuedAt>:<expiresAt>`, never the token.
/// Another tab reads it ([`parse_marker`], then [`Machine::peer_newer`](crate::Machine::peer_newer))
/// to know whether asking its peers for a token is worth the wait.
pub fn format_marker(issued_at: Millis, expires_at: Millis) -> String {
    let (mut issued, mut expires) = ([0u8; 20], [0u8; 20]);
    [decimal(issued_at, &mut issued), ":", decimal(expires_at, &mut expires)].concat()
}

/// Reads a marker written by [`format_marker`]: `(issuedAt, expiresAt)`, or `None`.
pub fn parse_marker(marker: &str) -> Option<(Millis, Millis)> {
    let (issued, expires) = marker.split_once(':')?;
    Some((time(issued)?, time(expires)?))
}

/// Reads an entry; `None` for anything that is not a well-formed, self-consistent one.
pub fn parse(entry: &str) -> Option<Stored> {
    // Lines split on bytes ('\n' is ASCII, so every line is valid UTF-8): the same lines as
    // `str::split('\n')`, without the char-pattern searcher in the wasm.
    let mut lines = entry.as_bytes().split(|&b| b == b'\n').filter_map(crate::parse::utf8);
    let mut next = || lines.next();
    if next()? != MAGIC {
        return None;
    }
    let issued_at = time(next()?)?;
    let expires_at = time(next()?)?;
    let token = next()?;
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let refresh_token = opt(next()?);
    let ws_token = opt(next()?);
    let lines_clean = [Some(token), refresh_token.as_deref(), ws_token.as_deref()].into_iter().flatten().all(clean);
    if next().is_some() || crate::parse::trim(token).is_empty() || !lines_clean || expires_at <= issued_at {
        return None;
    }
    Some(Stored { token: token.to_string(), issued_at, expires_at, refresh_token, ws_token })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Reason, Source};

    fn info(token: &str) -> TokenInfo {
        TokenInfo {
            token: token.into(),
            expires_at: 2_000,
            refresh_at: 1_500,
            issued_at: 1_000,
            reason: Reason::Initial,
            source: Source::Network,
            refresh_token: Some("r".into()),
            ws_token: None,
        }
    }

    #[test]
    fn round_trips() {
        let s = parse(&format(&Stored::of(&info("tok"))).unwrap()).unwrap();
        assert_eq!(s, Stored { token: "tok".into(), issued_at: 1_000, expires_at: 2_000, refresh_token: Some("r".into()), ws_token: None });
    }

    #[test]
    fn markers_round_trip_and_reject_anything_else() {
        assert_eq!(format_marker(1_700_000_000_000, 1_700_003_600_000), "1700000000000:1700003600000");
        assert_eq!(parse_marker(&format_marker(0, 9_007_199_254_740_991)), Some((0, 9_007_199_254_740_991)));
        for bad in ["", ":", "1:", ":2", "1:2:3", "1-2", "a:2", "1:9007199254740992", "12345678901234567:1", " 1:2"] {
            assert_eq!(parse_marker(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn rejects_corrupted_entries() {
        let good = format(&Stored::of(&info("tok"))).unwrap();
        for bad in [
            "",
            "ctm1",
            "{\"token\":\"x\"}",
            &good.replace("ctm1", "ctm2"),
            &good.replace("2000", "999"),
            &good.replace("2000", "20x0"),
            &good.replace("tok", ""),
            &(good.clone() + "\nextra"),
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        assert_eq!(format(&Stored::of(&info("a\nb"))), None);
        // Found by fuzzing: a control character in an optional line must be rejected too,
        // or an entry is accepted that can never be written back.
        assert_eq!(parse("ctm1\n0\n7\nc\n\n\0"), None);
    }
}
