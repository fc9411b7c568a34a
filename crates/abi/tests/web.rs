//! The wasm module's ABI (src/lib.rs), driven through its exported functions exactly as the
//! JavaScript host drives them: tokens as handles to texts the host keeps (interned), results
//! read back from the out-stream. Runs in Node and in headless Chromium
//! (`WASM_BINDGEN_USE_BROWSER=1`).
#![cfg(target_arch = "wasm32")]

use chat_token_abi::*;
use wasm_bindgen_test::*;

const T0: f64 = 1_700_000_000_000.0;

thread_local! {
    /// The token texts by handle (handle `i + 1` is text `i`), as a manager's `_tt` in js/host.mjs.
    static TEXTS: core::cell::RefCell<Vec<String>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// The handle of `s`, as `_id()` in js/host.mjs gives it: the same for the same text, 0 for "".
fn id(s: &str) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    TEXTS.with_borrow_mut(|t| {
        let i = t.iter().position(|x| x == s).unwrap_or_else(|| {
            t.push(s.into());
            t.len() - 1
        });
        (i + 1) as f64
    })
}

/// The text of handle `h` (`-1`: none).
fn text(h: f64) -> Option<String> {
    (h >= 0.0).then(|| if h == 0.0 { String::new() } else { TEXTS.with_borrow(|t| t[h as usize - 1].clone()) })
}

/// The out-stream of the last call, read like `out()`/`N()`/`S()` in js/host.mjs.
struct Out {
    nums: Vec<f64>,
    bytes: Vec<u8>,
    ni: usize,
    bi: usize,
}

fn out() -> Out {
    // SAFETY: ctm_out points at four u32s describing two live buffers.
    unsafe {
        let h = ctm_out() as usize as *const u32;
        let (np, nl, bp, bl) = (*h, *h.add(1), *h.add(2), *h.add(3));
        let nums = core::slice::from_raw_parts(np as usize as *const f64, nl as usize).to_vec();
        let bytes = core::slice::from_raw_parts(bp as usize as *const u8, bl as usize).to_vec();
        Out { nums, bytes, ni: 0, bi: 0 }
    }
}

impl Out {
    fn n(&mut self) -> f64 {
        self.ni += 1;
        self.nums[self.ni - 1]
    }
    /// A token: its handle's text.
    fn t(&mut self) -> Option<String> {
        text(self.n())
    }
    fn s(&mut self) -> Option<String> {
        let len = self.n();
        if len < 0.0 {
            return None;
        }
        let end = self.bi + len as usize;
        let s = String::from_utf8(self.bytes[self.bi..end].to_vec()).unwrap();
        self.bi = end;
        Some(s)
    }
    /// A `TokenInfo`: (token, expiresAt, issuedAt, reason, source).
    fn info(&mut self) -> (String, f64, f64, f64, f64) {
        let expires = self.n();
        let _refresh = self.n();
        let issued = self.n();
        let reason = self.n();
        let source = self.n();
        let token = self.t().unwrap();
        let _ = (self.t(), self.t());
        (token, expires, issued, reason, source)
    }
    /// An error: (code index, status, retryAfterMs, retryable, first string).
    fn error(&mut self) -> (f64, f64, f64, bool, Option<String>) {
        let (code, status, ra, retryable) = (self.n(), self.n(), self.n(), self.n() == 1.0);
        let a = self.s();
        let _ = self.s();
        (code, status, ra, retryable, a)
    }
}

fn machine(login: bool, persist: bool) -> i32 {
    let h = ctm_new(-1.0, 0.0, 86_400_000.0, 10_000.0, 30_000.0, 1000.0, 60_000.0, 3.0, i32::from(login), 42.0, i32::from(persist));
    assert!(h >= 0);
    h
}

/// Drains the actions; returns them as (kind, out-stream).
fn drain(h: i32) -> Vec<(i32, Out)> {
    let mut actions = Vec::new();
    loop {
        let kind = ctm_poll(h);
        if kind == 0 {
            return actions;
        }
        actions.push((kind, out()));
    }
}

fn fetch_op(actions: &mut [(i32, Out)]) -> f64 {
    let (_, o) = actions.iter_mut().find(|(k, _)| *k == 1).expect("a fetch action");
    o.n()
}

/// Answers fetch `op` with `{ authToken: token, expiresIn: secs }`.
fn respond(h: i32, now: f64, op: f64, token: &str, secs: f64) {
    ctm_field(0, 2, id(token));
    ctm_field(4, 3, secs);
    ctm_fetch_ok(h, now, op, 1, -1.0);
}

