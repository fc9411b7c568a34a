//! Parsers for untrusted input: token responses, JWT payloads and `Retry-After`.
//!
//! None of them panics or allocates more than its input; all are fuzzed.

use alloc::string::String;
use alloc::vec::Vec;

use crate::{Millis, TokenError};

/// Largest time the SDK accepts, in epoch milliseconds (JavaScript's `Number.MAX_SAFE_INTEGER`).
pub const MAX_TIME_MS: Millis = (1 << 53) - 1;

/// Clock differences up to this much between the server's `Date` header and the manager's
/// clock are not corrected.
pub const SKEW_TOLERANCE_MS: Millis = 10_000;

/// A value read from a token response, whatever its source (a JS object, JSON, a map).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The field is absent (or `undefined`).
    Missing,
    /// The field is `null`.
    Null,
    /// A string.
    Str(String),
    /// A number.
    Num(f64),
    /// Anything else: a boolean, an object, an array.
    Other,
}

/// Read access to a token response. The wasm shell implements it over a JS object, the
/// native bridge over JSON and its typed response; tests and fuzzers over JSON.
pub trait Fields {
    /// Whether the response is an object at all.
    fn is_object(&self) -> bool;
    /// The value at `path` (`["data", "authToken"]`); [`Value::Missing`] where any step is absent.
    fn get(&self, path: &[&str]) -> Value;
}

/// Where a token's expiry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpirySource {
    /// `expiresIn` (seconds from receipt): immune to clock skew.
    ExpiresIn,
    /// `expiresAt` (epoch ms, or epoch s below 1e12).
    ExpiresAt,
    /// The JWT `exp` claim.
    JwtExp,
    /// `defaultTtlMs`: an opaque token with no expiry information.
    Default,
}

/// A validated token response.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedToken {
    /// The token itself (non-empty).
    pub token: String,
    /// When it expires, epoch ms on the manager's clock.
    pub expires_at: Millis,
    /// Where `expires_at` came from.
    pub expiry_source: ExpirySource,
    /// Optional refresh token, passed back to `fetchToken` through `ctx.previous`.
    pub refresh_token: Option<String>,
    /// Optional WebSocket token.
    pub ws_token: Option<String>,
}

/// The fields that may hold the token, in order of precedence.
const TOKEN_FIELDS: [&str; 4] = ["authToken", "token", "accessToken", "data.authToken"];

/// The value of the field `name` (`"expiresIn"`, or `"data.expiresIn"` inside `data`); the
/// name is also the field's name in errors.
fn field(src: &impl Fields, name: &str) -> Value {
    match name.split_once('.') {
        Some((a, b)) => src.get(&[a, b]),
        None => src.get(&[name]),
    }
}

