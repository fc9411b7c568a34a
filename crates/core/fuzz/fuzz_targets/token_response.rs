//! `parse::parse_token_response` over untrusted token responses.
//!
//! Input: a JSON document (the body the backend sent). Optional top-level `__now`, `__ttl`
//! and `__date` numbers set the clock, `defaultTtlMs` and the server's `Date` header (epoch
//! ms, the parser's `server_date`); the parser ignores them as any unknown field. Input that
//! is not JSON builds a response field by field with `arbitrary`, so numbers such as NaN,
//! infinities and -0 (which JSON cannot carry) are reached too. Each response is parsed
//! without a `Date` header and with the given one.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use chat_token_core::parse::{jwt_exp, parse_token_response, ExpirySource, ParsedToken, MAX_TIME_MS, SKEW_TOLERANCE_MS};
use chat_token_core::TokenError;
use chat_token_core::{Fields, Millis, Value};
use fuzz_support::{jwt_with_payload, pick_now, JsonFields};
use libfuzzer_sys::fuzz_target;

const TOKEN_PATHS: [&[&str]; 4] = [&["authToken"], &["token"], &["accessToken"], &["data", "authToken"]];

fuzz_target!(|data: &[u8]| {
    match serde_json::from_slice::<serde_json::Value>(data) {
        Ok(json) => {
            let num = |k: &str| json.get(k).and_then(serde_json::Value::as_f64).map(|n| n as Millis);
            let now = num("__now").unwrap_or_else(|| pick_now(data.len()));
            let ttl = num("__ttl").unwrap_or(86_400_000);
            check(&JsonFields(&json), now, ttl, num("__date"));
        }
        Err(_) => {
            let mut u = Unstructured::new(data);
            if let Ok(r) = ArbResponse::arbitrary(&mut u) {
                check(&r, r.now, r.ttl, r.date);
            }
        }
    }
});

fn check(src: &impl Fields, now: Millis, ttl: Millis, date: Option<Millis>) {
    let plain = parse_token_response(src, now, ttl, None);
    let dated = parse_token_response(src, now, ttl, date);
    check_one(src, now, ttl, &plain);
    check_one(src, now, ttl, &dated);
    // The Date header only moves absolute expiries, and only beyond the tolerance.
    if date.is_none_or(|d| now.abs_diff(d) <= SKEW_TOLERANCE_MS) {
        assert_eq!(plain, dated, "a Date within the tolerance changed the result");
    }
    if let Ok(p @ ParsedToken { expiry_source: ExpirySource::ExpiresIn | ExpirySource::Default, .. }) = &plain {
        assert_eq!(Ok(p), dated.as_ref(), "a Date header changed a relative expiry");
    }
}

/// What must hold for any accepted response.
fn check_one(src: &impl Fields, now: Millis, ttl: Millis, result: &Result<ParsedToken, TokenError>) {
    let Ok(p) = result else { return };
    assert!(!p.token.trim().is_empty(), "accepted a blank token");
    let first = TOKEN_PATHS.iter().map(|path| src.get(path)).find(|v| !matches!(v, Value::Missing | Value::Null));
    assert_eq!(first, Some(Value::Str(p.token.clone())), "token not taken from the first present field");
    assert!(p.expires_at > now, "accepted a token that is already expired");
    assert!(p.expires_at <= MAX_TIME_MS, "expiry beyond MAX_TIME_MS: {}", p.expires_at);
    assert!(p.refresh_token.as_deref() != Some(""), "empty refresh token accepted");
    assert!(p.ws_token.as_deref() != Some(""), "empty ws token accepted");
    match p.expiry_source {
        ExpirySource::Default => assert_eq!(p.expires_at, now.saturating_add(ttl).min(MAX_TIME_MS)),
        ExpirySource::JwtExp => assert!(matches!(jwt_exp(&p.token), Ok(Some(_)))),
        ExpirySource::ExpiresIn | ExpirySource::ExpiresAt => {}
    }
}

/// A number as a response may carry it: a JSON number or a numeric string.
#[derive(Arbitrary, Debug)]
enum ArbNum {
    Num(f64),
    Int(i64),
    Str(String),
    Decimal(u32, u16),
}

#[derive(Arbitrary, Debug)]
enum ArbValue {
    Missing,
    Null,
    Str(String),
    Num(ArbNum),
    Other,
    /// A JWT whose payload is `{"exp": <n>}` (or anything else).
    JwtExp(ArbNum),
    JwtRaw(Vec<u8>),
}

impl ArbValue {
    fn value(&self) -> Value {
        match self {
            Self::Missing => Value::Missing,
            Self::Null => Value::Null,
            Self::Str(s) => Value::Str(s.clone()),
            Self::Num(ArbNum::Num(n)) => Value::Num(*n),
            Self::Num(ArbNum::Int(n)) => Value::Num(*n as f64),
            Self::Num(ArbNum::Str(s)) => Value::Str(s.clone()),
            Self::Num(ArbNum::Decimal(i, f)) => Value::Str(format!("{i}.{f}")),
            Self::Other => Value::Other,
            Self::JwtExp(n) => {
                let exp = match n {
                    ArbNum::Num(n) => format!("{n:?}"),
                    ArbNum::Int(n) => n.to_string(),
                    ArbNum::Str(s) => serde_json::to_string(s).unwrap_or_default(),
                    ArbNum::Decimal(i, f) => format!("{i}.{f}"),
                };
                Value::Str(jwt_with_payload(format!(r#"{{"sub":"u1","exp":{exp}}}"#).as_bytes()))
            }
            Self::JwtRaw(p) => Value::Str(jwt_with_payload(p)),
        }
    }
}

/// A response built field by field.
#[derive(Arbitrary, Debug)]
struct ArbResponse {
    now: Millis,
    ttl: Millis,
    date: Option<Millis>,
    is_object: bool,
    /// authToken, token, accessToken, data.authToken, expiresIn, data.expiresIn, expiresAt,
    /// data.expiresAt, refreshToken, data.refreshToken, wsToken, data.wsToken
    fields: [ArbValue; 12],
}

impl Fields for ArbResponse {
    fn is_object(&self) -> bool {
        self.is_object
    }

    fn get(&self, path: &[&str]) -> Value {
        let i = match path {
            ["authToken"] => 0,
            ["token"] => 1,
            ["accessToken"] => 2,
            ["data", "authToken"] => 3,
            ["expiresIn"] => 4,
            ["data", "expiresIn"] => 5,
            ["expiresAt"] => 6,
            ["data", "expiresAt"] => 7,
            ["refreshToken"] => 8,
            ["data", "refreshToken"] => 9,
            ["wsToken"] => 10,
            ["data", "wsToken"] => 11,
            _ => return Value::Missing,
        };
        self.fields[i].value()
    }
}