/// Starts `h` (a machine with a login step) and answers its fetch with `token`: returns the
/// login action's op and the rest of its fields (the info).
fn start_to_login(h: i32, token: &str) -> (f64, Out) {
    ctm_start(h, T0);
    let op = fetch_op(&mut drain(h));
    respond(h, T0, op, token, 3600.0);
    let (_, mut login) = drain(h).into_iter().find(|(k, _)| *k == 3).expect("a login");
    (login.n(), login)
}

#[wasm_bindgen_test]
fn cold_get_token_fetches_once_then_settles_every_waiter_and_the_token_is_ready() {
    let h = machine(false, false);
    let a = ctm_get(h, T0);
    let b = ctm_get(h, T0);
    assert!(a >= 0.0 && b >= 0.0 && a != b, "two waiters");
    let mut actions = drain(h);
    assert_eq!(actions.iter().filter(|(k, _)| *k == 1).count(), 1, "one fetch for both callers");
    let op = fetch_op(&mut actions);
    assert_eq!(ctm_ready_until(h), -1.0, "nothing to hand out yet");
    respond(h, T0 + 40.0, op, "tok-1", 3600.0);
    let mut actions = drain(h);
    let (_, token_event) = actions.iter_mut().find(|(k, _)| *k == 10).expect("a token event");
    let (token, expires, issued, reason, source) = token_event.info();
    assert_eq!((token.as_str(), expires, issued, reason, source), ("tok-1", T0 + 40.0 + 3_600_000.0, T0 + 40.0, 0.0, 0.0));
    let (_, settle) = actions.iter_mut().find(|(k, _)| *k == 9).expect("a settle");
    assert_eq!(settle.n(), 2.0);
    assert_eq!([settle.n(), settle.n()], [a, b]);
    assert_eq!(settle.n(), 1.0, "resolved");
    assert_eq!(settle.info().0, "tok-1");
    // The host's getToken cache: ready until 30 s before expiry, and the core agrees.
    assert_eq!(ctm_ready_until(h), T0 + 40.0 + 3_570_000.0);
    assert_eq!(ctm_get(h, T0 + 1000.0), -1.0);
    assert!(drain(h).is_empty(), "a ready getToken has no effect");
    assert!(ctm_deadline(h) > T0 + 3_000_000.0, "the refresh is scheduled before expiry");
    ctm_dispose(h);
}

#[wasm_bindgen_test]
fn a_429_with_retry_after_1_is_retried_no_sooner_than_1_s_later() {
    let h = machine(false, false);
    ctm_start(h, T0);
    let op = fetch_op(&mut drain(h));
    // `Retry-After: 1`, as the host reads it (js/decode.mjs retryAfter): 1000 ms.
    ctm_fetch_failed(h, T0, op, 429, 1000.0);
    assert!(drain(h).iter().all(|(k, _)| *k != 1), "no immediate retry");
    assert!(ctm_deadline(h) >= T0 + 1000.0);
    ctm_timeout(h, T0 + 1000.0);
    let mut actions = drain(h);
    let (_, fetch) = actions.iter_mut().find(|(k, _)| *k == 1).expect("the retry");
    let (_, _, attempt) = (fetch.n(), fetch.n(), fetch.n());
    assert_eq!(attempt, 2.0);
    ctm_dispose(h);
}

#[wasm_bindgen_test]
fn permanent_http_errors_reject_with_their_code_and_status() {
    let h = machine(false, false);
    let w = ctm_start(h, T0);
    let op = fetch_op(&mut drain(h));
    ctm_fetch_failed(h, T0, op, 401, -1.0);
    let mut actions = drain(h);
    let (_, settle) = actions.iter_mut().find(|(k, _)| *k == 9).expect("a settle");
    assert_eq!((settle.n(), settle.n(), settle.n()), (1.0, w, 0.0), "the waiter is rejected");
    let (code, status, _, retryable, message) = settle.error();
    assert_eq!((code, status, retryable), (5.0, 401.0, false), "unauthorized, 401, permanent");
    assert!(message.unwrap().contains("401/403"));
    ctm_dispose(h);
}

#[wasm_bindgen_test]
fn invalid_responses_name_the_field() {
    let h = machine(false, false);
    let w = ctm_start(h, T0);
    let op = fetch_op(&mut drain(h));
    ctm_field(0, 2, id("tok"));
    ctm_field(4, 3, -5.0);
    ctm_fetch_ok(h, T0, op, 1, -1.0);
    let mut actions = drain(h);
    let (_, settle) = actions.iter_mut().find(|(k, _)| *k == 9).expect("a settle");
    assert_eq!((settle.n(), settle.n(), settle.n()), (1.0, w, 0.0));
    let (code, _, _, _, field) = settle.error();
    assert_eq!((code, field.as_deref()), (6.0, Some("expiresIn")));
    ctm_dispose(h);
}

