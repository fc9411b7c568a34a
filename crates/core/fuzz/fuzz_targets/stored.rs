//! `stored::parse` over persisted / cross-tab entries, and the round trip
//! `parse → format → parse`: any entry the parser accepts is one `format` writes back as
//! the same entry.
#![no_main]

use chat_token_core::parse::MAX_TIME_MS;
use chat_token_core::{stored, Reason, Source, TokenInfo};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let entry = String::from_utf8_lossy(data);
    let Some(s) = stored::parse(&entry) else { return };
    assert!(!s.token.trim().is_empty(), "blank token");
    assert!(!s.token.chars().any(char::is_control), "control character in the token");
    assert!(s.issued_at < s.expires_at && s.expires_at <= MAX_TIME_MS, "times {} / {}", s.issued_at, s.expires_at);
    assert!(s.refresh_token.as_deref() != Some("") && s.ws_token.as_deref() != Some(""));

    let info = TokenInfo {
        token: s.token.clone(),
        expires_at: s.expires_at,
        refresh_at: s.issued_at + (s.expires_at - s.issued_at) / 2,
        issued_at: s.issued_at,
        reason: Reason::Scheduled,
        source: Source::Storage,
        refresh_token: s.refresh_token.clone(),
        ws_token: s.ws_token.clone(),
    };
    let Some(again) = stored::format(&stored::Stored::of(&info)) else {
        panic!("stored::parse accepted an entry that stored::format refuses to write: {s:?}");
    };
    assert_eq!(stored::parse(&again).as_ref(), Some(&s), "round trip changed the entry: {again:?}");
});
