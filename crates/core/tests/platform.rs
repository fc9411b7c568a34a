//! Storage, cross-tab adoption, wake-up and offline behaviour of the core.

mod common;

use chat_token_core::*;
use common::*;

fn persisting() -> Config {
    Config { persist: true, ..cfg() }
}

#[test]
fn a_valid_stored_token_is_used_without_a_fetch_and_logged_in() {
    let mut a = H::new(persisting());
    wait(a.start());
    a.load();
    a.deliver(token("saved", 3600.0));
    let entry = a.storage.clone().expect("persisted after login");
    assert!(entry.contains("saved"));

    let mut b = H::new(persisting());
    b.now = a.now + 60_000;
    b.storage = Some(entry);
    let w = wait(b.start());
    assert!(b.fetches.is_empty());
    b.load();
    assert!(b.fetches.is_empty(), "no network fetch");
    assert_eq!(b.logins.len(), 1, "the stored token is logged in");
    b.login_ok();
    assert!(matches!(b.result_of(w), Some(Ok(i)) if i.token == "saved" && i.source == Source::Storage));
    assert_eq!(b.m.state(), State::Ready);
}

#[test]
fn a_stored_token_the_chat_login_refuses_is_dropped_and_a_fresh_one_fetched_once() {
    let mut a = H::new(persisting());
    wait(a.start());
    a.load();
    a.deliver(token("saved", 3600.0));
    let entry = a.storage.clone().expect("persisted after login");

    let mut b = H::new(persisting());
    b.now = a.now + 60_000;
    b.storage = Some(entry);
    let w = wait(b.start());
    b.load();
    assert!(b.fetches.is_empty());
    // Revoked since it was saved: the chat SDK refuses it.
    b.login(LoginResult::Failed);
    assert_eq!(b.fetches.len(), 1, "a fresh token is fetched in the same cycle");
    assert_eq!(b.storage, None, "the refused entry is cleared");
    assert!(b.error_events().is_empty(), "no error: the cycle goes on");
    b.deliver(token("fresh", 3600.0));
    assert!(matches!(b.result_of(w), Some(Ok(i)) if i.token == "fresh" && i.source == Source::Network));

    // A network token's failed login gives up as before (no loop).
    b.m.refresh(b.now).unwrap();
    b.drain();
    b.respond(token("fresh-2", 3600.0));
    b.login(LoginResult::Failed);
    assert!(b.fetches.is_empty(), "no fetch after a network token's failed login");
    assert_eq!(b.error_events().len(), 1);
}

#[test]
fn an_expired_or_corrupted_stored_token_is_discarded_and_a_fresh_one_fetched() {
    for entry in ["garbage", "ctm1\n1\n2\ntok\n\n", ""] {
        let mut h = H::new(persisting());
        h.storage = Some(entry.to_string());
        let w = wait(h.get_token());
        h.load();
        assert_eq!(h.fetches.len(), 1, "{entry:?}: fetched instead");
        h.deliver(token("fresh", 3600.0));
        assert!(matches!(h.result_of(w), Some(Ok(i)) if i.token == "fresh" && i.source == Source::Network));
        assert!(h.storage.as_deref().is_some_and(|s| s.contains("fresh")));
    }
}

#[test]
fn a_stored_token_inside_its_refresh_margin_is_not_used() {
    let mut a = H::new(persisting());
    wait(a.start());
    a.load();
    a.deliver(token("old", 3600.0));
    let mut b = H::new(persisting());
    b.storage = a.storage.clone();
    b.now = a.now + 3_600_000 - 200_000; // 200 s before expiry: inside the 5 min margin
    wait(b.start());
    b.load();
    assert_eq!(b.fetches.len(), 1);
}

#[test]
fn logout_clears_the_stored_entry() {
    let mut h = H::new(persisting());
    wait(h.start());
    h.load();
    h.deliver(token("t", 3600.0));
    assert!(h.storage.is_some());
    h.m.logout(h.now).unwrap();
    h.drain();
    assert_eq!(h.storage, None);
}

