//! Behaviour of the state machine over fake time: hours of token lifetime in microseconds.

mod common;

use chat_token_core::*;
use common::*;

// ----- single flight ----------------------------------------------------------------------

#[test]
fn ten_thousand_concurrent_get_token_on_a_cold_manager_share_one_fetch_and_one_login() {
    let mut h = H::new(cfg());
    let waiters: Vec<_> = (0..10_000).map(|_| wait(h.get_token())).collect();
    assert_eq!(h.fetch_log.len(), 1);
    assert_eq!(h.m.state(), State::Fetching);
    h.respond(token("tok-1", 3600.0));
    assert_eq!(h.logins.len(), 1, "one login for the new token");
    assert!(h.settled.is_empty(), "callers wait for the login");
    h.login_ok();
    assert_eq!(h.settled.len(), 10_000);
    assert!(waiters.iter().all(|w| matches!(h.result_of(*w), Some(Ok(i)) if i.token == "tok-1")));
    assert_eq!(h.login_log.len(), 1);
    assert_eq!(h.m.state(), State::Ready);
    assert_eq!(h.get_token(), Ok(Request::Ready));
    assert_eq!(h.fetch_log.len(), 1);
}

#[test]
fn start_is_idempotent_and_refresh_joins_the_cycle_in_flight() {
    let mut h = H::new(cfg());
    let a = wait(h.start());
    let b = wait(h.start());
    let c = wait(h.m.refresh(h.now));
    h.drain();
    assert_eq!(h.fetch_log.len(), 1);
    h.deliver(token("t", 3600.0));
    for w in [a, b, c] {
        assert!(matches!(h.result_of(w), Some(Ok(i)) if i.token == "t" && i.reason == Reason::Initial));
    }
    assert_eq!(h.start(), Ok(Request::Ready), "start with a valid token fetches nothing");
    assert_eq!(h.fetch_log.len(), 1);
    let d = wait(h.m.refresh(h.now));
    h.drain();
    assert_eq!(h.fetch_log.len(), 2);
    h.deliver(token("t2", 3600.0));
    assert!(matches!(h.result_of(d), Some(Ok(i)) if i.reason == Reason::Manual));
}

#[test]
fn without_a_login_callback_the_token_is_committed_on_receipt() {
    let mut h = H::new(Config::default());
    let w = wait(h.get_token());
    h.respond(token("t", 60.0));
    assert!(h.logins.is_empty());
    assert!(matches!(h.result_of(w), Some(Ok(_))));
    assert_eq!(h.token_events().len(), 1);
}

// ----- schedule ---------------------------------------------------------------------------

#[test]
fn proactive_refresh_runs_before_expiry_for_a_whole_day_without_any_caller() {
    let mut h = H::new(cfg());
    wait(h.start());
    h.deliver(token("t0", 3600.0));
    let mut n = 0;
    while h.now < T0 + 24 * HOUR {
        let before = h.m.current().unwrap().clone();
        assert!(h.advance_to_fetch(2 * HOUR), "a refresh is always scheduled");
        assert!(h.now < before.expires_at, "refresh starts before expiry");
        assert!(h.now >= before.expires_at - 330_000, "refresh starts in the margin (5 min + 10 % jitter)");
        assert_eq!(h.fetches[0].1, Reason::Scheduled);
        assert_eq!(h.m.state(), State::Refreshing);
        assert_eq!(h.get_token(), Ok(Request::Ready), "the old token is served while refreshing");
        h.advance(150);
        n += 1;
        h.deliver(token(&format!("t{n}"), 3600.0));
    }
    assert!((24..=27).contains(&n), "{n} refreshes in 24 h");
    assert_eq!(h.count_events(|e| matches!(e, Event::Expired)), 0);
    assert_eq!(h.token_events().len(), n + 1);
}