/// Validates a token response received at `now`, whose HTTP `Date` header (if any) said
/// `server_date` (epoch ms).
///
/// Token from `authToken`, `token`, `accessToken` or `data.authToken`; expiry from
/// `expiresIn` (also in `data`, wins over the rest), `expiresAt` (also in `data`), the JWT
/// `exp` claim, else `now + default_ttl_ms`. With a `server_date`, absolute expiries
/// (`expiresAt`, JWT `exp`) are moved onto the manager's clock by the measured skew, so a
/// client clock an hour off neither rejects a valid token nor refreshes an expired one too
/// late. (`expiresIn` needs no correction.)
pub fn parse_token_response(src: &impl Fields, now: Millis, default_ttl_ms: Millis, server_date: Option<Millis>) -> Result<ParsedToken, TokenError> {
    if !src.is_object() {
        return Err(TokenError::invalid_response("response", "must be an object"));
    }
    // The first of the four token fields that is present (a loop: smaller in wasm than an
    // iterator chain).
    let mut i = 0;
    let value = loop {
        match field(src, TOKEN_FIELDS[i]) {
            Value::Missing | Value::Null if i < 3 => i += 1,
            Value::Missing | Value::Null => {
                return Err(TokenError::invalid_response(
                    "authToken",
                    "is missing: expected a token string in authToken, token, accessToken or data.authToken",
                ))
            }
            v => break v,
        }
    };
    let token = match value {
        Value::Str(s) if trim(&s).is_empty() => return Err(TokenError::invalid_response(TOKEN_FIELDS[i], "must not be empty")),
        Value::Str(s) => s,
        _ => return Err(TokenError::invalid_response(TOKEN_FIELDS[i], "must be a string")),
    };

    let (expires_at, expiry_source) = if let Some(secs) = number_field(src, ["expiresIn", "data.expiresIn"])? {
        let ms = secs.1 * 1000.0;
        if ms < 1.0 || ms > (MAX_TIME_MS - now.min(MAX_TIME_MS)) as f64 {
            return Err(TokenError::invalid_response(secs.0, "must be a positive number of seconds within range"));
        }
        (now + ms as Millis, ExpirySource::ExpiresIn)
    } else if let Some((field, at)) = number_field(src, ["expiresAt", "data.expiresAt"])? {
        let ms = if at < 1e12 { at * 1000.0 } else { at };
        if !(ms > 0.0 && ms <= MAX_TIME_MS as f64) {
            return Err(TokenError::invalid_response(field, "must be a positive epoch time in milliseconds or seconds"));
        }
        (ms as Millis, ExpirySource::ExpiresAt)
    } else if let Some(exp) = jwt_exp(&token)? {
        let ms = exp * 1000.0;
        if !(ms > 0.0 && ms <= MAX_TIME_MS as f64) {
            return Err(TokenError::invalid_response("exp", "must be a positive epoch time in seconds"));
        }
        (ms as Millis, ExpirySource::JwtExp)
    } else {
        (now.saturating_add(default_ttl_ms).min(MAX_TIME_MS), ExpirySource::Default)
    };
    let expires_at = match (expiry_source, server_date) {
        // The Date header has one-second precision plus transit time: only a real skew counts.
        (ExpirySource::ExpiresAt | ExpirySource::JwtExp, Some(date)) if now.abs_diff(date) > SKEW_TOLERANCE_MS => {
            // expires_at + (now - date), clamped to [0, MAX_TIME_MS]: exact for every `now`
            // up to u64::MAX - MAX_TIME_MS (expires_at is at most MAX_TIME_MS here).
            expires_at.saturating_add(now).saturating_sub(date).min(MAX_TIME_MS)
        }
        _ => expires_at,
    };
    if expires_at <= now {
        let field = match expiry_source {
            ExpirySource::ExpiresAt => "expiresAt",
            ExpirySource::JwtExp => "exp",
            _ => "expiresIn",
        };
        return Err(TokenError::invalid_response(field, "is already in the past: the token has expired"));
    }

    Ok(ParsedToken {
        token,
        expires_at,
        expiry_source,
        refresh_token: string_field(src, ["refreshToken", "data.refreshToken"])?,
        ws_token: string_field(src, ["wsToken", "data.wsToken"])?,
    })
}