#[wasm_bindgen_test]
fn a_config_out_of_range_is_clamped_into_range() {
    // The host rejects such options with `invalid_options` before the wasm is involved; the
    // module keeps the machine's invariants anyway: a 0 default TTL acts as 1 ms, not as "never".
    let h = ctm_new(-1.0, 7.0, 0.0, 0.0, 0.0, 5000.0, 10.0, 0.0, 0, 1.0, 0);
    assert!(h >= 0);
    ctm_start(h, T0);
    let op = fetch_op(&mut drain(h));
    ctm_field(0, 2, id("opaque"));
    ctm_fetch_ok(h, T0, op, 1, -1.0);
    let mut actions = drain(h);
    let (_, ev) = actions.iter_mut().find(|(k, _)| *k == 10).expect("a token event");
    let (_, expires, issued, _, _) = ev.info();
    assert_eq!(expires - issued, 1.0);
    ctm_dispose(h);
}

#[wasm_bindgen_test]
fn tokens_cross_as_handles_and_compare_as_their_texts() {
    let h = machine(false, false);
    ctm_start(h, T0);
    let op = fetch_op(&mut drain(h));
    respond(h, T0, op, "tök€n-😀", 3600.0);
    let mut actions = drain(h);
    let (_, ev) = actions.iter_mut().find(|(k, _)| *k == 10).unwrap();
    assert_eq!(ev.info().0, "tök€n-😀");
    // handleUnauthorized with a stale token that is not current: answered at once.
    ctm_timeout(h, T0 + 10_000.0);
    assert_eq!(ctm_unauthorized(h, T0 + 10_000.0, id("older")), -1.0);
    // With the current token (the same text, so the same handle): a refresh is forced.
    assert!(ctm_unauthorized(h, T0 + 10_000.0, id("tök€n-😀")) >= 0.0);
    assert!(drain(h).iter().any(|(k, _)| *k == 1), "a fetch");
    ctm_dispose(h);
}

#[wasm_bindgen_test]
fn held_names_the_current_tokens_and_those_of_a_login_in_flight() {
    let held = |h: i32| {
        ctm_held(h);
        let o = out();
        o.nums.iter().map(|&v| text(v)).collect::<Vec<_>>()
    };
    let h = machine(true, false);
    let (login_op, _) = start_to_login(h, "first");
    assert_eq!(held(h), [Some("first".into()), None, None], "the login's");
    ctm_login_result(h, T0, login_op, 0);
    drain(h);
    ctm_refresh(h, T0 + 10_000.0);
    let op = fetch_op(&mut drain(h));
    ctm_field(0, 2, id("second"));
    ctm_field(8, 2, id("refresh"));
    ctm_field(10, 2, id("ws"));
    ctm_fetch_ok(h, T0 + 10_000.0, op, 1, -1.0);
    drain(h);
    let expected = ["first", "", "", "second", "refresh", "ws"].map(|s| (!s.is_empty()).then(|| s.to_string()));
    assert_eq!(held(h), expected, "the current token's, then the login's");
    ctm_dispose(h);
}

#[wasm_bindgen_test]
fn logout_ends_the_session_and_later_calls_reject_logged_out() {
    let h = machine(true, false);
    let (login_op, mut login) = start_to_login(h, "t");
    assert_eq!(login.info().0, "t");
    ctm_login_result(h, T0, login_op, 0);
    drain(h);
    assert_eq!(ctm_logout(h, T0), 1);
    assert!(drain(h).iter().any(|(k, _)| *k == 14), "a loggedOut event");
    assert_eq!(ctm_ready_until(h), -1.0);
    assert_eq!(ctm_get(h, T0), -2.0);
    assert_eq!(out().error().0, 11.0, "logged_out");
    assert_eq!(ctm_logout(h, T0), 0, "a second logout ends nothing");
    ctm_dispose(h);
    assert_eq!(ctm_state(h), 8, "disposed");
}

