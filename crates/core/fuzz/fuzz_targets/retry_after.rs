//! `parse::parse_retry_after` (delta-seconds and the three HTTP-date formats),
//! `parse::parse_http_date` (the `Date` header) and `parse::parse_number`, on the same
//! header-like strings.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use chat_token_core::parse::{parse_http_date, parse_number, parse_retry_after};
use fuzz_support::pick_now;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    retry_after(&s, data.len());
    number(&s);
});

fn retry_after(s: &str, k: usize) {
    let at_epoch = parse_retry_after(s, 0);
    let v = s.trim();
    let delta = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    if delta {
        // Delta-seconds saturate instead of overflowing.
        let secs = v.bytes().fold(0u128, |acc, b| acc.saturating_mul(10).saturating_add(u128::from(b - b'0')));
        let want = u64::try_from(secs.saturating_mul(1000)).unwrap_or(u64::MAX);
        assert_eq!(at_epoch, Some(want));
    } else {
        assert_eq!(at_epoch, parse_http_date(s), "Retry-After date and Date header disagree");
    }
    if let (false, Some(ms)) = (delta, parse_http_date(s)) {
        // A date: whole seconds, and what httpdate formats it as reads back the same.
        assert_eq!(ms % 1000, 0);
        if let Some(t) = UNIX_EPOCH.checked_add(Duration::from_millis(ms)) {
            if ms < 253_402_300_800_000 {
                // httpdate formats years up to 9999
                assert_eq!(parse_retry_after(&httpdate::fmt_http_date(t), 0), Some(ms));
            }
        }
    }
    // The clock only shifts a date (a past date is no delay), never a delta.
    for now in [pick_now(k), pick_now(k + 2), pick_now(k + 4), 784_111_777_000, 784_111_777_001] {
        let got = parse_retry_after(s, now);
        let want = if delta { at_epoch } else { at_epoch.map(|ms| ms.saturating_sub(now)) };
        assert_eq!(got, want, "now = {now}");
    }
}

fn number(s: &str) {
    let Some(n) = parse_number(s) else {
        // Plain finite decimals in a well-behaved range must parse.
        if let Some((x, digits, exp)) = plain_decimal(s.trim()) {
            assert!(digits > 30 || exp.unsigned_abs() > 290 || x.is_infinite(), "{s:?} ({x}) rejected");
        }
        return;
    };
    assert!(n.is_finite());
    let Some((x, digits, exp)) = plain_decimal(s.trim()) else { panic!("{s:?} is not a plain decimal but parsed as {n}") };
    if digits <= 30 && exp.unsigned_abs() <= 290 && (x == 0.0 || (1e-280..1e280).contains(&x.abs())) {
        assert!((n - x).abs() <= x.abs() * 1e-9, "{s:?}: {n} vs {x}");
    }
}

/// `[+-]digits[.digits][(e|E)[+-]digits]` with at least one mantissa digit: Rust's value,
/// the number of mantissa digits and the decimal exponent.
fn plain_decimal(s: &str) -> Option<(f64, usize, i64)> {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    i += int;
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac;
    }
    if int + frac == 0 {
        return None;
    }
    let mut exp = 0i64;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        let sign = usize::from(matches!(b.get(i), Some(b'+' | b'-')));
        let n = b[i + sign..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        exp = s[i..i + sign + n].parse().unwrap_or(i64::MAX);
        i += sign + n;
    }
    if i != b.len() {
        return None;
    }
    Some((s.parse().ok()?, int + frac, exp))
}