/// Reads the first present of `names` (top level, then inside `data`): a finite number or a
/// numeric string. Returns the name it was found under.
fn number_field(src: &impl Fields, names: [&'static str; 2]) -> Result<Option<(&'static str, f64)>, TokenError> {
    for name in names {
        let n = match field(src, name) {
            Value::Missing | Value::Null => continue,
            Value::Num(n) => n,
            Value::Str(s) => parse_number(&s).unwrap_or(f64::NAN),
            Value::Other => f64::NAN,
        };
        if !n.is_finite() || n <= 0.0 {
            return Err(TokenError::invalid_response(name, "must be a positive, finite number"));
        }
        return Ok(Some((name, n)));
    }
    Ok(None)
}

/// Reads the first present of `names`: a non-empty string when present.
fn string_field(src: &impl Fields, names: [&'static str; 2]) -> Result<Option<String>, TokenError> {
    for name in names {
        match field(src, name) {
            Value::Missing | Value::Null => continue,
            Value::Str(s) if !s.is_empty() => return Ok(Some(s)),
            _ => return Err(TokenError::invalid_response(name, "must be a non-empty string when present")),
        }
    }
    Ok(None)
}

/// Parses a decimal number (`"3600"`, `" 1.5e3 "`) without pulling in float parsing.
/// Returns `None` for anything that is not a plain finite decimal.
pub fn parse_number(s: &str) -> Option<f64> {
    let b = trim(s).as_bytes();
    let (neg, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let mut i = 0;
    let mut value = 0f64;
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        value = value * 10.0 + f64::from(b[i] - b'0');
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let mut scale = 0.1;
        while i < b.len() && b[i].is_ascii_digit() {
            value += f64::from(b[i] - b'0') * scale;
            scale /= 10.0;
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let exp_neg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        let mut exp: i32 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            exp = exp.saturating_mul(10).saturating_add(i32::from(b[i] - b'0'));
            i += 1;
        }
        if i == start {
            return None;
        }
        value *= powi(10.0, if exp_neg { -exp } else { exp });
    }
    if i != b.len() || !value.is_finite() {
        return None;
    }
    Some(if neg { -value } else { value })
}

/// Exactly `core::str::from_utf8(b).ok()` (no overlong forms, no surrogates, nothing above
/// U+10FFFF), as a plain loop: core's version is fast but about 0.7 KB of wasm.
pub fn utf8(b: &[u8]) -> Option<&str> {
    let mut i = 0;
    while let Some(&x) = b.get(i) {
        // Continuation bytes after the lead, and the smallest code point that needs them.
        let (n, min) = match x {
            0..=0x7f => (0, 0),
            0xc2..=0xdf => (1, 0x80),
            0xe0..=0xef => (2, 0x800),
            0xf0..=0xf4 => (3, 0x1_0000),
            _ => return None,
        };
        let mut c = u32::from(x & (0x7f >> n));
        for k in 1..=n {
            let y = *b.get(i + k)?;
            if y & 0xc0 != 0x80 {
                return None;
            }
            c = c << 6 | u32::from(y & 0x3f);
        }
        if c < min || c > 0x10_ffff || (0xd800..=0xdfff).contains(&c) {
            return None;
        }
        i += n + 1;
    }
    // SAFETY: every character was just checked to be well-formed UTF-8 (the same rules as
    // `core::str::from_utf8`; tests compare the two exhaustively up to 3 bytes and on random input).
    Some(unsafe { core::str::from_utf8_unchecked(b) })
}

/// Whether `c` is Unicode `White_Space` (what `char::is_whitespace` and `str::trim` use).
fn is_ws(c: u32) -> bool {
    matches!(c, 0x09..=0x0d | 0x20 | 0x85 | 0xa0 | 0x1680 | 0x2000..=0x200a | 0x2028 | 0x2029 | 0x202f | 0x205f | 0x3000)
}

/// The code point of the character of valid UTF-8 starting at `b[i]` (any 4-byte character
/// maps to a value above U+FFFF, which is never whitespace).
fn code_point(b: &[u8], i: usize) -> u32 {
    let at = |k: usize| u32::from(b.get(i + k).copied().unwrap_or(0));
    let (x, c1, c2) = (at(0), at(1) & 0x3f, at(2) & 0x3f);
    if x < 0x80 {
        x
    } else if x < 0xe0 {
        (x & 0x1f) << 6 | c1
    } else if x < 0xf0 {
        (x & 0x0f) << 12 | c1 << 6 | c2
    } else {
        u32::MAX
    }
}

/// Exactly `str::trim` (Unicode `White_Space` at both ends), on the UTF-8 bytes: smaller in
/// the wasm than core's char-pattern machinery.
pub(crate) fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let (mut i, mut j) = (0, b.len());
    while i < j && is_ws(code_point(b, i)) {
        // Whitespace is at most 3 bytes long: ASCII, C2 xx, or Ex xx xx.
        let x = b.get(i).copied().unwrap_or(0);
        i += if x < 0x80 { 1 } else if x < 0xe0 { 2 } else { 3 };
    }
    while i < j {
        // The last character's lead byte (continuation bytes are 10xxxxxx).
        let mut k = j - 1;
        while k > i && b.get(k).is_some_and(|&x| x & 0xc0 == 0x80) {
            k -= 1;
        }
        if !is_ws(code_point(b, k)) {
            break;
        }
        j = k;
    }
    s.get(i..j).unwrap_or_default()
}

/// Parses an unsigned decimal integer exactly as `str::parse::<u64>` does (an optional `+`,
/// then at least one ASCII digit, no overflow), without the generic integer parser.
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    let s = match s {
        [b'+', rest @ ..] => rest,
        _ => s,
    };
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u64, |acc, &b| {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        // `acc.checked_mul(10)`, without the 64-bit overflowing multiply (`__multi3`).
        if acc > u64::MAX / 10 {
            return None;
        }
        (acc * 10).checked_add(u64::from(d))
    })
}

