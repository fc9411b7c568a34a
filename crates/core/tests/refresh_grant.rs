//! The refresh grant (`refreshEndpoint`): a token that came with a refresh token is refreshed
//! by posting it; a refused refresh token falls back to the token source in the same cycle.

mod common;

use chat_token_core::*;
use common::*;

fn with_refresh(t: &str, refresh: &str, expires_in_s: f64) -> Body {
    let mut body = token(t, expires_in_s);
    body.0.push(("refreshToken", Value::Str(refresh.into())));
    body
}

fn grant_cfg() -> Config {
    Config { refresh_grant: true, login: false, ..Config::default() }
}

/// A manager holding `tok-1` (refresh token `rt-1`, 1 h), fetched from the token source.
fn started() -> H {
    let mut h = H::new(grant_cfg());
    h.start().unwrap();
    assert_eq!(h.grants, [Grant::Source], "the first token comes from the token source");
    h.respond(with_refresh("tok-1", "rt-1", 3600.0));
    h
}

#[test]
fn scheduled_refresh_posts_the_refresh_token() {
    let mut h = started();
    assert!(h.advance_to_fetch(HOUR));
    assert_eq!(h.grants[1], Grant::Refresh("rt-1".into()));
    assert_eq!(h.fetches[0].1, Reason::Scheduled);
}

#[test]
fn rotation_the_next_refresh_uses_the_new_refresh_token() {
    let mut h = started();
    assert!(h.advance_to_fetch(HOUR));
    h.respond(with_refresh("tok-2", "rt-2", 3600.0));
    assert_eq!(h.m.current().unwrap().refresh_token.as_deref(), Some("rt-2"));
    assert!(h.advance_to_fetch(HOUR));
    assert_eq!(h.grants[2], Grant::Refresh("rt-2".into()));
}

#[test]
fn an_answer_without_a_refresh_token_keeps_the_one_used() {
    let mut h = started();
    assert!(h.advance_to_fetch(HOUR));
    h.respond(token("tok-2", 3600.0));
    let cur = h.m.current().unwrap();
    assert_eq!((cur.token.as_str(), cur.refresh_token.as_deref()), ("tok-2", Some("rt-1")));
}

#[test]
fn refused_refresh_token_falls_back_to_the_source_in_the_same_cycle() {
    for status in [400, 401, 403] {
        let mut h = started();
        assert!(h.advance_to_fetch(HOUR));
        h.fail(TokenError::from_status(status, None));
        assert_eq!(h.grants.len(), 3, "{status}: one more request at once, no backoff");
        assert_eq!(h.grants[2], Grant::Source);
        assert_eq!(h.fetch_log[2].2, 1, "{status}: the same attempt, not a new one");
        h.respond(with_refresh("tok-2", "rt-2", 3600.0));
        assert!(h.error_events().is_empty(), "{status}: no error event");
        assert_eq!(h.m.snapshot().consecutive_failures, 0);
        assert_eq!(h.m.current().unwrap().token, "tok-2");
    }
}

#[test]
fn a_refused_refresh_token_is_not_used_again() {
    let mut h = started();
    assert!(h.advance_to_fetch(HOUR));
    h.fail(TokenError::from_status(401, None));
    // The token source fails too (transiently): its retry asks the source, not the dead grant.
    h.fail(TokenError::from_status(503, None));
    assert!(h.advance_to_fetch(HOUR));
    assert_eq!(h.grants[3], Grant::Source);
    // And an answer without a refresh token leaves none to post next time.
    h.respond(token("tok-2", 3600.0));
    assert_eq!(h.m.current().unwrap().refresh_token, None);
    assert!(h.advance_to_fetch(HOUR));
    assert_eq!(h.grants[4], Grant::Source);
}

#[test]
fn transient_refresh_failures_retry_the_refresh_grant() {
    let mut h = started();
    assert!(h.advance_to_fetch(HOUR));
    h.fail(TokenError::from_status(503, None));
    assert!(h.advance_to_fetch(HOUR));
    assert_eq!(h.grants[2], Grant::Refresh("rt-1".into()));
    assert_eq!(h.fetch_log[2].2, 2, "a retry is the next attempt");
}

#[test]
fn without_the_option_the_token_source_refreshes() {
    let mut h = H::new(Config { login: false, ..Config::default() });
    h.start().unwrap();
    h.respond(with_refresh("tok-1", "rt-1", 3600.0));
    assert!(h.advance_to_fetch(HOUR));
    assert_eq!(h.grants, [Grant::Source, Grant::Source]);
}

#[test]
fn a_refresh_grant_answer_after_logout_is_discarded() {
    let mut h = started();
    assert!(h.advance_to_fetch(HOUR));
    let op = h.take_fetch();
    h.m.logout(h.now).unwrap();
    h.drain();
    h.m.handle_fetch_response(h.now, op, &with_refresh("tok-late", "rt-late", 3600.0), None);
    h.drain();
    assert!(h.m.current().is_none());
    assert!(h.token_events().iter().all(|i| i.token != "tok-late"));
}

#[test]
fn a_refused_refresh_token_leaves_storage_too() {
    let mut h = H::new(Config { persist: true, ..grant_cfg() });
    h.start().unwrap();
    h.load();
    h.respond(with_refresh("tok-1", "rt-1", 3600.0));
    assert!(h.storage.as_deref().unwrap().contains("rt-1"));
    assert!(h.advance_to_fetch(HOUR));
    h.fail(TokenError::from_status(401, None));
    assert!(!h.storage.as_deref().unwrap().contains("rt-1"), "the dead refresh token is not persisted any more");
    assert!(h.storage.as_deref().unwrap().contains("tok-1"), "the still valid token stays");
}

#[test]
fn debug_of_the_machine_during_a_refresh_grant_holds_no_refresh_token() {
    let mut h = started();
    assert!(h.advance_to_fetch(HOUR));
    let printed = format!("{:?}", h.m);
    assert!(printed.contains("Refresh"), "the phase shows the grant: {printed}");
    assert!(!printed.contains("rt-1") && !printed.contains("tok-1"), "{printed}");
}