#[test]
fn a_twenty_second_token_refreshes_at_half_life_and_is_handed_out_for_ten_seconds() {
    let mut h = H::new(cfg());
    wait(h.start());
    h.deliver(token("short", 20.0));
    let info = h.m.current().unwrap().clone();
    assert_eq!(info.refresh_at, info.issued_at + 10_000, "margin 30 s >= lifetime: refresh at 50 %");
    h.advance(9_999);
    assert!(h.fetches.is_empty());
    assert_eq!(h.current_token().as_deref(), Some("short"));
    h.advance(1);
    assert_eq!(h.fetches.len(), 1);
    assert_eq!(h.current_token(), None, "no longer handed out within min(30 s, lifetime/2) of expiry");
    let w = wait(h.get_token());
    assert_eq!(h.fetch_log.len(), 2, "the caller joins the scheduled refresh");
    h.deliver(token("next", 20.0));
    assert!(matches!(h.result_of(w), Some(Ok(i)) if i.token == "next"));
}

#[test]
fn refresh_margin_override_and_jitter_are_applied() {
    let mut h = H::new(Config { refresh_margin_ms: Some(600_000), jitter_ratio: 0.5, ..cfg() });
    wait(h.start());
    h.deliver(token("t", 3600.0));
    let i = h.m.current().unwrap();
    let before_expiry = i.expires_at - i.refresh_at;
    assert!((600_000..=900_000).contains(&before_expiry), "{before_expiry}");
}

#[test]
fn jitter_is_deterministic_for_a_seed_and_spreads_across_seeds() {
    let refresh_for = |seed| {
        let mut h = H::new(Config { seed, ..cfg() });
        wait(h.start());
        h.deliver(token("t", 3600.0));
        h.m.current().unwrap().refresh_at - h.now
    };
    assert_eq!(refresh_for(7), refresh_for(7));
    let spread: std::collections::BTreeSet<_> = (0..50).map(refresh_for).collect();
    assert!(spread.len() > 40, "jitter spreads refreshes: {} distinct", spread.len());
    assert!(spread.iter().all(|d| (3_270_000..=3_300_000).contains(d)));
}

// ----- expiry sources ---------------------------------------------------------------------

fn parse(body: Body) -> Result<TokenInfo, TokenError> {
    let mut h = H::new(Config::default());
    let w = wait(h.get_token());
    h.respond(body);
    h.result_of(w).cloned().expect("settled")
}

