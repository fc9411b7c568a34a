//! Property tests: schedule invariants, parser robustness, and the machine under random
//! event sequences.

mod common;

use chat_token_core::parse::{parse_number, parse_retry_after};
use chat_token_core::schedule::{backoff, refresh_at, usable_until};
use chat_token_core::*;
use common::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn refresh_is_strictly_before_expiry_and_never_in_the_past(
        now in 0u64..4_000_000_000_000,
        lifetime in 2u64..400 * 86_400_000,
        margin in proptest::option::of(prop_oneof![Just(0u64), 0u64..86_400_000]),
        jitter in 0.0f64..=1.0,
        random in 0.0f64..1.0,
    ) {
        let expires_at = now + lifetime;
        let at = refresh_at(now, expires_at, margin, jitter, random);
        prop_assert!(at >= now, "scheduled in the past");
        prop_assert!(at < expires_at, "scheduled at or after expiry");
        if margin.is_none() {
            // The default margin never refreshes earlier than needed: at most 5 min + 10 % before expiry
            // (or half the lifetime for short tokens).
            prop_assert!(expires_at - at <= (330_000u64).max(lifetime / 2 + 1) || jitter > 0.1);
        }
    }

    #[test]
    fn a_token_is_usable_for_at_least_half_its_lifetime(issued in 0u64..4_000_000_000_000, lifetime in 0u64..86_400_000) {
        let until = usable_until(issued, issued + lifetime);
        prop_assert!(until >= issued + lifetime / 2);
        prop_assert!(until <= issued + lifetime);
        prop_assert!(issued + lifetime - until <= 30_000);
    }

    #[test]
    fn backoff_stays_within_full_jitter_bounds(attempt in 1u32..100, base in 0u64..10_000, cap in 0u64..600_000, random in 0.0f64..1.0) {
        let cap = cap.max(base);
        let d = backoff(attempt, base, cap, random);
        let ceiling = base.saturating_mul(1u64.checked_shl(attempt - 1).unwrap_or(u64::MAX)).min(cap);
        prop_assert!(d <= ceiling);
    }

    #[test]
    fn retry_after_parsing_never_panics(s in ".{0,40}", now in any::<u64>()) {
        let _ = parse_retry_after(&s, now);
    }

    #[test]
    fn retry_after_delta_seconds_round_trip(secs in 0u64..1_000_000) {
        prop_assert_eq!(parse_retry_after(&secs.to_string(), 0), Some(secs * 1000));
    }

    #[test]
    fn numbers_parse_like_rust_for_plain_decimals(n in 0u32..4_000_000_000, frac in 0u32..1000) {
        let s = format!("{n}.{frac:03}");
        let expected: f64 = s.parse().unwrap();
        let got = parse_number(&s).unwrap();
        prop_assert!((got - expected).abs() <= expected * 1e-12 + 1e-9, "{} vs {}", got, expected);
    }

    #[test]
    fn number_parsing_never_panics(s in "[-+0-9.eE ]{0,24}|.{0,24}") {
        if let Some(n) = parse_number(&s) {
            prop_assert!(n.is_finite());
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    GetToken,
    Refresh,
    Unauthorized(bool),
    Logout,
    Start,
    Respond(f64),
    RespondInvalid,
    Fail(u16),
    Network,
    LoginOk,
    LoginBusy,
    LoginFail,
    Advance(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::GetToken),
        1 => Just(Step::Refresh),
        1 => any::<bool>().prop_map(Step::Unauthorized),
        1 => Just(Step::Logout),
        1 => Just(Step::Start),
        4 => (1.0f64..7200.0).prop_map(Step::Respond),
        1 => Just(Step::RespondInvalid),
        2 => prop::sample::select(vec![400u16, 401, 403, 404, 429, 500, 503]).prop_map(Step::Fail),
        1 => Just(Step::Network),
        3 => Just(Step::LoginOk),
        1 => Just(Step::LoginBusy),
        1 => Just(Step::LoginFail),
        4 => (0u64..4_000_000).prop_map(Step::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// Invariants under any order of inputs: at most one fetch and one login in flight (the
    /// harness asserts the first on every Fetch), no login or token after logout, every
    /// waiter settled exactly once, refresh never scheduled at or after expiry.
    #[test]
    fn invariants_hold_under_random_event_sequences(steps in prop::collection::vec(step(), 1..60)) {
        let mut h = H::new(Config { fetch_timeout_ms: 20_000, ..cfg() });
        let mut waiters = Vec::new();
        let mut n = 0;
        let mut abandoned = 0;
        for s in steps {
            let logins_before = h.logins.len();
            match s {
                Step::GetToken => if let Ok(Request::Wait(w)) = h.get_token() { waiters.push(w) },
                Step::Refresh => { if let Ok(Request::Wait(w)) = h.m.refresh(h.now) { waiters.push(w) }; h.drain() }
                Step::Unauthorized(stale) => {
                    let cur = h.m.current().map(|i| i.token.clone());
                    let arg = if stale { Some("nope") } else { cur.as_deref() };
                    if let Ok(Request::Wait(w)) = h.m.handle_unauthorized(h.now, arg) { waiters.push(w) }
                    h.drain();
                }
                Step::Logout => {
                    let _ = h.m.logout(h.now);
                    h.drain();
                    prop_assert!(h.fetches.is_empty() || h.aborted.contains(&h.fetches[0].0));
                    h.fetches.clear();
                    h.logins.clear();
                    prop_assert_eq!(h.m.poll_timeout(), None);
                }
                Step::Start => if let Ok(Request::Wait(w)) = h.start() { waiters.push(w) },
                Step::Respond(secs) if !h.fetches.is_empty() => { n += 1; h.respond(token(&format!("t{n}"), secs)) }
                Step::RespondInvalid if !h.fetches.is_empty() => h.respond(token("x", -1.0)),
                Step::Fail(code) if !h.fetches.is_empty() => h.fail(status(code)),
                Step::Network if !h.fetches.is_empty() => h.fail(TokenError::new(ErrorKind::Network)),
                Step::LoginOk if !h.logins.is_empty() => h.login_ok(),
                Step::LoginBusy if !h.logins.is_empty() => h.login(LoginResult::InProgress),
                Step::LoginFail if !h.logins.is_empty() => h.login(LoginResult::Failed),
                Step::Advance(ms) => h.advance(ms),
                _ => {}
            }
            // A login that outlived loginTimeoutMs is abandoned (the next token's login may
            // then meet LOGIN_IN_PROGRESS and retry): it no longer counts as in flight.
            let timeouts = h.error_events().iter().filter(|e| e.code() == "login_failed" && e.retryable).count();
            if timeouts > abandoned {
                abandoned = timeouts;
                h.logins.clear();
            }
            prop_assert!(h.logins.len() <= 1, "two logins in flight");
            if h.m.state() == State::LoggedOut {
                prop_assert_eq!(h.logins.len(), logins_before.min(h.logins.len()), "login started after logout");
                prop_assert!(h.fetches.is_empty());
            }
            if let Some(i) = h.m.current() {
                prop_assert!(i.refresh_at < i.expires_at && i.refresh_at >= i.issued_at);
            }
        }
        // Each waiter settles at most once.
        let mut ids: Vec<_> = h.settled.iter().map(|(w, _)| *w).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        prop_assert_eq!(before, ids.len(), "a waiter settled twice");
        // Every token event came from a login that was not followed by a logout before it.
        let snapshot = format!("{:?}", h.m.snapshot());
        for k in 1..=n {
            let t = format!("\"t{k}\"");
            prop_assert!(!snapshot.contains(&t), "snapshot leaks a token: {}", snapshot);
        }
    }
}