/// The `exp` claim of a JWT, in seconds.
///
/// `Ok(None)` when `token` is not a JWT (opaque tokens such as CometChat's) or has no
/// `exp`; an error when it is a JWT whose `exp` is not a number.
pub fn jwt_exp(token: &str) -> Result<Option<f64>, TokenError> {
    // Split on bytes ('.' is ASCII): the same parts as `str::split('.')`, without the
    // char-pattern searcher in the wasm.
    let mut parts = token.as_bytes().split(|&b| b == b'.');
    let (Some(_header), Some(payload), Some(_sig), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Ok(None);
    };
    let Some(json) = base64url_decode_bytes(payload) else { return Ok(None) };
    match crate::json::top_level_field(&json, b"exp") {
        Err(()) => Ok(None),
        Ok(None) => Ok(None),
        Ok(Some(raw)) => match utf8(raw).and_then(parse_number) {
            Some(n) if n.is_finite() => Ok(Some(n)),
            _ => Err(TokenError::invalid_response("exp", "must be a number (JWT exp claim)")),
        },
    }
}

/// Decodes unpadded or padded base64url (also accepts the standard alphabet).
pub fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    base64url_decode_bytes(s.as_bytes())
}

fn base64url_decode_bytes(mut s: &[u8]) -> Option<Vec<u8>> {
    // `trim_end_matches('=')`, on bytes.
    while let [rest @ .., b'='] = s {
        s = rest;
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return None; // a single dangling character cannot encode a byte
    }
    Some(out)
}

/// `a` to the power `b`, by the same square-and-multiply steps as compiler-rt's `__powidf2`
/// (what `f64::powi` lowers to), so results are bit-identical to it; `powi` itself is not in
/// `core`.
fn powi(mut a: f64, b: i32) -> f64 {
    let mut n = b.unsigned_abs();
    let mut r = 1.0;
    loop {
        if n & 1 != 0 {
            r *= a;
        }
        n >>= 1;
        if n == 0 {
            break;
        }
        a *= a;
    }
    if b < 0 {
        1.0 / r
    } else {
        r
    }
}

const MONTHS: &[u8; 36] = b"JanFebMarAprMayJunJulAugSepOctNovDec";
const DAYS: [&[u8]; 7] = [b"Monday", b"Tuesday", b"Wednesday", b"Thursday", b"Friday", b"Saturday", b"Sunday"];

/// `n` ASCII digits at the start of `s`.
fn digits(s: &[u8], n: usize) -> Option<u64> {
    s.get(..n)?.iter().try_fold(0u64, |acc, &c| {
        let v = c.wrapping_sub(b'0');
        (v < 10).then_some(acc * 10 + u64::from(v))
    })
}

/// The month (1–12) named by the 3 bytes `s`.
fn month(s: &[u8]) -> Option<u64> {
    MONTHS.chunks(3).position(|m| m == s).map(|i| i as u64 + 1)
}

/// The weekday (1 = Monday … 7 = Sunday) whose name starts `s`, full or abbreviated to 3
/// letters, and the name's length.
fn weekday(s: &[u8], full: bool) -> Option<(u64, usize)> {
    DAYS.iter().enumerate().find_map(|(i, d)| {
        let name = if full { d } else { &d[..3] };
        s.starts_with(name).then_some((i as u64 + 1, name.len()))
    })
}