fn jwt(payload: &str) -> String {
    let b64 = |s: &str| {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = s.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, b| acc << 8 | *b as u32) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    };
    format!("{}.{}.sig", b64(r#"{"alg":"HS256"}"#), b64(payload))
}

#[test]
fn expiry_from_expires_in_expires_at_jwt_exp_or_the_default() {
    use Value::*;
    let s = |v: &str| Str(v.into());
    let cases: Vec<(Body, Millis)> = vec![
        (Body(vec![("authToken", s("a")), ("expiresIn", Num(3600.0))]), T0 + HOUR),
        (Body(vec![("token", s("a")), ("expiresIn", s("3600"))]), T0 + HOUR),
        (Body(vec![("accessToken", s("a")), ("expiresAt", Num((T0 + HOUR) as f64))]), T0 + HOUR),
        (Body(vec![("token", s("a")), ("expiresAt", Num(((T0 + HOUR) / 1000) as f64))]), T0 + HOUR),
        (Body(vec![("data.authToken", s("a")), ("data.expiresAt", Num((T0 + HOUR) as f64))]), T0 + HOUR),
        (Body(vec![("data.authToken", s("a")), ("data.expiresIn", Num(60.0))]), T0 + 60_000),
        (Body(vec![("token", s("a")), ("expiresIn", Num(60.0)), ("expiresAt", Num((T0 + HOUR) as f64))]), T0 + 60_000),
        (Body(vec![("token", s(&jwt(&format!(r#"{{"sub":"u","exp":{}}}"#, (T0 + HOUR) / 1000))))]), T0 + HOUR),
        (Body(vec![("token", s(&jwt(r#"{"sub":"u"}"#)))]), T0 + 86_400_000),
        (Body(vec![("authToken", s("cometchat-opaque_token"))]), T0 + 86_400_000),
    ];
    for (body, expected) in cases {
        let info = parse(body.clone()).unwrap_or_else(|e| panic!("{body:?}: {e}"));
        assert_eq!(info.expires_at, expected, "{body:?}");
    }
    let info = parse(Body(vec![
        ("accessToken", Str("a".into())),
        ("refreshToken", Str("r".into())),
        ("wsToken", Str("w".into())),
    ]))
    .unwrap();
    assert_eq!((info.refresh_token.as_deref(), info.ws_token.as_deref()), (Some("r"), Some("w")));
}

#[test]
fn malformed_responses_are_invalid_response_naming_the_field() {
    use Value::*;
    let s = |v: &str| Str(v.into());
    let past_jwt = jwt(r#"{"exp":1000}"#);
    let cases: Vec<(Body, &str)> = vec![
        (Body(vec![]), "authToken"),
        (Body(vec![("authToken", s(""))]), "authToken"),
        (Body(vec![("token", s("   "))]), "token"),
        (Body(vec![("authToken", Num(42.0))]), "authToken"),
        (Body(vec![("data.authToken", Other)]), "data.authToken"),
        (Body(vec![("token", s("a")), ("expiresIn", Num(0.0))]), "expiresIn"),
        (Body(vec![("token", s("a")), ("expiresIn", Num(-5.0))]), "expiresIn"),
        (Body(vec![("token", s("a")), ("expiresIn", Num(f64::NAN))]), "expiresIn"),
        (Body(vec![("token", s("a")), ("expiresIn", Num(f64::INFINITY))]), "expiresIn"),
        (Body(vec![("token", s("a")), ("expiresIn", Num(1e300))]), "expiresIn"),
        (Body(vec![("token", s("a")), ("expiresIn", s("abc"))]), "expiresIn"),
        (Body(vec![("token", s("a")), ("data.expiresIn", Other)]), "data.expiresIn"),
        (Body(vec![("token", s("a")), ("expiresAt", Num((T0 - 1) as f64))]), "expiresAt"),
        (Body(vec![("token", s("a")), ("expiresAt", Num(1.0))]), "expiresAt"),
        (Body(vec![("token", s(&past_jwt))]), "exp"),
        (Body(vec![("token", s(&jwt(r#"{"exp":"soon"}"#)))]), "exp"),
        (Body(vec![("token", s("a")), ("refreshToken", Num(1.0))]), "refreshToken"),
    ];
    for (body, field) in cases {
        let err = parse(body.clone()).expect_err(&format!("{body:?} must be rejected"));
        assert_eq!(err.code(), "invalid_response", "{body:?}");
        assert!(!err.retryable);
        assert!(matches!(err.kind, ErrorKind::InvalidResponse { field: f, .. } if f == field), "{body:?}: {err}");
        assert!(err.to_string().contains(field));
    }
}

#[test]
fn an_invalid_response_is_not_retried_and_never_echoes_the_token() {
    let mut h = H::new(cfg());
    let w = wait(h.get_token());
    h.respond(Body(vec![("authToken", Value::Str("secret-token-123".into())), ("expiresIn", Value::Num(-1.0))]));
    let err = h.result_of(w).unwrap().clone().unwrap_err();
    assert!(!err.to_string().contains("secret-token-123"));
    h.advance(HOUR);
    assert_eq!(h.fetch_log.len(), 1);
    assert!(h.logins.is_empty());
}

// ----- retry ------------------------------------------------------------------------------

#[test]
fn transient_failures_back_off_with_full_jitter_within_bounds_then_succeed() {
    let mut h = H::new(cfg());
    let w = wait(h.get_token());
    h.fail(status(503));
    assert_eq!(h.m.state(), State::Backoff);
    assert!(h.advance_to_fetch(1_000), "first retry within base delay (1 s)");
    h.fail(status(503));
    let t = h.now;
    assert!(h.advance_to_fetch(2_000), "second retry within 2 s");
    assert!(h.now - t <= 2_000);
    assert_eq!(h.fetches[0].2, 3, "attempt number");
    h.deliver(token("ok", 3600.0));
    assert!(matches!(h.result_of(w), Some(Ok(i)) if i.token == "ok"));
    assert_eq!(h.error_events().len(), 0, "no error event for a cycle that succeeded");
}

#[test]
fn retry_after_seconds_is_honoured_and_clamped() {
    for (retry_after, expected) in [(1_000, 1_000), (0, 1_000), (30_000, 30_000), (3_600_000, 600_000)] {
        let mut h = H::new(cfg());
        wait(h.get_token());
        h.fail(TokenError::from_status(429, Some(retry_after)));
        let t = h.now;
        h.advance(expected - 1);
        assert!(h.fetches.is_empty(), "no retry before Retry-After ({retry_after})");
        h.advance(1);
        assert_eq!(h.fetches.len(), 1, "retry exactly at {expected} ms");
        assert_eq!(h.now - t, expected);
    }
}

#[test]
fn permanent_statuses_are_never_retried() {
    for code in [400, 401, 403, 404, 422, 501, 505] {
        let mut h = H::new(cfg());
        let w = wait(h.get_token());
        h.fail(status(code));
        let err = h.result_of(w).unwrap().clone().unwrap_err();
        assert!(!err.retryable);
        assert_eq!(err.status, Some(code));
        let expected = if code == 401 || code == 403 { "unauthorized" } else { "http" };
        assert_eq!(err.code(), expected);
        h.advance(HOUR);
        assert_eq!(h.fetch_log.len(), 1, "{code} must not be retried");
        assert_eq!(h.error_events().len(), 1);
        assert_eq!(h.m.state(), State::Error);
    }
    for code in [408, 425, 429, 500, 502, 503, 504, 599] {
        assert!(status(code).retryable, "{code} is transient");
    }
}

#[test]
fn exhausted_attempts_emit_one_error_keep_serving_the_old_token_and_recover_after_cooldown() {
    let mut h = H::new(cfg());
    wait(h.start());
    h.deliver(token("old", 3600.0));
    assert!(h.advance_to_fetch(HOUR));
    for attempt in 1..=6 {
        assert_eq!(h.fetches[0].2, attempt);
        h.fail(status(500));
        if attempt < 6 {
            assert!(h.advance_to_fetch(60_000));
        }
    }
    assert_eq!(h.error_events().len(), 1, "one error per cycle, not per attempt");
    assert_eq!(h.m.state(), State::Error);
    assert_eq!(h.current_token().as_deref(), Some("old"));
    assert_eq!(h.m.snapshot().last_error.map(|e| e.code()), Some("http"));
    let t = h.now;
    assert!(h.advance_to_fetch(61_000));
    assert_eq!(h.now - t, COOLDOWN_MS);
    h.deliver(token("new", 3600.0));
    assert_eq!(h.m.state(), State::Ready);
    assert_eq!(h.m.snapshot().last_error, None);
}

#[test]
fn fetch_timeout_aborts_and_retries() {
    let mut h = H::new(Config { fetch_timeout_ms: 5_000, ..cfg() });
    let w = wait(h.get_token());
    let op = h.fetches[0].0;
    h.advance(5_000);
    assert_eq!(h.aborted, vec![op]);
    assert!(h.advance_to_fetch(1_000));
    h.m.handle_fetch_response(h.now, op, &token("late", 60.0), None);
    h.drain();
    assert!(h.logins.is_empty(), "the aborted request's late answer is ignored");
    h.deliver(token("t", 60.0));
    assert!(matches!(h.result_of(w), Some(Ok(i)) if i.token == "t"));
}

#[test]
fn hanging_endpoint_with_one_attempt_rejects_timeout() {
    let mut h = H::new(Config { fetch_timeout_ms: 10_000, retry: RetryPolicy { max_attempts: 1, ..cfg().retry }, ..cfg() });
    let w = wait(h.get_token());
    h.advance(10_000);
    assert_eq!(h.aborted.len(), 1);
    assert_eq!(h.result_of(w).unwrap().clone().unwrap_err().code(), "timeout");
}

// ----- failure circuit --------------------------------------------------------------------

#[test]
fn three_consecutive_permanent_failures_enter_failed_until_start() {
    let mut h = H::new(cfg());
    wait(h.start());
    h.deliver(token("valid", 3600.0));
    for i in 1..=3 {
        let w = wait(h.m.refresh(h.now));
        h.drain();
        h.fail(status(403));
        assert_eq!(h.result_of(w).unwrap().clone().unwrap_err().code(), "unauthorized", "call {i} rejects with its own code");
    }
    assert_eq!(h.m.state(), State::Failed);
    assert_eq!(h.m.snapshot().consecutive_failures, 3);
    assert_eq!(h.get_token(), Ok(Request::Ready), "a still-valid token is still served");
    h.advance(HOUR);
    assert_eq!(h.fetch_log.len(), 4, "no request while failed");
    assert_eq!(h.count_events(|e| matches!(e, Event::Expired)), 1);
    assert_eq!(h.get_token().unwrap_err().code(), "failed");
    wait(h.start());
    assert_eq!(h.fetch_log.len(), 5);
    h.deliver(token("back", 3600.0));
    assert_eq!(h.m.state(), State::Ready);
}

// ----- generations ------------------------------------------------------------------------

#[test]
fn logout_during_fetch_discards_the_result_and_never_logs_in() {
    let mut h = H::new(cfg());
    let w = wait(h.get_token());
    let op = h.fetches[0].0;
    assert_eq!(h.m.logout(h.now), Ok(true));
    h.drain();
    assert_eq!(h.aborted, vec![op]);
    assert_eq!(h.result_of(w).unwrap().clone().unwrap_err().code(), "discarded");
    h.m.handle_fetch_response(h.now, op, &token("late", 3600.0), None);
    h.drain();
    assert!(h.logins.is_empty());
    assert_eq!(h.get_token().unwrap_err().code(), "logged_out");
    assert_eq!(h.m.state(), State::LoggedOut);
    assert_eq!(h.count_events(|e| matches!(e, Event::LoggedOut)), 1);
    assert_eq!(h.m.logout(h.now), Ok(false), "a second logout is a no-op");
    assert_eq!(h.m.poll_timeout(), None, "no timers after logout");
}

#[test]
fn logout_during_login_undoes_a_login_that_succeeds_late() {
    let mut h = H::new(cfg());
    let w = wait(h.get_token());
    h.respond(token("t", 3600.0));
    assert_eq!(h.logins.len(), 1);
    h.m.logout(h.now).unwrap();
    h.drain();
    assert_eq!(h.result_of(w).unwrap().clone().unwrap_err().code(), "discarded");
    h.login_ok();
    assert_eq!(h.undo_logins, 1, "the chat SDK is logged out again");
    assert_eq!(h.token_events().len(), 0);
}

#[test]
fn user_switch_never_logs_in_the_old_users_token() {
    let mut h = H::new(cfg());
    wait(h.start());
    let old_op = h.take_fetch();
    let g = h.m.generation();
    h.m.logout(h.now).unwrap();
    h.drain();
    let w = wait(h.start());
    assert!(h.m.generation() > g + 1);
    h.m.handle_fetch_response(h.now, old_op, &token("alice", 3600.0), None);
    h.drain();
    assert!(h.logins.is_empty(), "alice's token arrived after the switch");
    h.deliver(token("bob", 3600.0));
    assert!(matches!(h.result_of(w), Some(Ok(i)) if i.token == "bob"));
    assert_eq!(h.logins.len() + h.login_log.len(), 1);
}

#[test]
fn dispose_rejects_waiters_and_everything_after() {
    let mut h = H::new(cfg());
    let w = wait(h.get_token());
    h.m.dispose();
    h.m.dispose();
    h.drain();
    assert_eq!(h.result_of(w).unwrap().clone().unwrap_err().code(), "disposed");
    assert_eq!(h.get_token().unwrap_err().code(), "disposed");
    assert_eq!(h.start().unwrap_err().code(), "disposed");
    assert_eq!(h.m.logout(h.now).unwrap_err().code(), "disposed");
    assert_eq!(h.m.state(), State::Disposed);
    assert_eq!(h.m.poll_timeout(), None);
}

// ----- 401 --------------------------------------------------------------------------------

#[test]
fn concurrent_unauthorized_reports_share_one_refresh_and_stale_reports_cost_nothing() {
    let mut h = H::new(cfg());
    wait(h.start());
    h.deliver(token("t1", 3600.0));
    h.advance(60_000);
    let ws: Vec<_> = (0..1000).map(|_| wait(h.m.handle_unauthorized(h.now, Some("t1")))).collect();
    h.drain();
    assert_eq!(h.fetch_log.len(), 2);
    assert_eq!(h.current_token(), None, "the rejected token is not handed out");
    h.deliver(token("t2", 3600.0));
    assert!(ws.iter().all(|w| matches!(h.result_of(*w), Some(Ok(i)) if i.token == "t2" && i.reason == Reason::Unauthorized)));
    assert_eq!(h.m.handle_unauthorized(h.now, Some("t1")), Ok(Request::Ready));
    assert_eq!(h.fetch_log.len(), 2);
}

#[test]
fn unauthorized_for_a_token_minted_less_than_five_seconds_ago_is_permanent() {
    let mut h = H::new(cfg());
    wait(h.start());
    h.deliver(token("fresh", 3600.0));
    h.advance(4_999);
    let err = h.m.handle_unauthorized(h.now, None).unwrap_err();
    assert_eq!(err.code(), "unauthorized");
    assert!(!err.retryable);
    assert_eq!(h.m.snapshot().consecutive_failures, 1);
    h.m.handle_unauthorized(h.now, Some("fresh")).unwrap_err();
    assert_eq!(h.m.snapshot().consecutive_failures, 1, "counted once per token");
    assert_eq!(h.fetch_log.len(), 1, "no refresh loop");
    h.advance(1);
    wait(h.m.handle_unauthorized(h.now, Some("fresh")));
    h.drain();
    assert_eq!(h.fetch_log.len(), 2);
}

// ----- login ------------------------------------------------------------------------------

#[test]
fn login_in_progress_is_retried_with_a_doubling_delay_until_one_login_succeeds() {
    let mut h = H::new(cfg());
    let w = wait(h.get_token());
    h.respond(token("t", 3600.0));
    for delay in [250, 500, 1_000] {
        h.login(LoginResult::InProgress);
        assert!(h.logins.is_empty());
        let t = h.now;
        h.advance(delay);
        assert_eq!(h.logins.len(), 1, "login retried after {delay} ms");
        assert_eq!(h.now - t, delay);
    }
    h.login_ok();
    assert!(matches!(h.result_of(w), Some(Ok(_))));
    assert_eq!(h.login_log.len(), 4);
    assert_eq!(h.token_events().len(), 1);
}

#[test]
fn a_login_that_never_settles_fails_retryable_after_login_timeout() {
    let mut h = H::new(Config { login_timeout_ms: 30_000, ..cfg() });
    let w = wait(h.get_token());
    h.respond(token("t", 3600.0));
    h.advance(30_000);
    let err = h.result_of(w).unwrap().clone().unwrap_err();
    assert_eq!(err.code(), "login_failed");
    assert!(err.retryable);
    assert_eq!(h.m.snapshot().consecutive_failures, 0);
}

#[test]
fn a_rejected_login_is_a_permanent_login_failure() {
    let mut h = H::new(cfg());
    let w = wait(h.get_token());
    h.respond(token("t", 3600.0));
    h.login(LoginResult::Failed);
    let err = h.result_of(w).unwrap().clone().unwrap_err();
    assert_eq!((err.code(), err.retryable), ("login_failed", false));
    assert_eq!(h.m.snapshot().consecutive_failures, 1);
    wait(h.get_token());
    assert_eq!(h.fetch_log.len(), 2, "the next call starts over");
}

// ----- state and snapshot -----------------------------------------------------------------

#[test]
fn state_events_follow_the_lifecycle_and_snapshots_hold_no_token() {
    let mut h = H::new(cfg());
    wait(h.start());
    h.deliver(token("secret", 3600.0));
    assert!(h.advance_to_fetch(HOUR));
    h.fail(status(503));
    assert!(h.advance_to_fetch(2_000));
    h.deliver(token("secret2", 3600.0));
    let states: Vec<_> = h.events.iter().filter_map(|(_, e)| if let Event::State(s) = e { Some(*s) } else { None }).collect();
    assert_eq!(states, [State::Fetching, State::Ready, State::Refreshing, State::Backoff, State::Refreshing, State::Ready]);
    let snap = format!("{:?}", h.m.snapshot());
    assert!(!snap.contains("secret"));
    let logs = format!("{:?}", h.logs);
    assert!(!logs.contains("secret"));
}

#[test]
fn sleeping_past_expiry_refreshes_on_the_first_wake_up() {
    let mut h = H::new(cfg());
    wait(h.start());
    h.deliver(token("t", 3600.0));
    // The laptop sleeps for two hours: no timer fires, then one late wake-up.
    h.now += 2 * HOUR;
    h.m.handle_timeout(h.now);
    h.drain();
    assert_eq!(h.fetches.len(), 1, "refresh starts at once");
    assert_eq!(h.count_events(|e| matches!(e, Event::Expired)), 1);
    assert_eq!(h.current_token(), None);
    let w = wait(h.get_token());
    h.deliver(token("t2", 3600.0));
    assert!(matches!(h.result_of(w), Some(Ok(i)) if i.token == "t2"));
}

#[test]
fn invalid_config_names_the_field() {
    let bad = |c: Config| Machine::new(c).unwrap_err();
    assert!(bad(Config { jitter_ratio: 1.5, ..cfg() }).to_string().contains("jitterRatio"));
    assert!(bad(Config { retry: RetryPolicy { max_attempts: 0, ..cfg().retry }, ..cfg() }).to_string().contains("retry.maxAttempts"));
    assert!(bad(Config { fetch_timeout_ms: 0, ..cfg() }).to_string().contains("fetchTimeoutMs"));
    assert!(bad(Config { retry: RetryPolicy { base_delay_ms: 10, max_delay_ms: 5, max_attempts: 3 }, ..cfg() })
        .to_string()
        .contains("retry.maxDelayMs"));
}

#[test]
fn a_server_date_header_corrects_expires_at_for_client_clock_skew() {
    use Value::*;
    for skew in [-(HOUR as i64), HOUR as i64] {
        let mut h = H::new(Config::default());
        let w = wait(h.get_token());
        let op = h.take_fetch();
        let server_now = (h.now as i64 - skew) as Millis; // the client clock is `skew` ahead
        let body = Body(vec![("token", Str("t".into())), ("expiresAt", Num((server_now + HOUR) as f64))]);
        h.m.handle_fetch_response(h.now, op, &body, Some(server_now));
        h.drain();
        let info = h.result_of(w).unwrap().clone().unwrap();
        assert_eq!(info.expires_at, h.now + HOUR, "skew {skew}: one hour on the manager's clock");
    }
}

// ----- ready_until (the shells' getToken cache) ---------------------------------------------

#[test]
fn ready_until_matches_get_token_through_a_token_lifetime_a_401_and_a_logout() {
    let mut h = H::new(cfg());
    assert_eq!(h.m.ready_until(), None, "no token yet");
    wait(h.get_token());
    h.respond(token("t", 60.0));
    h.login_ok();
    let until = h.m.ready_until().expect("a usable token");
    assert_eq!(until, h.now + 30_000, "a 60 s token is handed out for its first half");
    // Every instant before `until` is Ready with no action; at `until` it is not.
    h.now = until - 1;
    assert_eq!(h.m.get_token(h.now), Ok(Request::Ready));
    assert!(h.m.poll_action().is_none());
    h.now = until;
    assert!(matches!(h.m.get_token(h.now), Ok(Request::Wait(_))));
    h.drain();
    h.deliver(token("t2", 3600.0));
    assert!(h.m.ready_until().is_some());
    let _ = h.m.handle_unauthorized(h.now + 10_000, None);
    assert_eq!(h.m.ready_until(), None, "a revoked token is never ready");
    h.drain();
    h.deliver(token("t3", 3600.0));
    assert!(h.m.ready_until().is_some());
    let _ = h.m.logout(h.now);
    assert_eq!(h.m.ready_until(), None, "logged out");
    assert_eq!(h.m.get_token(h.now).map_err(|e| e.code()), Err("logged_out"));
}