#[test]
fn a_newer_token_from_another_tab_replaces_the_fetch_in_flight_and_is_logged_in() {
    let mut other = H::new(cfg());
    wait(other.start());
    other.respond(token("from-tab-a", 3600.0));
    assert_eq!(other.shared.len(), 1, "offered to other tabs as soon as it is fetched");
    let entry = other.shared[0].clone();

    let mut h = H::new(cfg());
    let w = wait(h.get_token());
    let op = h.fetches[0].0;
    assert!(h.m.handle_tab_token(h.now, &entry));
    h.drain();
    assert!(h.aborted.contains(&op), "own fetch aborted");
    assert_eq!(h.logins.len(), 1, "this tab's chat SDK logs in with the shared token");
    h.login_ok();
    assert!(matches!(h.result_of(w), Some(Ok(i)) if i.token == "from-tab-a" && i.source == Source::Tab));
    assert!(!h.m.handle_tab_token(h.now, &entry), "the same token twice is ignored");
    assert_eq!(h.login_log.len(), 1);
    assert!(h.m.poll_timeout().is_some(), "refresh rescheduled");
}

#[test]
fn tab_tokens_are_ignored_before_start_and_after_logout() {
    let mut other = H::new(persisting());
    wait(other.start());
    other.load();
    other.deliver(token("x", 3600.0));
    let entry = other.storage.clone().unwrap();
    let mut h = H::new(cfg());
    assert!(!h.m.handle_tab_token(h.now, &entry));
    wait(h.start());
    h.m.logout(h.now).unwrap();
    assert!(!h.m.handle_tab_token(h.now, &entry));
    assert!(!h.m.handle_tab_token(h.now, "ctm1\nnot an entry"));
}

#[test]
fn waking_up_inside_the_margin_refreshes_with_reason_resume() {
    let mut h = H::new(cfg());
    wait(h.start());
    h.deliver(token("t", 3600.0));
    h.now += 3_400_000; // slept: inside the margin, no timer has fired
    h.m.resume(h.now);
    h.drain();
    assert_eq!(h.fetches.len(), 1);
    assert_eq!(h.fetches[0].1, Reason::Resume);
    h.deliver(token("t2", 3600.0));
    // Awake and outside the margin: resume does nothing.
    h.m.resume(h.now);
    h.drain();
    assert!(h.fetches.is_empty());
}

#[test]
fn a_refresh_timer_firing_late_after_sleep_has_reason_resume() {
    let mut h = H::new(cfg());
    wait(h.start());
    h.deliver(token("t", 3600.0));
    h.now += 2 * HOUR;
    h.m.handle_timeout(h.now);
    h.drain();
    assert_eq!(h.fetches[0].1, Reason::Resume);
}

#[test]
fn offline_parks_retries_and_online_makes_one_immediate_attempt() {
    let mut h = H::new(cfg());
    wait(h.start());
    h.deliver(token("t", 3600.0));
    h.m.set_online(h.now, false);
    h.drain();
    assert!(h.m.snapshot().offline);
    // The refresh comes due while offline: parked, no request.
    h.advance(10 * HOUR);
    assert_eq!(h.fetch_log.len(), 1);
    let w = wait(h.get_token());
    assert_eq!(h.fetch_log.len(), 1);
    h.m.set_online(h.now, true);
    h.drain();
    assert_eq!(h.fetch_log.len(), 2, "one immediate attempt");
    assert_eq!(h.fetches[0].1, Reason::Scheduled, "the refresh that came due while offline");
    h.deliver(token("t2", 3600.0));
    assert!(matches!(h.result_of(w), Some(Ok(i)) if i.token == "t2"));
}

#[test]
fn going_offline_during_backoff_stops_burning_attempts() {
    let mut h = H::new(cfg());
    let w = wait(h.get_token());
    h.fail(TokenError::new(ErrorKind::Network));
    h.m.set_online(h.now, false);
    h.drain();
    assert_eq!(h.m.state(), State::Backoff);
    h.advance(HOUR);
    assert_eq!(h.fetch_log.len(), 1);
    assert!(h.result_of(w).is_none(), "still waiting, not failed");
    h.m.set_online(h.now, true);
    h.drain();
    assert_eq!(h.fetches[0].2, 2, "the next attempt");
}

#[test]
fn a_failure_because_the_network_is_gone_does_not_use_up_an_attempt() {
    let mut h = H::new(Config { retry: RetryPolicy { max_attempts: 1, ..cfg().retry }, ..cfg() });
    let w = wait(h.get_token());
    h.m.set_online(h.now, false);
    h.fail(TokenError::new(ErrorKind::Network));
    assert!(h.result_of(w).is_none(), "parked, not failed");
    h.m.set_online(h.now, true);
    h.drain();
    assert_eq!(h.fetches[0].2, 1, "still attempt 1 of 1");
    h.deliver(token("t", 60.0));
    assert!(matches!(h.result_of(w), Some(Ok(_))));
}
