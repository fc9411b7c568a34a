//! `parse::jwt_exp` (and the JSON scanner behind it) and `parse::base64url_decode`.
//!
//! The input is used twice: as a whole token (a JWT or an opaque token), and as the raw
//! payload of a JWT built around it, so the scanner sees arbitrary bytes. Payloads that
//! serde_json accepts are checked against it.
#![no_main]

use chat_token_core::parse::{base64url_decode, jwt_exp};
use fuzz_support::{b64url, jwt_with_payload};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    if let Ok(Some(exp)) = jwt_exp(&token) {
        assert!(exp.is_finite());
    }
    check_base64(&token);
    for segment in token.split('.').take(4) {
        check_base64(segment);
    }

    let jwt = jwt_with_payload(data);
    let got = jwt_exp(&jwt);
    if let Ok(Some(exp)) = got {
        assert!(exp.is_finite());
    }
    // Differential: a payload that is a valid JSON object.
    let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Some(exp) = obj.get("exp") else {
        return assert_eq!(got, Ok(None), "no exp in {obj:?}");
    };
    // Escaped or repeated keys are read differently by design (first raw match).
    if data.windows(5).filter(|w| w == b"\"exp\"").count() != 1 || data.contains(&b'\\') {
        return;
    }
    match exp {
        serde_json::Value::Number(n) => {
            let want = n.as_f64().unwrap();
            let (mantissa_digits, exp10) = shape(&data[find_exp_value(data)..]);
            if mantissa_digits > 30 || exp10.unsigned_abs() > 290 || !(want == 0.0 || (1e-280..1e280).contains(&want.abs())) {
                return; // outside what the hand-rolled number parser promises to get exactly
            }
            match got {
                Ok(Some(exp)) => assert!((exp - want).abs() <= want.abs() * 1e-9, "exp {exp} vs serde {want}"),
                other => panic!("exp {want} read as {other:?}"),
            }
        }
        _ => assert!(got.is_err(), "a non-numeric exp must be an error, got {got:?}"),
    }
});

/// Offset of the value after the single raw `"exp"` key.
fn find_exp_value(data: &[u8]) -> usize {
    let k = data.windows(5).position(|w| w == b"\"exp\"").unwrap() + 5;
    k + data[k..].iter().position(|&b| b == b':').map_or(0, |p| p + 1)
}

/// Digits before the exponent and the decimal exponent of the number starting at `s`.
fn shape(s: &[u8]) -> (usize, i64) {
    let s: Vec<u8> = s.iter().copied().skip_while(u8::is_ascii_whitespace).collect();
    let end = s.iter().position(|b| !(b.is_ascii_digit() || b"+-.eE".contains(b))).unwrap_or(s.len());
    let s = &s[..end];
    let e = s.iter().position(|b| *b == b'e' || *b == b'E');
    let digits = s[..e.unwrap_or(s.len())].iter().filter(|b| b.is_ascii_digit()).count();
    let exp = e.map_or(0, |e| {
        let t = std::str::from_utf8(&s[e + 1..]).unwrap_or("0");
        t.parse::<i64>().unwrap_or(i64::MAX)
    });
    (digits, exp)
}

/// `base64url_decode` accepts exactly the base64/base64url alphabet (trailing `=` ignored)
/// at lengths that encode whole bytes, and decodes what we encode.
fn check_base64(s: &str) {
    let body = s.trim_end_matches('=');
    let alphabet = body.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_+/".contains(&c));
    let decoded = base64url_decode(s);
    assert_eq!(decoded.is_some(), alphabet && body.len() % 4 != 1, "{s:?}");
    if let Some(bytes) = decoded {
        assert_eq!(bytes.len(), body.len() * 6 / 8);
        assert_eq!(base64url_decode(&b64url(&bytes)).as_deref(), Some(&bytes[..]));
    }
}