#[wasm_bindgen_test]
fn a_persisted_entry_is_used_by_the_next_manager_without_a_fetch() {
    let h = machine(false, true);
    ctm_start(h, T0);
    assert_eq!(ctm_poll(h), 5, "load the stored entry first");
    ctm_stored(h, T0, -1, 0.0, 0.0, -1.0, -1.0, -1.0);
    let op = fetch_op(&mut drain(h));
    respond(h, T0, op, "kept", 3600.0);
    let mut actions = drain(h);
    let (_, persist) = actions.iter_mut().find(|(k, _)| *k == 6).expect("persist");
    // The entry's fields, which the host writes as text (js/entry.mjs) and reads back.
    let (issued, expires) = (persist.n(), persist.n());
    assert_eq!((issued, expires), (T0, T0 + 3_600_000.0));
    assert_eq!((persist.t().as_deref(), persist.t(), persist.t()), (Some("kept"), None, None));
    ctm_dispose(h);

    let next = machine(false, true);
    let w = ctm_start(next, T0 + 60_000.0);
    assert_eq!(ctm_poll(next), 5);
    ctm_stored(next, T0 + 60_000.0, 1, issued, expires, id("kept"), -1.0, -1.0);
    let mut actions = drain(next);
    assert!(actions.iter().all(|(k, _)| *k != 1), "no fetch");
    let (_, settle) = actions.iter_mut().find(|(k, _)| *k == 9).unwrap();
    assert_eq!((settle.n(), settle.n(), settle.n()), (1.0, w, 1.0));
    let (token, _, _, _, source) = settle.info();
    assert_eq!((token.as_str(), source), ("kept", 1.0), "source: storage");
    ctm_dispose(next);
}

#[wasm_bindgen_test]
fn snapshot_and_cross_tab_helpers() {
    let h = machine(false, false);
    ctm_snapshot(h);
    let mut s = out();
    assert_eq!([s.n(), s.n(), s.n(), s.n(), s.n(), s.n(), s.n()], [0.0, -1.0, -1.0, 0.0, 0.0, 0.0, 0.0], "idle, nothing known");
    ctm_online(h, T0, 0);
    ctm_snapshot(h);
    let mut s = out();
    let offline = [s.n(), s.n(), s.n(), s.n(), s.n(), s.n()][5];
    assert_eq!(offline, 1.0);
    // A marker of a newer, usable token from another tab (issuedAt, expiresAt).
    assert_eq!(ctm_peer_newer(h, T0, 1_700_000_000_000.0, 1_700_003_600_000.0), 1);
    assert_eq!(ctm_peer_newer(h, T0 + 3_600_000.0, 1_700_000_000_000.0, 1_700_003_600_000.0), 0, "expired");
    assert_eq!(ctm_peer_newer(h, T0, 1_700_003_600_000.0, 1_700_000_000_000.0), 0, "expires before it was issued");
    ctm_dispose(h);
}

#[wasm_bindgen_test]
fn another_tabs_entry_is_adopted_only_when_well_formed() {
    let h = machine(false, false);
    ctm_start(h, T0);
    drain(h);
    // No token (none, or the empty string): nothing adopted.
    assert_eq!(ctm_tab_token(h, T0, T0, T0 + 3_600_000.0, -1.0, -1.0, -1.0), 0);
    assert_eq!(ctm_tab_token(h, T0, T0, T0 + 3_600_000.0, 0.0, -1.0, -1.0), 0);
    // Expiring before it was issued: nothing adopted.
    assert_eq!(ctm_tab_token(h, T0, T0 + 3_600_000.0, T0, id("tab-token"), -1.0, -1.0), 0);
    assert_eq!(ctm_tab_token(h, T0, T0, T0 + 3_600_000.0, id("tab-token"), -1.0, id("ws")), 1);
    let mut actions = drain(h);
    assert!(actions.iter().any(|(k, _)| *k == 2), "the fetch in flight is aborted");
    let (_, ev) = actions.iter_mut().find(|(k, _)| *k == 10).expect("a token event");
    let (token, _, _, _, source) = ev.info();
    assert_eq!((token.as_str(), source), ("tab-token", 2.0), "source: tab");
    ctm_dispose(h);
}

#[wasm_bindgen_test]
fn log_lines_carry_their_code_as_an_index_into_the_hosts_tables() {
    let h = machine(false, false);
    ctm_start(h, T0);
    let mut actions = drain(h);
    // "requesting a chat token", reason `initial`: 12 + 0.
    let (_, log) = actions.iter_mut().find(|(k, _)| *k == 15).expect("a log line");
    let (level, message, code) = (log.n(), log.s().unwrap(), log.n());
    assert_eq!((level, message.as_str(), code), (0.0, "requesting a chat token", 12.0));
    let op = fetch_op(&mut actions);
    ctm_fetch_failed(h, T0, op, 503, -1.0);
    let mut actions = drain(h);
    // "token request failed; retrying after backoff", code `http` (3).
    let (_, log) = actions.iter_mut().find(|(k, _)| *k == 15).expect("a log line");
    let (_, message, code) = (log.n(), log.s().unwrap(), log.n());
    assert_eq!((message.as_str(), code), ("token request failed; retrying after backoff", 3.0));
    ctm_dispose(h);
}