/// Parses an HTTP-date (the `Date` header) into epoch milliseconds: IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) or asctime
/// (`Sun Nov  6 08:49:37 1994`), with a weekday that matches the date and years 1970–9999.
/// Accepts exactly what the `httpdate` crate accepts (tests/http_date.rs compares the two).
pub fn parse_http_date(value: &str) -> Option<Millis> {
    let s = trim(value);
    if !s.is_ascii() {
        return None;
    }
    let s = s.as_bytes();
    // (weekday, day, month, year, "hh:mm:ss")
    let (wday, day, mon, year, t) = if s.len() == 29 && &s[25..] == b" GMT" && &s[3..5] == b", " && s[7] == b' ' && s[11] == b' ' && s[16] == b' ' {
        (weekday(&s[..3], false)?.0, digits(&s[5..], 2)?, month(&s[8..11])?, digits(&s[12..], 4)?, &s[17..25])
    } else if s.len() == 24 && s[3] == b' ' && s[7] == b' ' && s[10] == b' ' && s[19] == b' ' {
        let day = if s[8] == b' ' { digits(&s[9..], 1)? } else { digits(&s[8..], 2)? };
        (weekday(&s[..3], false)?.0, day, month(&s[4..7])?, digits(&s[20..], 4)?, &s[11..19])
    } else {
        let (wday, len) = weekday(s, true)?;
        let r = &s[len..];
        if r.len() != 24 || &r[..2] != b", " || r[4] != b'-' || r[8] != b'-' || &r[20..] != b" GMT" {
            return None;
        }
        let yy = digits(&r[9..], 2)?;
        (wday, digits(&r[2..], 2)?, month(&r[5..8])?, yy + if yy < 70 { 2000 } else { 1900 }, &r[12..20])
    };
    if t[2] != b':' || t[5] != b':' {
        return None;
    }
    let (hour, min, sec) = (digits(t, 2)?, digits(&t[3..], 2)?, digits(&t[6..], 2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = 28 + ((0x3bbeecc_u32 >> (mon * 2)) & 3) as u64 + u64::from(leap && mon == 2);
    if sec >= 60 || min >= 60 || hour >= 24 || day == 0 || day > month_days || !(1970..=9999).contains(&year) {
        return None;
    }
    // Days since 1970-01-01 (days-from-civil, with March as the first month).
    let (y, m) = if mon <= 2 { (year - 1, mon + 9) } else { (year, mon - 3) };
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + day - 1 - 719_468;
    // 1970-01-01 was a Thursday (4).
    if (days + 3) % 7 + 1 != wday {
        return None;
    }
    Some((days * 86_400 + hour * 3600 + min * 60 + sec) * 1000)
}

/// Parses a `Retry-After` header value received at `now` into a delay in milliseconds.
///
/// Accepts delta-seconds (`"120"`) and an HTTP-date (all three formats of RFC 9110); a
/// date in the past is a zero delay. `None` when the value is neither.
pub fn parse_retry_after(value: &str, now: Millis) -> Option<Millis> {
    let v = trim(value);
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // Digits only, so `parse_u64` reads them as `checked_mul`/`checked_add` would.
        let secs = parse_u64(v.as_bytes()).unwrap_or(u64::MAX);
        return Some(if secs > u64::MAX / 1000 { u64::MAX } else { secs * 1000 });
    }
    Some(parse_http_date(v)?.saturating_sub(now))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;
    use std::string::ToString;

    #[test]
    fn trim_matches_str_trim_for_every_whitespace_char() {
        for c in (0..=0x10ffff_u32).filter_map(char::from_u32) {
            for s in [std::format!("{c}"), std::format!("{c}x{c}"), std::format!("x{c}{c}"), std::format!("{c}{c}x")] {
                assert_eq!(trim(&s), s.trim(), "U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn utf8_matches_core_from_utf8_on_every_sequence_up_to_3_bytes() {
        let mut b = [0u8; 3];
        for x in 0..=0xff_u8 {
            b[0] = x;
            assert_eq!(utf8(&b[..1]), core::str::from_utf8(&b[..1]).ok());
            for y in 0..=0xff_u8 {
                b[1] = y;
                assert_eq!(utf8(&b[..2]), core::str::from_utf8(&b[..2]).ok());
                for z in 0..=0xff_u8 {
                    b[2] = z;
                    assert_eq!(utf8(&b), core::str::from_utf8(&b).ok(), "{b:x?}");
                }
            }
        }
    }

    #[test]
    fn utf8_matches_core_from_utf8_on_4_byte_sequences() {
        // Every lead byte F0..FF with continuations at and around the boundaries.
        let edges = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff];
        for x in 0xf0..=0xff_u8 {
            for y in 0..=0xff_u8 {
                for z in edges {
                    for w in edges {
                        let b = [x, y, z, w];
                        assert_eq!(utf8(&b), core::str::from_utf8(&b).ok(), "{b:x?}");
                    }
                }
            }
        }
    }

    #[test]
    fn stored_clean_matches_char_is_control_for_every_char() {
        for c in (0..=0x10ffff_u32).filter_map(char::from_u32) {
            for s in [std::format!("{c}"), std::format!("a{c}"), std::format!("{c}é{c}")] {
                assert_eq!(crate::stored::clean(&s), !s.chars().any(char::is_control), "U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn parse_u64_matches_str_parse_on_edge_cases() {
        for s in ["", "+", "-", "0", "+0", "-0", "00", "+12", "++1", "1+", " 1", "1 ", "18446744073709551615", "18446744073709551616", "0018446744073709551615", "9007199254740991", "1a", "١"] {
            assert_eq!(parse_u64(s.as_bytes()), s.parse::<u64>().ok(), "{s:?}");
        }
    }

    proptest! {
        #[test]
        fn parse_u64_matches_str_parse(s in "[+-]?[0-9]{0,22}[ a+:]?[0-9]{0,3}") {
            prop_assert_eq!(parse_u64(s.as_bytes()), s.parse::<u64>().ok());
        }

        #[test]
        fn parse_u64_matches_str_parse_on_any_string(s in "\\PC{0,24}") {
            prop_assert_eq!(parse_u64(s.as_bytes()), s.parse::<u64>().ok());
        }

        #[test]
        fn trim_matches_str_trim(s in "[ \t\n\r\x0b\x0c\u{85}\u{a0}\u{1680}\u{2000}-\u{200b}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}\u{feff}a1é\u{80}\u{9a}\u{1681}\u{2080}\u{3001}]{0,12}") {
            prop_assert_eq!(trim(&s), s.trim());
        }

        #[test]
        fn trim_matches_str_trim_on_any_string(s in "\\PC{0,16}|\\s{0,4}\\PC{0,4}\\s{0,4}") {
            prop_assert_eq!(trim(&s), s.trim());
        }

        #[test]
        fn utf8_matches_core_from_utf8_on_random_bytes(b in proptest::collection::vec(any::<u8>(), 0..24)) {
            prop_assert_eq!(utf8(&b), core::str::from_utf8(&b).ok());
        }

        #[test]
        fn utf8_accepts_every_string(s in "\\PC{0,16}|[\u{0}-\u{10ffff}]{0,8}") {
            prop_assert_eq!(utf8(s.as_bytes()), Some(s.as_str()));
        }

        #[test]
        fn saturating_shl_matches_saturating_mul(base in prop_oneof![0..4u64, any::<u64>()], k in 0..80u32) {
            let want = base.saturating_mul(1u64.checked_shl(k).unwrap_or(u64::MAX));
            prop_assert_eq!(crate::schedule::saturating_shl(base, k), want);
        }

        #[test]
        fn retry_after_seconds_saturate_as_before(v in "[0-9]{1,25}") {
            let secs = v.bytes().try_fold(0u64, |acc, b| acc.checked_mul(10)?.checked_add(u64::from(b - b'0')));
            prop_assert_eq!(parse_retry_after(&v, 0), Some(secs.unwrap_or(u64::MAX).saturating_mul(1000)));
        }

        #[test]
        fn parse_u64_round_trips(n in any::<u64>()) {
            prop_assert_eq!(parse_u64(n.to_string().as_bytes()), Some(n));
        }

        #[test]
        fn base64_decoding_of_bytes_matches_the_str_version(s in "[A-Za-z0-9_+/=-]{0,40}") {
            // The byte-level padding strip equals `str::trim_end_matches('=')`.
            let trimmed = s.trim_end_matches('=');
            let mut b = s.as_bytes();
            while let [rest @ .., b'='] = b {
                b = rest;
            }
            prop_assert_eq!(b, trimmed.as_bytes());
            prop_assert_eq!(base64url_decode(&s), base64url_decode_bytes(s.as_bytes()));
        }

        #[test]
        fn jwt_parts_split_on_bytes_as_on_chars(s in "[a-z.é€😀]{0,20}") {
            let bytes: std::vec::Vec<&[u8]> = s.as_bytes().split(|&b| b == b'.').collect();
            let chars: std::vec::Vec<&[u8]> = s.split('.').map(str::as_bytes).collect();
            prop_assert_eq!(bytes, chars);
        }
    }
}
