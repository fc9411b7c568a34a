//! The wasm shell driven through its Rust API, in Node and in headless Chromium
//! (`WASM_BINDGEN_USE_BROWSER=1`). Fakes live only at the network boundary: `fetchToken`
//! callbacks, fetch `Response` objects, and `data:` URLs for the built-in fetch.
#![cfg(target_arch = "wasm32")]

use chat_token_manager::TokenManager;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

/// Options from a JS object literal whose functions close over `state` (a plain object the
/// test reads counters from).
fn options(src: &str, state: &Object) -> JsValue {
    Function::new_with_args("state", &["return (", src, ");"].concat()).call1(&JsValue::NULL, state).unwrap()
}

fn num(o: &Object, key: &str) -> f64 {
    Reflect::get(o, &key.into()).unwrap().as_f64().unwrap_or(0.0)
}

fn code(err: &JsValue) -> String {
    Reflect::get(err, &"code".into()).unwrap().as_string().unwrap_or_default()
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

fn sleep(ms: i32) -> JsFuture {
    let f = Function::new_with_args("ms", "return new Promise(r => setTimeout(r, ms))");
    JsFuture::from(Promise::from(f.call1(&JsValue::NULL, &ms.into()).unwrap()))
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[wasm_bindgen_test]
async fn concurrent_get_token_on_a_cold_manager_makes_one_fetch_and_one_login() {
    let state = Object::new();
    let m = TokenManager::new(options(
        "{ fetchToken: async () => { state.fetches = (state.fetches || 0) + 1; await new Promise(r => setTimeout(r, 5)); \
           return { authToken: 'tok-' + state.fetches, expiresIn: 3600 }; }, \
           login: async () => { state.logins = (state.logins || 0) + 1; } }",
        &state,
    ))
    .unwrap();
    let calls: Vec<Promise> = (0..1000).map(|_| m.get_token()).collect();
    let all = settle(Promise::all(&calls.into_iter().collect::<js_sys::Array>())).await.unwrap();
    let all: js_sys::Array = all.into();
    assert_eq!(all.length(), 1000);
    assert!(all.iter().all(|t| t.as_string().as_deref() == Some("tok-1")));
    assert_eq!(num(&state, "fetches"), 1.0);
    assert_eq!(num(&state, "logins"), 1.0);
    assert_eq!(m.state().as_string().as_deref(), Some("ready"));
    m.dispose();
}

#[wasm_bindgen_test]
async fn endpoint_option_reads_a_cometchat_rest_response_with_the_built_in_fetch() {
    let state = Object::new();
    let body = r#"{"data":{"uid":"u1","authToken":"cc-token","createdAt":1700000000}}"#;
    let src = ["{ endpoint: { url: 'data:application/json,", &js_sys::encode_uri_component(body).as_string().unwrap(), "', method: 'GET' } }"].concat();
    let m = TokenManager::new(options(&src, &state)).unwrap();
    let info = settle(m.start()).await.unwrap();
    assert_eq!(Reflect::get(&info, &"token".into()).unwrap().as_string().as_deref(), Some("cc-token"));
    // Opaque token, no expiry: the 24 h default.
    let life = Reflect::get(&info, &"expiresAt".into()).unwrap().as_f64().unwrap() - Reflect::get(&info, &"issuedAt".into()).unwrap().as_f64().unwrap();
    assert_eq!(life, 86_400_000.0);
    assert_eq!(Reflect::get(&info, &"source".into()).unwrap().as_string().as_deref(), Some("network"));
    m.dispose();
}

#[wasm_bindgen_test]
fn bad_options_throw_invalid_options_naming_the_field() {
    let state = Object::new();
    for (src, field) in [
        ("{}", "fetchToken"),
        ("{ fetchToken: () => ({}), retry: { maxAttempts: 0 } }", "retry.maxAttempts"),
        ("{ fetchToken: () => ({}), jitterRatio: 2 }", "jitterRatio"),
        ("{ endpoint: 42 }", "endpoint"),
        ("{ fetchToken: () => ({}), login: 'no' }", "login"),
    ] {
        let err = TokenManager::new(options(src, &state)).err().expect(src);
        assert_eq!(code(&err), "invalid_options");
        assert!(err.is_instance_of::<js_sys::Error>());
        let message = Reflect::get(&err, &"message".into()).unwrap().as_string().unwrap();
        assert!(message.contains(field), "{message} should name {field}");
    }
}

#[wasm_bindgen_test]
async fn hanging_fetch_times_out_and_its_signal_is_aborted() {
    let state = Object::new();
    let m = TokenManager::new(options(
        "{ fetchTimeoutMs: 50, retry: { maxAttempts: 1 }, logger: null, \
           fetchToken: (ctx) => { state.signal = ctx.signal; return new Promise(() => {}); } }",
        &state,
    ))
    .unwrap();
    let err = settle(m.get_token()).await.unwrap_err();
    assert_eq!(code(&err), "timeout");
    let signal = Reflect::get(&state, &"signal".into()).unwrap();
    assert_eq!(Reflect::get(&signal, &"aborted".into()).unwrap().as_bool(), Some(true));
    m.dispose();
}

#[wasm_bindgen_test]
async fn logout_during_fetch_discards_the_result_and_never_logs_in() {
    let state = Object::new();
    let m = TokenManager::new(options(
        "{ fetchToken: () => new Promise(r => setTimeout(() => r({ token: 'late' }), 30)), \
           login: () => { state.logins = (state.logins || 0) + 1; } }",
        &state,
    ))
    .unwrap();
    let pending = m.get_token();
    settle(m.logout()).await.unwrap();
    assert_eq!(code(&settle(pending).await.unwrap_err()), "discarded");
    sleep(60).await.unwrap();
    assert_eq!(num(&state, "logins"), 0.0);
    assert_eq!(code(&settle(m.get_token()).await.unwrap_err()), "logged_out");
    assert_eq!(m.state().as_string().as_deref(), Some("loggedOut"));
    m.dispose();
}

#[wasm_bindgen_test]
async fn rate_limited_response_waits_for_retry_after() {
    let state = Object::new();
    let m = TokenManager::new(options(
        "{ logger: null, fetchToken: () => { state.n = (state.n || 0) + 1; (state.at = state.at || []).push(Date.now()); \
           return state.n === 1 ? new Response('', { status: 429, headers: { 'Retry-After': '1' } }) \
                                : new Response(JSON.stringify({ token: 'after-429', expiresIn: 600 }), { status: 200 }); } }",
        &state,
    ))
    .unwrap();
    let started = now_ms();
    let token = settle(m.get_token()).await.unwrap();
    assert_eq!(token.as_string().as_deref(), Some("after-429"));
    let at: js_sys::Array = Reflect::get(&state, &"at".into()).unwrap().into();
    let gap = at.get(1).as_f64().unwrap() - at.get(0).as_f64().unwrap();
    assert!(gap >= 1000.0, "retried after {gap} ms");
    assert!(now_ms() - started >= 1000.0);
    m.dispose();
}

#[wasm_bindgen_test]
async fn login_in_progress_is_retried_until_one_login_succeeds() {
    let state = Object::new();
    let m = TokenManager::new(options(
        "{ fetchToken: () => ({ authToken: 'busy', expiresIn: 600 }), \
           login: () => { state.calls = (state.calls || 0) + 1; \
             if (state.calls < 3) { const e = new Error('Please wait until the previous login request ends.'); e.name = 'LOGIN_IN_PROGRESS'; throw e; } \
             state.ok = (state.ok || 0) + 1; } }",
        &state,
    ))
    .unwrap();
    assert_eq!(settle(m.get_token()).await.unwrap().as_string().as_deref(), Some("busy"));
    assert_eq!(num(&state, "calls"), 3.0);
    assert_eq!(num(&state, "ok"), 1.0);
    m.dispose();
}

#[wasm_bindgen_test]
async fn handle_unauthorized_with_a_rotated_token_makes_no_request() {
    let state = Object::new();
    let m = TokenManager::new(options(
        "{ now: () => state.clock, fetchToken: () => { state.n = (state.n || 0) + 1; return { token: 't' + state.n, expiresIn: 3600 }; } }",
        &state,
    ))
    .unwrap();
    Reflect::set(&state, &"clock".into(), &1.7e12.into()).unwrap();
    settle(m.start()).await.unwrap();
    Reflect::set(&state, &"clock".into(), &(1.7e12 + 60_000.0).into()).unwrap();
    // t1 was rejected by the chat service: one forced refresh, shared by concurrent callers.
    let a = m.handle_unauthorized(Some("t1".into()));
    let b = m.handle_unauthorized(Some("t1".into()));
    let (a, b) = (settle(a).await.unwrap(), settle(b).await.unwrap());
    assert_eq!(Reflect::get(&a, &"token".into()).unwrap().as_string().as_deref(), Some("t2"));
    assert_eq!(Reflect::get(&b, &"reason".into()).unwrap().as_string().as_deref(), Some("unauthorized"));
    assert_eq!(num(&state, "n"), 2.0);
    // A late report for t1 after the rotation: served t2, no request.
    let c = settle(m.handle_unauthorized(Some("t1".into()))).await.unwrap();
    assert_eq!(Reflect::get(&c, &"token".into()).unwrap().as_string().as_deref(), Some("t2"));
    assert_eq!(num(&state, "n"), 2.0);
    m.dispose();
}

#[wasm_bindgen_test]
async fn dispose_rejects_waiters_and_later_calls_with_disposed() {
    let state = Object::new();
    let m = TokenManager::new(options("{ fetchToken: () => new Promise(() => {}) }", &state)).unwrap();
    let pending = m.get_token();
    m.dispose();
    m.dispose();
    assert_eq!(code(&settle(pending).await.unwrap_err()), "disposed");
    assert_eq!(code(&settle(m.refresh()).await.unwrap_err()), "disposed");
    assert_eq!(m.state().as_string().as_deref(), Some("disposed"));
}
