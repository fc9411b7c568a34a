//! wasm-bindgen tests of the real `chat_token_manager::TokenManager`, driven from Rust the way
//! an app drives it from JavaScript: options objects built with `Reflect`, callbacks as
//! `Closure`s, promises awaited with `JsFuture`.
//!
//! ```sh
//! wasm-pack test --node
//! WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome
//! ```
//!
//! Every manager is wrapped in [`Managed`], which disposes it when the test ends, and every test
//! is fast: short token lifetimes (`expiresIn: 2` with `refreshMarginMs: 1500` puts the refresh
//! ~500 ms after issue), `jitterRatio: 0` for exact schedules, 10–50 ms retry delays.
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ops::Deref;
use std::rc::Rc;

use chat_token_manager::TokenManager;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use wasm_bindgen_test::*;

// ----- JavaScript values ----------------------------------------------------------------------

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(o: &JsValue, key: &str, value: impl Into<JsValue>) {
    Reflect::set(o, &JsValue::from_str(key), &value.into()).expect("Reflect::set");
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o: JsValue = Object::new().into();
    for (k, v) in pairs {
        set(&o, k, v.clone());
    }
    o
}

fn string(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_else(|| panic!("`{key}` is not a string: {:?}", get(v, key)))
}

fn number(v: &JsValue, key: &str) -> f64 {
    get(v, key).as_f64().unwrap_or_else(|| panic!("`{key}` is not a number: {:?}", get(v, key)))
}

fn json(v: &JsValue) -> String {
    js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string()).unwrap_or_default()
}

/// A token response body: `{ authToken, expiresIn }`.
fn body(token: &str, expires_in_s: f64) -> JsValue {
    obj(&[("authToken", token.into()), ("expiresIn", expires_in_s.into())])
}

/// A fetch `Response` built with the global constructor (Node 18+ and browsers have it).
fn response(status: u16, text: &str, headers: &[(&str, &str)]) -> JsValue {
    let ctor: Function = get(&js_sys::global(), "Response").dyn_into().expect("a global Response constructor");
    let h = obj(&[]);
    for (name, value) in headers {
        set(&h, name, *value);
    }
    let init = obj(&[("status", status.into()), ("headers", h)]);
    Reflect::construct(&ctor, &Array::of2(&JsValue::from_str(text), &init)).expect("new Response")
}

fn func0(f: impl FnMut() -> JsValue + 'static) -> Function {
    Closure::<dyn FnMut() -> JsValue>::new(f).into_js_value().unchecked_into()
}

fn func1(f: impl FnMut(JsValue) -> JsValue + 'static) -> Function {
    Closure::<dyn FnMut(JsValue) -> JsValue>::new(f).into_js_value().unchecked_into()
}

fn func2(f: impl FnMut(JsValue, JsValue) -> JsValue + 'static) -> Function {
    Closure::<dyn FnMut(JsValue, JsValue) -> JsValue>::new(f).into_js_value().unchecked_into()
}

/// A function that throws `error` whenever it is called.
fn thrower(error: JsValue) -> Function {
    Closure::<dyn FnMut(JsValue) -> Result<JsValue, JsValue>>::new(move |_| Err(error.clone())).into_js_value().unchecked_into()
}

/// A promise and its resolver, to settle it when the test decides.
struct Deferred {
    promise: Promise,
    resolve: Function,
}

fn deferred() -> Deferred {
    let mut resolver = None;
    let promise = Promise::new(&mut |resolve, _| resolver = Some(resolve));
    Deferred { promise, resolve: resolver.expect("the executor runs at once") }
}

impl Deferred {
    fn resolve(&self, v: &JsValue) {
        self.resolve.call1(&JsValue::UNDEFINED, v).unwrap();
    }
}

// ----- awaiting -------------------------------------------------------------------------------

async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await
}

async fn resolved(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => v,
        Err(e) => panic!("expected a resolution, got a rejection: {} {}", string_or(&e, "code"), string_or(&e, "message")),
    }
}

async fn rejected(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => panic!("expected a rejection, got {:?} ({})", v, json(&v)),
        Err(e) => e,
    }
}

fn string_or(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_default()
}

/// Checks that `e` is a `TokenError` (an `Error` named `TokenError`) with `code`.
fn assert_token_error(e: &JsValue, code: &str) {
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    assert_eq!(string_or(e, "name"), "TokenError", "error name");
    assert_eq!(string_or(e, "code"), code, "error code (message: {})", string_or(e, "message"));
    assert!(get(e, "retryable").as_bool().is_some(), "retryable must be a boolean");
}

fn retryable(e: &JsValue) -> bool {
    get(e, "retryable").as_bool().unwrap()
}

/// The outcome of a promise, observed without awaiting it: `None` while it is pending.
type Outcome = Rc<RefCell<Option<Result<JsValue, JsValue>>>>;

fn watch(p: Promise) -> Outcome {
    let outcome: Outcome = Rc::default();
    let o = outcome.clone();
    spawn_local(async move {
        let r = JsFuture::from(p).await;
        *o.borrow_mut() = Some(r);
    });
    outcome
}

/// Polls `cond` every 5 ms for up to `timeout_ms`; whether it became true.
async fn wait_for(timeout_ms: f64, cond: impl Fn() -> bool) -> bool {
    let deadline = js_sys::Date::now() + timeout_ms;
    while !cond() {
        if js_sys::Date::now() > deadline {
            return false;
        }
        sleep(5).await;
    }
    true
}

// ----- fakes ------------------------------------------------------------------------------------

/// One call of a fake callback: when it came and its arguments.
#[derive(Clone)]
struct Call {
    at: f64,
    args: Vec<JsValue>,
}

/// The calls a fake callback received.
#[derive(Clone, Default)]
struct Calls(Rc<RefCell<Vec<Call>>>);

impl Calls {
    fn push(&self, args: Vec<JsValue>) -> usize {
        let mut calls = self.0.borrow_mut();
        calls.push(Call { at: js_sys::Date::now(), args });
        calls.len() - 1
    }
    fn count(&self) -> usize {
        self.0.borrow().len()
    }
    fn arg(&self, i: usize, n: usize) -> JsValue {
        self.0.borrow()[i].args.get(n).cloned().unwrap_or(JsValue::UNDEFINED)
    }
    fn at(&self, i: usize) -> f64 {
        self.0.borrow()[i].at
    }
    /// `fetchToken`'s context of call `i`.
    fn ctx(&self, i: usize) -> JsValue {
        self.arg(i, 0)
    }
}

/// A `fetchToken` that records each call (its context) and answers with `answer(index, ctx)`:
/// a token response, a `Response`, or a promise of either (a rejected one to fail).
fn fetcher(mut answer: impl FnMut(usize, &JsValue) -> JsValue + 'static) -> (Function, Calls) {
    let calls = Calls::default();
    let c = calls.clone();
    let f = func1(move |ctx| {
        let i = c.push(vec![ctx.clone()]);
        answer(i, &ctx)
    });
    (f, calls)
}

/// A `fetchToken` answering `tok-1`, `tok-2`, … with `expiresIn` seconds.
fn minting(expires_in_s: f64) -> (Function, Calls) {
    fetcher(move |i, _| Promise::resolve(&body(&format!("tok-{}", i + 1), expires_in_s)).into())
}

/// A callback (login, logout, listener, …) that records its arguments and returns `undefined`.
fn recorder() -> (Function, Calls) {
    let calls = Calls::default();
    let c = calls.clone();
    let f = func2(move |a, b| {
        c.push(vec![a, b]);
        JsValue::UNDEFINED
    });
    (f, calls)
}

/// A console-like logger recording every line, as `level: args…`.
fn logger() -> (JsValue, Rc<RefCell<Vec<String>>>) {
    let lines: Rc<RefCell<Vec<String>>> = Rc::default();
    let l = obj(&[]);
    for level in ["debug", "info", "warn", "error"] {
        let lines = lines.clone();
        let f = Closure::<dyn FnMut(JsValue, JsValue, JsValue)>::new(move |a: JsValue, b: JsValue, c: JsValue| {
            let parts: Vec<String> = [a, b, c].iter().filter_map(|v| v.as_string()).collect();
            lines.borrow_mut().push(format!("{level}: {}", parts.join(" ")));
        });
        set(&l, level, f.into_js_value());
    }
    (l, lines)
}

/// The options every test starts from: `fetchToken`, silent, no jitter, no cross-tab, fast retries.
fn options(fetch_token: &Function) -> JsValue {
    obj(&[
        ("fetchToken", fetch_token.into()),
        ("logger", JsValue::NULL),
        ("jitterRatio", 0.into()),
        ("crossTab", false.into()),
        ("retry", obj(&[("baseDelayMs", 10.into()), ("maxDelayMs", 50.into()), ("maxAttempts", 3.into())])),
    ])
}

fn with(o: JsValue, key: &str, value: impl Into<JsValue>) -> JsValue {
    set(&o, key, value);
    o
}

/// A manager that is disposed when the test ends (whichever way it ends).
struct Managed(TokenManager);

impl Deref for Managed {
    type Target = TokenManager;
    fn deref(&self) -> &TokenManager {
        &self.0
    }
}

impl Drop for Managed {
    fn drop(&mut self) {
        self.0.dispose();
    }
}

fn manager(options: JsValue) -> Managed {
    match TokenManager::new(options) {
        Ok(m) => Managed(m),
        Err(e) => panic!("new TokenManager threw: {}", string_or(&e, "message")),
    }
}

/// Subscribes a recorder to `event`; the payloads it got and the unsubscribe function.
fn record(m: &TokenManager, event: &str) -> (Rc<RefCell<Vec<JsValue>>>, Function) {
    let seen: Rc<RefCell<Vec<JsValue>>> = Rc::default();
    let s = seen.clone();
    let listener = func1(move |payload| {
        s.borrow_mut().push(payload);
        JsValue::UNDEFINED
    });
    let off = m.on(event.into(), listener.into()).expect("on() accepts the event");
    (seen, off)
}

fn strings(v: &Rc<RefCell<Vec<JsValue>>>) -> Vec<String> {
    v.borrow().iter().map(|s| s.as_string().unwrap_or_default()).collect()
}

/// A storage adapter `{ getItem, setItem, removeItem }` over a Rust map; `getItem` answers a
/// promise when `async_get`.
fn storage_adapter(map: &Rc<RefCell<HashMap<String, String>>>, async_get: bool) -> JsValue {
    let (m1, m2, m3) = (map.clone(), map.clone(), map.clone());
    let get_item = func1(move |key| {
        let v = m1.borrow().get(&key.as_string().unwrap()).cloned().map_or(JsValue::NULL, JsValue::from);
        if async_get {
            Promise::resolve(&v).into()
        } else {
            v
        }
    });
    let set_item = func2(move |key, value| {
        m2.borrow_mut().insert(key.as_string().unwrap(), value.as_string().unwrap());
        JsValue::UNDEFINED
    });
    let remove_item = func1(move |key| {
        m3.borrow_mut().remove(&key.as_string().unwrap());
        JsValue::UNDEFINED
    });
    obj(&[("getItem", get_item.into()), ("setItem", set_item.into()), ("removeItem", remove_item.into())])
}

// ----- construction and options ----------------------------------------------------------------

#[wasm_bindgen_test]
async fn construct_from_js_options_and_start_fetches_once() {
    let (fetch_token, calls) = minting(3600.0);
    let m = manager(options(&fetch_token));
    assert_eq!(m.state(), "idle");
    assert_eq!(calls.count(), 0, "constructing fetches nothing");

    let before = js_sys::Date::now();
    let info = resolved(m.start()).await;
    assert_eq!(string(&info, "token"), "tok-1");
    assert_eq!(string(&info, "reason"), "initial");
    assert_eq!(string(&info, "source"), "network");
    let (issued, expires, refresh) = (number(&info, "issuedAt"), number(&info, "expiresAt"), number(&info, "refreshAt"));
    assert!(issued >= before - 1.0 && issued <= js_sys::Date::now() + 1.0, "issuedAt is now");
    assert!((expires - issued - 3_600_000.0).abs() <= 1000.0, "expiresIn 3600 s: expiresAt = issuedAt + 1 h");
    // Default margin: 25 % of 1 h, clamped to 5 min; no jitter.
    assert_eq!(expires - refresh, 300_000.0, "refreshAt is 5 min before expiry");
    assert_eq!(m.state(), "ready");

    let ctx = calls.ctx(0);
    assert_eq!(string(&ctx, "reason"), "initial");
    assert_eq!(number(&ctx, "attempt"), 1.0);
    assert!(get(&ctx, "previous").is_null(), "no previous token");
    assert_eq!(get(&get(&ctx, "signal"), "aborted").as_bool(), Some(false), "ctx.signal is a live AbortSignal");

    // start() is idempotent and getToken() serves the current token: no second fetch.
    assert_eq!(string(&resolved(m.start()).await, "token"), "tok-1");
    assert_eq!(resolved(m.get_token()).await.as_string().as_deref(), Some("tok-1"));
    assert_eq!(calls.count(), 1, "exactly one fetch");
}

#[wasm_bindgen_test]
fn invalid_option_names_the_field() {
    let (f, calls) = minting(3600.0);
    let cases: Vec<(JsValue, &str)> = vec![
        (JsValue::from_str("nope"), "`options`"),
        (obj(&[]), "`fetchToken`"),
        (with(options(&f), "endpoint", "/api/token"), "`endpoint`"),
        (obj(&[("endpoint", "".into())]), "`endpoint`"),
        (obj(&[("endpoint", obj(&[("url", "/t".into()), ("credentials", "sometimes".into())]))]), "`endpoint.credentials`"),
        (with(options(&f), "retry", obj(&[("maxAttempts", 0.into())])), "`retry.maxAttempts`"),
        (with(options(&f), "retry", obj(&[("maxAttempts", 2.5.into())])), "`retry.maxAttempts`"),
        (with(options(&f), "retry", obj(&[("baseDelayMs", (-1).into())])), "`retry.baseDelayMs`"),
        (with(options(&f), "jitterRatio", 2), "`jitterRatio`"),
        (with(options(&f), "refreshMarginMs", "soon"), "`refreshMarginMs`"),
        (with(options(&f), "fetchTimeoutMs", f64::NAN), "`fetchTimeoutMs`"),
        (with(options(&f), "storage", "bogus"), "`storage`"),
        (with(options(&f), "storageKey", ""), "`storageKey`"),
        (with(options(&f), "crossTab", "yes"), "`crossTab`"),
        (with(options(&f), "login", "not a function"), "`login`"),
        (with(options(&f), "logger", 42), "`logger`"),
        (with(options(&f), "appState", obj(&[])), "`appState`"),
    ];
    for (opts, field) in cases {
        let e = match TokenManager::new(opts.clone()) {
            Ok(m) => {
                m.dispose();
                panic!("options {} were accepted; expected an error naming {field}", json(&opts));
            }
            Err(e) => e,
        };
        assert_token_error(&e, "invalid_options");
        assert!(!retryable(&e));
        let message = string(&e, "message");
        assert!(message.contains(field), "message {message:?} should name {field}");
    }
    assert_eq!(calls.count(), 0);
}

#[wasm_bindgen_test]
fn bad_event_listener_and_app_state_values_are_rejected() {
    let (f, _) = minting(3600.0);
    let m = manager(options(&f));
    let (listener, _) = recorder();

    let e = m.on("tokens".into(), listener.clone().into()).expect_err("unknown event");
    assert_token_error(&e, "invalid_options");
    assert!(string(&e, "message").contains("`event`"));

    let e = m.on("token".into(), "not a function".into()).expect_err("listener must be a function");
    assert_token_error(&e, "invalid_options");
    assert!(string(&e, "message").contains("`listener`"));

    let e = m.set_app_state("sleeping".into()).expect_err("unknown app state");
    assert_token_error(&e, "invalid_options");
    assert!(string(&e, "message").contains("`appState`"));
    m.set_app_state("background".into()).expect("'background' is accepted");
    m.set_app_state("active".into()).expect("'active' is accepted");
}

// ----- single flight and login -----------------------------------------------------------------

#[wasm_bindgen_test]
async fn concurrent_get_token_calls_share_one_fetch() {
    let pending = deferred();
    let first = pending.promise.clone();
    let (f, calls) = fetcher(move |i, _| if i == 0 { first.clone().into() } else { Promise::resolve(&body("tok-extra", 3600.0)).into() });
    let m = manager(options(&f));

    let tokens: Vec<Promise> = (0..5).map(|_| m.get_token()).collect();
    let start = m.start();
    let refresh = m.refresh(); // joins the fetch in flight
    assert!(wait_for(500.0, || calls.count() == 1).await, "the fetch starts");
    sleep(20).await;
    assert_eq!(calls.count(), 1, "seven concurrent callers, one fetch");
    assert_eq!(m.state(), "fetching");

    pending.resolve(&body("tok-1", 3600.0));
    for t in tokens {
        assert_eq!(resolved(t).await.as_string().as_deref(), Some("tok-1"));
    }
    assert_eq!(string(&resolved(start).await, "token"), "tok-1");
    assert_eq!(string(&resolved(refresh).await, "token"), "tok-1");
    assert_eq!(resolved(m.get_token()).await.as_string().as_deref(), Some("tok-1"));
    assert_eq!(calls.count(), 1, "still one fetch");
}

#[wasm_bindgen_test]
async fn login_callback_called_once_with_the_token() {
    let (f, fetches) = minting(3600.0);
    let login_done = deferred();
    let done = login_done.promise.clone();
    let logins = Calls::default();
    let l = logins.clone();
    let login = func2(move |token, info| {
        l.push(vec![token, info]);
        done.clone().into()
    });
    let m = manager(with(options(&f), "login", login));

    let start = watch(m.start());
    let tokens = [watch(m.get_token()), watch(m.get_token())];
    assert!(wait_for(500.0, || logins.count() == 1).await, "login is called");
    sleep(30).await;
    assert!(start.borrow().is_none(), "start() waits for the login to finish");
    assert!(tokens.iter().all(|t| t.borrow().is_none()), "getToken() waits for the login too");

    login_done.resolve(&JsValue::UNDEFINED);
    assert!(wait_for(500.0, || start.borrow().is_some() && tokens.iter().all(|t| t.borrow().is_some())).await);
    let info = start.borrow().clone().unwrap().expect("start resolves");
    assert_eq!(string(&info, "token"), "tok-1");
    for t in &tokens {
        assert_eq!(t.borrow().clone().unwrap().unwrap().as_string().as_deref(), Some("tok-1"));
    }
    assert_eq!(logins.count(), 1, "one login for three callers");
    assert_eq!(logins.arg(0, 0).as_string().as_deref(), Some("tok-1"), "login(token, …)");
    assert_eq!(string(&logins.arg(0, 1), "token"), "tok-1", "login(…, info)");
    assert_eq!(fetches.count(), 1);

    // A manual refresh is a new token: one more login.
    resolved(m.refresh()).await;
    assert_eq!(logins.count(), 2);
    assert_eq!(logins.arg(1, 0).as_string().as_deref(), Some("tok-2"));
}

#[wasm_bindgen_test]
async fn login_rejection_rejects_start_with_login_failed() {
    let (f, _) = minting(3600.0);
    let login = func2(|_, _| Promise::reject(&js_sys::Error::new("sdk refused").into()).into());
    let m = manager(with(options(&f), "login", login));
    let (errors, _off) = record(&m, "error");
    let e = rejected(m.start()).await;
    assert_token_error(&e, "login_failed");
    assert_eq!(errors.borrow().len(), 1, "one error event");
    assert_eq!(string(&errors.borrow()[0], "code"), "login_failed");
    assert_ne!(m.state(), "ready", "no token is served without a login");
}

#[wasm_bindgen_test]
async fn login_in_progress_is_retried_after_250_ms() {
    let (f, fetches) = minting(3600.0);
    let logins = Calls::default();
    let l = logins.clone();
    let login = func2(move |token, _| {
        let i = l.push(vec![token]);
        if i == 0 {
            Promise::reject(&obj(&[("code", "LOGIN_IN_PROGRESS".into())])).into()
        } else {
            Promise::resolve(&JsValue::UNDEFINED).into()
        }
    });
    let m = manager(with(options(&f), "login", login));
    let info = resolved(m.start()).await;
    assert_eq!(string(&info, "token"), "tok-1");
    assert_eq!(logins.count(), 2, "the busy login is retried once");
    assert_eq!(logins.arg(1, 0).as_string().as_deref(), Some("tok-1"), "with the same token");
    let gap = logins.at(1) - logins.at(0);
    assert!((240.0..1000.0).contains(&gap), "retried {gap} ms later; expected ~250 ms");
    assert_eq!(fetches.count(), 1, "no new fetch for a busy login");
}

// ----- refresh schedule ------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn refresh_timer_fires_before_expiry() {
    let (f, calls) = minting(2.0);
    let m = manager(with(options(&f), "refreshMarginMs", 1500));
    let (tokens, _off) = record(&m, "token");

    let info = resolved(m.start()).await;
    let (issued, expires, refresh) = (number(&info, "issuedAt"), number(&info, "expiresAt"), number(&info, "refreshAt"));
    assert!((expires - issued - 2000.0).abs() <= 50.0, "expiresIn 2 s");
    assert_eq!(expires - refresh, 1500.0, "refreshAt = expiresAt − refreshMarginMs (no jitter)");

    assert!(wait_for(1500.0, || calls.count() == 2).await, "the timer refreshes before expiry");
    let gap = calls.at(1) - calls.at(0);
    assert!((450.0..1100.0).contains(&gap), "refresh came {gap} ms after issue; expected ~500 ms");
    assert!(calls.at(1) < expires, "refreshed before the token expired");
    let ctx = calls.ctx(1);
    assert_eq!(string(&ctx, "reason"), "scheduled");
    assert_eq!(string(&get(&ctx, "previous"), "token"), "tok-1", "ctx.previous is the old token");

    assert!(wait_for(500.0, || tokens.borrow().len() == 2).await);
    assert_eq!(string(&tokens.borrow()[1], "token"), "tok-2");
    assert_eq!(string(&tokens.borrow()[1], "reason"), "scheduled");
    assert_eq!(resolved(m.get_token()).await.as_string().as_deref(), Some("tok-2"));
}

#[wasm_bindgen_test]
async fn refresh_forces_a_new_token_with_reason_manual() {
    let (f, calls) = minting(3600.0);
    let m = manager(options(&f));
    resolved(m.start()).await;
    let info = resolved(m.refresh()).await;
    assert_eq!(string(&info, "token"), "tok-2");
    assert_eq!(string(&info, "reason"), "manual");
    assert_eq!(calls.count(), 2);
    assert_eq!(string(&calls.ctx(1), "reason"), "manual");
    assert_eq!(string(&get(&calls.ctx(1), "previous"), "token"), "tok-1");
    assert_eq!(resolved(m.get_token()).await.as_string().as_deref(), Some("tok-2"));
}

#[wasm_bindgen_test]
async fn app_state_background_stops_timer() {
    let (f, calls) = minting(2.0);
    let m = manager(with(options(&f), "refreshMarginMs", 1500));
    resolved(m.start()).await;
    m.set_app_state("background".into()).unwrap();
    sleep(800).await; // the refresh was due at ~500 ms
    assert_eq!(calls.count(), 1, "no refresh in the background");

    m.set_app_state("active".into()).unwrap();
    assert!(wait_for(300.0, || calls.count() == 2).await, "back in the foreground, inside the margin: refresh at once");
    assert_eq!(string(&calls.ctx(1), "reason"), "resume");
    assert_eq!(resolved(m.get_token()).await.as_string().as_deref(), Some("tok-2"));
}

#[wasm_bindgen_test]
async fn app_state_option_drives_the_timer_and_is_removed_on_dispose() {
    let listener: Rc<RefCell<Option<Function>>> = Rc::default();
    let types = Calls::default();
    let removed = Rc::new(Cell::new(0u32));
    let (l, t, r) = (listener.clone(), types.clone(), removed.clone());
    let add = func2(move |kind, f| {
        t.push(vec![kind]);
        *l.borrow_mut() = f.dyn_into().ok();
        let r = r.clone();
        obj(&[(
            "remove",
            func0(move || {
                r.set(r.get() + 1);
                JsValue::UNDEFINED
            })
            .into(),
        )])
    });
    let app_state = obj(&[("currentState", "active".into()), ("addEventListener", add.into())]);
    let (f, calls) = minting(2.0);
    let m = manager(with(with(options(&f), "refreshMarginMs", 1500), "appState", app_state));
    assert_eq!(types.count(), 1, "subscribed once");
    assert_eq!(types.arg(0, 0).as_string().as_deref(), Some("change"));
    let change = listener.borrow().clone().expect("a change listener");

    resolved(m.start()).await;
    change.call1(&JsValue::UNDEFINED, &"background".into()).unwrap();
    change.call1(&JsValue::UNDEFINED, &"inactive".into()).unwrap(); // iOS: ignored
    sleep(800).await;
    assert_eq!(calls.count(), 1, "AppState 'background' stopped the timer");
    change.call1(&JsValue::UNDEFINED, &"active".into()).unwrap();
    assert!(wait_for(300.0, || calls.count() == 2).await, "AppState 'active' refreshed inside the margin");
    assert_eq!(string(&calls.ctx(1), "reason"), "resume");

    assert_eq!(removed.get(), 0);
    m.dispose();
    assert_eq!(removed.get(), 1, "dispose() removes the AppState subscription");
}

// ----- failures and retries --------------------------------------------------------------------

#[wasm_bindgen_test]
async fn rate_limited_429_waits_for_retry_after() {
    let (f, calls) = fetcher(|i, _| {
        if i == 0 {
            response(429, r#"{"error":"slow down"}"#, &[("Retry-After", "1")])
        } else {
            response(200, r#"{"authToken":"tok-1","expiresIn":3600}"#, &[("content-type", "application/json")])
        }
    });
    let m = manager(options(&f));
    let (errors, _off) = record(&m, "error");
    let (states, _off2) = record(&m, "state");
    assert_eq!(resolved(m.get_token()).await.as_string().as_deref(), Some("tok-1"));
    assert_eq!(calls.count(), 2, "one 429, one retry");
    let gap = calls.at(1) - calls.at(0);
    assert!(gap >= 900.0, "retried {gap} ms after the 429; Retry-After asked for 1 s (base delay is 10 ms)");
    assert!(gap < 1900.0, "retried {gap} ms after the 429: far more than Retry-After");
    assert_eq!(number(&calls.ctx(1), "attempt"), 2.0);
    assert!(errors.borrow().is_empty(), "the cycle did not give up");
    assert!(strings(&states).contains(&"backoff".to_string()), "waited in 'backoff': {:?}", strings(&states));
}

#[wasm_bindgen_test]
async fn thrown_429_retry_after_ms_is_honoured_and_clamped_to_one_second() {
    let (f, calls) =
        fetcher(|i, _| if i == 0 { Promise::reject(&obj(&[("status", 429.into()), ("retryAfterMs", 300.into())])).into() } else { body("tok-1", 3600.0) });
    let m = manager(options(&f));
    assert_eq!(resolved(m.get_token()).await.as_string().as_deref(), Some("tok-1"));
    assert_eq!(calls.count(), 2);
    let gap = calls.at(1) - calls.at(0);
    // README: Retry-After "is clamped to [1 s, 10 min]" — 300 ms becomes 1 s.
    assert!(gap >= 900.0, "retried {gap} ms after a thrown 429 with retryAfterMs 300; expected the 1 s floor");
    assert!(gap < 1900.0, "retried {gap} ms later");
}

#[wasm_bindgen_test]
async fn rate_limited_on_the_last_attempt_reports_status_and_retry_after_ms() {
    let (f, calls) = fetcher(|_, _| Promise::reject(&obj(&[("status", 429.into()), ("retryAfterMs", 300.into())])).into());
    let opts = with(options(&f), "retry", obj(&[("maxAttempts", 1.into())]));
    let m = manager(opts);
    let (errors, _off) = record(&m, "error");
    let e = rejected(m.get_token()).await;
    assert_token_error(&e, "rate_limited");
    assert!(retryable(&e));
    assert_eq!(number(&e, "status"), 429.0);
    assert_eq!(number(&e, "retryAfterMs"), 300.0);
    assert_eq!(calls.count(), 1);
    assert_eq!(errors.borrow().len(), 1);
    assert_eq!(string(&errors.borrow()[0], "code"), "rate_limited");
    assert_eq!(m.state(), "error");
}

#[wasm_bindgen_test]
async fn permanent_401_is_not_retried() {
    let (f, calls) = fetcher(|_, _| response(401, r#"{"error":"no session"}"#, &[]));
    let (login, logins) = recorder();
    let (on_refresh_error, refresh_errors) = recorder();
    let opts = with(with(options(&f), "login", login), "onRefreshError", on_refresh_error);
    let m = manager(with(opts, "retry", obj(&[("baseDelayMs", 10.into()), ("maxDelayMs", 20.into()), ("maxAttempts", 6.into())])));
    let (errors, _off) = record(&m, "error");

    let e = rejected(m.get_token()).await;
    assert_token_error(&e, "unauthorized");
    assert!(!retryable(&e));
    assert_eq!(number(&e, "status"), 401.0);
    sleep(150).await; // room for a (wrong) retry with a 10 ms base delay
    assert_eq!(calls.count(), 1, "a 401 is never retried");
    assert_eq!(logins.count(), 0);
    assert_eq!(errors.borrow().len(), 1, "one error event for the cycle");
    assert_eq!(refresh_errors.count(), 1, "onRefreshError once for the cycle");
    assert_eq!(string(&refresh_errors.arg(0, 0), "code"), "unauthorized");

    let snap = m.snapshot();
    assert_eq!(number(&snap, "consecutiveFailures"), 1.0);
    let last = get(&snap, "lastError");
    assert_eq!(string(&last, "code"), "unauthorized");
    assert_eq!(number(&last, "status"), 401.0);
    assert_eq!(get(&last, "retryable").as_bool(), Some(false));
}

#[wasm_bindgen_test]
async fn three_permanent_failures_enter_failed_until_start() {
    let fail = Rc::new(Cell::new(true));
    let fl = fail.clone();
    let (f, calls) = fetcher(move |i, _| if fl.get() { response(403, "{}", &[]) } else { Promise::resolve(&body(&format!("tok-{}", i + 1), 3600.0)).into() });
    let m = manager(options(&f));
    for _ in 0..3 {
        assert_token_error(&rejected(m.get_token()).await, "unauthorized");
    }
    assert_eq!(m.state(), "failed");
    assert_token_error(&rejected(m.get_token()).await, "failed");
    assert_eq!(calls.count(), 3, "no request while failed");

    fail.set(false);
    let info = resolved(m.start()).await;
    assert_eq!(string(&info, "token"), "tok-4", "start() leaves 'failed'");
    assert_eq!(m.state(), "ready");
}

#[wasm_bindgen_test]
async fn transient_network_error_is_retried_with_backoff() {
    let (f, calls) = fetcher(|i, _| if i < 2 { Promise::reject(&js_sys::TypeError::new("Failed to fetch").into()).into() } else { body("tok-1", 3600.0) });
    let m = manager(options(&f));
    let (states, _off) = record(&m, "state");
    let (errors, _off2) = record(&m, "error");
    assert_eq!(resolved(m.get_token()).await.as_string().as_deref(), Some("tok-1"));
    assert_eq!(calls.count(), 3, "two failures, then success (maxAttempts 3)");
    for i in 0..3 {
        assert_eq!(number(&calls.ctx(i), "attempt"), (i + 1) as f64, "ctx.attempt");
        assert_eq!(string(&calls.ctx(i), "reason"), "initial");
    }
    for i in 1..3 {
        let gap = calls.at(i) - calls.at(i - 1);
        assert!(gap < 400.0, "retry {i} came {gap} ms later (maxDelayMs 50)");
    }
    assert!(strings(&states).contains(&"backoff".to_string()), "states: {:?}", strings(&states));
    assert_eq!(strings(&states).last().map(String::as_str), Some("ready"));
    assert!(errors.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn network_errors_give_up_after_max_attempts() {
    let (f, calls) = fetcher(|_, _| Promise::reject(&js_sys::TypeError::new("Failed to fetch").into()).into());
    let (on_refresh_error, refresh_errors) = recorder();
    let m = manager(with(options(&f), "onRefreshError", on_refresh_error));
    let (errors, _off) = record(&m, "error");
    let e = rejected(m.get_token()).await;
    assert_token_error(&e, "network");
    assert!(retryable(&e));
    sleep(150).await;
    assert_eq!(calls.count(), 3, "exactly maxAttempts requests");
    assert_eq!(errors.borrow().len(), 1);
    assert_eq!(refresh_errors.count(), 1);
    assert_eq!(m.state(), "error");
    assert_eq!(string(&get(&m.snapshot(), "lastError"), "code"), "network");
}

#[wasm_bindgen_test]
async fn fetch_timeout_aborts_the_request_and_rejects_with_timeout() {
    let (f, calls) = fetcher(|_, _| deferred().promise.into()); // never settles
    let opts = with(with(options(&f), "fetchTimeoutMs", 50), "retry", obj(&[("maxAttempts", 1.into())]));
    let m = manager(opts);
    let t0 = js_sys::Date::now();
    let e = rejected(m.get_token()).await;
    let took = js_sys::Date::now() - t0;
    assert_token_error(&e, "timeout");
    assert!(retryable(&e));
    assert!((40.0..1000.0).contains(&took), "timed out after {took} ms; fetchTimeoutMs is 50");
    assert_eq!(calls.count(), 1);
    assert_eq!(get(&get(&calls.ctx(0), "signal"), "aborted").as_bool(), Some(true), "ctx.signal was aborted");
}

#[wasm_bindgen_test]
async fn invalid_response_names_the_field() {
    type Answer = Rc<dyn Fn() -> JsValue>;
    let cases: Vec<(Answer, &str)> = vec![
        (Rc::new(|| obj(&[("authToken", "".into())])), "`authToken`"),
        (Rc::new(|| obj(&[("authToken", 42.into())])), "`authToken`"),
        (Rc::new(|| obj(&[("authToken", "tok".into()), ("expiresIn", (-5).into())])), "`expiresIn`"),
        (Rc::new(|| obj(&[("authToken", "tok".into()), ("expiresAt", 1_000_000_000_000u64.into())])), "`expiresAt`"),
        (Rc::new(|| response(200, "<html>not json</html>", &[])), "`body`"),
        (Rc::new(|| JsValue::from(42)), "`response`"),
    ];
    for (answer, field) in cases {
        let (f, calls) = fetcher(move |_, _| answer());
        let m = manager(options(&f));
        let e = rejected(m.get_token()).await;
        assert_token_error(&e, "invalid_response");
        assert!(!retryable(&e));
        let message = string(&e, "message");
        assert!(message.contains(field), "message {message:?} should name {field}");
        sleep(40).await; // room for a (wrong) retry
        assert_eq!(calls.count(), 1, "an invalid response ({field}) is not retried");
    }
}

#[wasm_bindgen_test]
async fn fetch_token_may_return_a_response_with_a_cometchat_body() {
    let (f, _) = fetcher(|_, _| response(200, r#"{"data":{"authToken":"tok-cc","expiresIn":"120","wsToken":"ws-1"},"refreshToken":"r-1"}"#, &[]));
    let m = manager(options(&f));
    let info = resolved(m.start()).await;
    assert_eq!(string(&info, "token"), "tok-cc", "data.authToken");
    assert!((number(&info, "expiresAt") - number(&info, "issuedAt") - 120_000.0).abs() <= 1000.0, "data.expiresIn as a numeric string");
    assert_eq!(string(&info, "wsToken"), "ws-1");
    assert_eq!(string(&info, "refreshToken"), "r-1");
}

// ----- logout, dispose --------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn logout_discards_a_late_fetch_result() {
    let late = deferred();
    let first = late.promise.clone();
    let (f, calls) = fetcher(move |i, _| if i == 0 { first.clone().into() } else { Promise::resolve(&body("tok-2", 3600.0)).into() });
    let (login, logins) = recorder();
    let (logout, logouts) = recorder();
    let m = manager(with(with(options(&f), "login", login), "logout", logout));
    let (tokens, _off) = record(&m, "token");
    let (logged_out, _off2) = record(&m, "loggedOut");

    let start = watch(m.start());
    assert!(wait_for(500.0, || calls.count() == 1).await);
    resolved(m.logout()).await;
    assert!(wait_for(500.0, || start.borrow().is_some()).await, "the waiting start() settles");
    let e = start.borrow().clone().unwrap().expect_err("start() rejects after logout");
    assert_token_error(&e, "discarded");
    assert_eq!(get(&get(&calls.ctx(0), "signal"), "aborted").as_bool(), Some(true), "the fetch was aborted");
    assert_eq!(logouts.count(), 1, "the logout option is called");
    assert_eq!(logged_out.borrow().len(), 1, "one 'loggedOut' event");

    late.resolve(&body("tok-late", 3600.0));
    sleep(30).await;
    assert_eq!(logins.count(), 0, "the late token is never logged in");
    assert!(tokens.borrow().is_empty(), "no 'token' event for the late result");
    assert_eq!(m.state(), "loggedOut");
    assert_token_error(&rejected(m.get_token()).await, "logged_out");
    assert_eq!(calls.count(), 1);

    // start() begins a new session.
    let info = resolved(m.start()).await;
    assert_eq!(string(&info, "token"), "tok-2");
    assert_eq!(logins.count(), 1);
    assert_eq!(logins.arg(0, 0).as_string().as_deref(), Some("tok-2"));
}

#[wasm_bindgen_test]
async fn dispose_rejects_later_calls_with_disposed() {
    let (f, calls) = minting(2.0);
    let m = manager(with(options(&f), "refreshMarginMs", 1500));
    resolved(m.start()).await;
    m.dispose();
    assert_eq!(m.state(), "disposed");
    for p in [m.start(), m.get_token(), m.refresh(), m.handle_unauthorized("tok-1".into())] {
        assert_token_error(&rejected(p).await, "disposed");
    }
    m.dispose(); // idempotent
    assert_eq!(m.state(), "disposed");
    sleep(700).await; // the refresh was due at ~500 ms
    assert_eq!(calls.count(), 1, "a disposed manager's timer never fires");
}

#[wasm_bindgen_test]
async fn dispose_rejects_a_waiting_caller_and_drops_the_late_result() {
    let late = deferred();
    let first = late.promise.clone();
    let (f, calls) = fetcher(move |_, _| first.clone().into());
    let (login, logins) = recorder();
    let m = manager(with(options(&f), "login", login));
    let (tokens, _off) = record(&m, "token");
    let waiting = watch(m.get_token());
    assert!(wait_for(500.0, || calls.count() == 1).await);
    m.dispose();
    assert!(wait_for(500.0, || waiting.borrow().is_some()).await);
    assert_token_error(&waiting.borrow().clone().unwrap().expect_err("rejects"), "disposed");
    assert_eq!(get(&get(&calls.ctx(0), "signal"), "aborted").as_bool(), Some(true));
    late.resolve(&body("tok-late", 3600.0));
    sleep(30).await;
    assert_eq!(logins.count(), 0);
    assert!(tokens.borrow().is_empty());
}

// ----- events and snapshot ---------------------------------------------------------------------

#[wasm_bindgen_test]
async fn events_token_and_state_are_delivered_and_unsubscribe_works() {
    let (f, _) = minting(3600.0);
    let (on_token_refresh, refreshed) = recorder();
    let m = manager(with(options(&f), "onTokenRefresh", on_token_refresh));
    let (a, off_a) = record(&m, "token");
    let (b, _off_b) = record(&m, "token");
    let (states, off_states) = record(&m, "state");
    let (logged_out, _off_lo) = record(&m, "loggedOut");

    let info = resolved(m.start()).await;
    assert_eq!(a.borrow().len(), 1);
    assert_eq!(b.borrow().len(), 1);
    let payload = a.borrow()[0].clone();
    assert_eq!(string(&payload, "token"), "tok-1");
    assert_eq!(string(&payload, "reason"), "initial");
    assert_eq!(number(&payload, "expiresAt"), number(&info, "expiresAt"), "the event carries the same TokenInfo");
    assert_eq!(refreshed.count(), 1, "onTokenRefresh for the initial token");
    assert_eq!(string(&refreshed.arg(0, 0), "token"), "tok-1");
    assert_eq!(strings(&states), ["fetching", "ready"]);

    off_a.call0(&JsValue::UNDEFINED).unwrap();
    off_a.call0(&JsValue::UNDEFINED).unwrap(); // twice is harmless
    off_states.call0(&JsValue::UNDEFINED).unwrap();
    resolved(m.refresh()).await;
    assert_eq!(a.borrow().len(), 1, "an unsubscribed listener hears nothing");
    assert_eq!(b.borrow().len(), 2, "the other listener still does");
    assert_eq!(string(&b.borrow()[1], "token"), "tok-2");
    assert_eq!(string(&b.borrow()[1], "reason"), "manual");
    assert_eq!(refreshed.count(), 2);
    assert_eq!(strings(&states), ["fetching", "ready"], "no state events after unsubscribing");

    resolved(m.logout()).await;
    assert_eq!(logged_out.borrow().len(), 1);
    assert!(logged_out.borrow()[0].is_undefined(), "'loggedOut' has no payload");
}

#[wasm_bindgen_test]
async fn listener_exception_is_caught() {
    let (f, _) = minting(3600.0);
    let (log, lines) = logger();
    let m = manager(with(options(&f), "logger", log));
    m.on("token".into(), thrower(js_sys::Error::new("listener bug").into()).into()).unwrap();
    m.on("state".into(), thrower(js_sys::Error::new("listener bug").into()).into()).unwrap();
    let (after, _off) = record(&m, "token");

    let info = resolved(m.start()).await;
    assert_eq!(string(&info, "token"), "tok-1", "start() resolves despite the throwing listeners");
    assert_eq!(after.borrow().len(), 1, "a later listener still gets the event");
    assert_eq!(m.state(), "ready");
    let errors: Vec<String> = lines.borrow().iter().filter(|l| l.starts_with("error:") && l.contains("listener threw")).cloned().collect();
    assert!(!errors.is_empty(), "the exception is logged as an error: {:?}", lines.borrow());
    assert!(lines.borrow().iter().all(|l| !l.contains("tok-1")), "log lines never contain the token");
}

#[wasm_bindgen_test]
async fn snapshot_has_no_token_and_reports_state() {
    let (f, _) = fetcher(|_, _| body("tok-secret-123", 3600.0));
    let m = manager(options(&f));
    let snap = m.snapshot();
    assert_eq!(string(&snap, "state"), "idle");
    assert!(get(&snap, "expiresAt").is_null());
    assert!(get(&snap, "refreshAt").is_null());
    assert!(get(&snap, "lastError").is_null());
    assert_eq!(number(&snap, "consecutiveFailures"), 0.0);
    assert_eq!(get(&snap, "offline").as_bool(), Some(false));
    let generation = number(&snap, "generation");

    let info = resolved(m.start()).await;
    let snap = m.snapshot();
    assert_eq!(string(&snap, "state"), "ready");
    assert_eq!(string(&snap, "state"), m.state());
    assert_eq!(number(&snap, "expiresAt"), number(&info, "expiresAt"));
    assert_eq!(number(&snap, "refreshAt"), number(&info, "refreshAt"));
    let text = json(&snap);
    assert!(!text.contains("tok-secret"), "the snapshot never contains the token: {text}");

    resolved(m.logout()).await;
    let snap = m.snapshot();
    assert_eq!(string(&snap, "state"), "loggedOut");
    assert!(number(&snap, "generation") > generation, "logout starts a new generation");
    assert!(get(&snap, "expiresAt").is_null());
}

// ----- unauthorized ------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn handle_unauthorized_with_stale_token_costs_no_request() {
    let (f, calls) = minting(3600.0);
    let m = manager(options(&f));
    resolved(m.start()).await;
    resolved(m.refresh()).await; // tok-2 is current now
    assert_eq!(calls.count(), 2);
    let info = resolved(m.handle_unauthorized("tok-1".into())).await;
    assert_eq!(string(&info, "token"), "tok-2", "answered with the current token");
    sleep(20).await;
    assert_eq!(calls.count(), 2, "a token that was already rotated costs no request");
}

#[wasm_bindgen_test]
async fn handle_unauthorized_with_the_current_token_refreshes_once() {
    let skew = Rc::new(Cell::new(0.0));
    let s = skew.clone();
    let now = func0(move || JsValue::from(js_sys::Date::now() + s.get()));
    let (f, calls) = minting(3600.0);
    let m = manager(with(options(&f), "now", now));
    resolved(m.start()).await;
    skew.set(10_000.0); // the token is 10 s old: no longer "just issued"

    let all: Vec<Promise> = (0..3).map(|_| m.handle_unauthorized("tok-1".into())).collect();
    for p in all {
        let info = resolved(p).await;
        assert_eq!(string(&info, "token"), "tok-2");
        assert_eq!(string(&info, "reason"), "unauthorized");
    }
    assert_eq!(calls.count(), 2, "three reports of one rejected token: one refresh");
    assert_eq!(string(&calls.ctx(1), "reason"), "unauthorized");
}

#[wasm_bindgen_test]
async fn handle_unauthorized_on_a_just_issued_token_rejects_without_refetch() {
    let (f, calls) = minting(3600.0);
    let m = manager(options(&f));
    resolved(m.start()).await;
    let e = rejected(m.handle_unauthorized("tok-1".into())).await;
    assert_token_error(&e, "unauthorized");
    assert!(!retryable(&e));
    sleep(20).await;
    assert_eq!(calls.count(), 1, "no refresh loop for a token minted < 5 s ago");
}

// ----- storage -----------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn storage_adapter_persists_and_restores() {
    let map: Rc<RefCell<HashMap<String, String>>> = Rc::default();
    let key = "ctm-web-test-storage";

    let (f1, fetches1) = minting(3600.0);
    let a = manager(with(with(options(&f1), "storage", storage_adapter(&map, false)), "storageKey", key));
    let info = resolved(a.start()).await;
    assert_eq!(string(&info, "source"), "network");
    assert!(wait_for(500.0, || map.borrow().contains_key(key)).await, "the token is persisted under storageKey");
    assert_eq!(fetches1.count(), 1);
    a.dispose();
    drop(a);

    // A second manager (e.g. after a reload) with the same adapter: no fetch. getItem answers
    // a promise this time (AsyncStorage, SecureStore).
    let (f2, fetches2) = minting(3600.0);
    let (login, logins) = recorder();
    let b = manager(with(with(with(options(&f2), "storage", storage_adapter(&map, true)), "storageKey", key), "login", login));
    let restored = resolved(b.start()).await;
    assert_eq!(string(&restored, "source"), "storage");
    assert_eq!(string(&restored, "token"), "tok-1");
    assert_eq!(number(&restored, "expiresAt"), number(&info, "expiresAt"));
    assert_eq!(fetches2.count(), 0, "started from storage with no fetch");
    assert_eq!(logins.count(), 1, "the stored token is logged in");
    assert_eq!(logins.arg(0, 0).as_string().as_deref(), Some("tok-1"));

    resolved(b.logout()).await;
    assert!(wait_for(500.0, || !map.borrow().contains_key(key)).await, "logout() removes the entry");
}

#[wasm_bindgen_test]
async fn expired_or_corrupted_stored_entry_is_discarded_and_refetched() {
    let map: Rc<RefCell<HashMap<String, String>>> = Rc::default();
    let key = "ctm-web-test-corrupt";
    map.borrow_mut().insert(key.into(), "{not an entry".into());
    let (f, calls) = minting(3600.0);
    let m = manager(with(with(options(&f), "storage", storage_adapter(&map, false)), "storageKey", key));
    let info = resolved(m.start()).await;
    assert_eq!(string(&info, "source"), "network");
    assert_eq!(string(&info, "token"), "tok-1");
    assert_eq!(calls.count(), 1);
    assert!(wait_for(500.0, || map.borrow().get(key).is_some_and(|v| v != "{not an entry")).await, "replaced by the new token");
    m.dispose();

    // That (valid) entry, read by a manager whose clock is past its expiry: discarded too.
    let late = func0(|| JsValue::from(js_sys::Date::now() + 3_601_000.0));
    let (f2, calls2) = fetcher(|_, _| body("tok-fresh", 3600.0));
    let opts = with(with(with(options(&f2), "storage", storage_adapter(&map, false)), "storageKey", key), "now", late);
    let m2 = manager(opts);
    let info = resolved(m2.start()).await;
    assert_eq!(string(&info, "source"), "network", "an expired stored token is not used");
    assert_eq!(string(&info, "token"), "tok-fresh");
    assert_eq!(calls2.count(), 1);
}

#[wasm_bindgen_test]
async fn throwing_storage_adapter_degrades_to_memory() {
    let thrown: JsValue = js_sys::Error::new("SecureStore unavailable").into();
    let adapter = obj(&[("getItem", thrower(thrown.clone()).into()), ("setItem", thrower(thrown.clone()).into()), ("removeItem", thrower(thrown).into())]);
    let (log, lines) = logger();
    let (f, calls) = minting(3600.0);
    let m = manager(with(with(options(&f), "storage", adapter), "logger", log));
    let info = resolved(m.start()).await;
    assert_eq!(string(&info, "token"), "tok-1");
    assert_eq!(calls.count(), 1);
    resolved(m.refresh()).await;
    let warnings = lines.borrow().iter().filter(|l| l.starts_with("warn:") && l.contains("storage")).count();
    assert_eq!(warnings, 1, "one warning: {:?}", lines.borrow());
}

// ----- the built-in endpoint fetch ------------------------------------------------------------

#[wasm_bindgen_test]
async fn endpoint_option_fetches_a_data_url() {
    let payload = r#"{"authToken":"tok-data","expiresIn":3600}"#;
    let url = format!("data:application/json,{}", String::from(js_sys::encode_uri_component(payload)));
    let endpoint = obj(&[("url", url.into()), ("method", "GET".into()), ("credentials", "omit".into())]);
    let opts = obj(&[("endpoint", endpoint), ("logger", JsValue::NULL), ("crossTab", false.into())]);
    let m = manager(opts);
    let info = resolved(m.start()).await;
    assert_eq!(string(&info, "token"), "tok-data");
    assert_eq!(string(&info, "source"), "network");
    assert!((number(&info, "expiresAt") - number(&info, "issuedAt") - 3_600_000.0).abs() <= 1000.0);
}

#[wasm_bindgen_test]
async fn endpoint_string_posts_to_a_data_url() {
    // The plain-string form: POST with credentials 'include' (the defaults).
    let payload = r#"{"token":"tok-post","expiresIn":60}"#;
    let url = format!("data:application/json,{}", String::from(js_sys::encode_uri_component(payload)));
    let m = manager(obj(&[("endpoint", url.into()), ("logger", JsValue::NULL), ("crossTab", false.into())]));
    assert_eq!(resolved(m.get_token()).await.as_string().as_deref(), Some("tok-post"));
}

#[wasm_bindgen_test]
async fn expired_event_when_the_refresh_fails_and_the_token_runs_out() {
    // A 1 s token (refresh at 50 % of it: the default margin is larger than the lifetime);
    // the refresh fails for good, so the token runs out.
    let (f, calls) = fetcher(|i, _| if i == 0 { body("tok-1", 1.0) } else { Promise::reject(&js_sys::TypeError::new("Failed to fetch").into()).into() });
    let m = manager(with(options(&f), "retry", obj(&[("maxAttempts", 1.into())])));
    let (expired, _off) = record(&m, "expired");
    let (errors, _off2) = record(&m, "error");
    let info = resolved(m.start()).await;
    let expires_at = number(&info, "expiresAt");
    assert!(wait_for(1800.0, || !expired.borrow().is_empty()).await, "an 'expired' event");
    let at = js_sys::Date::now();
    assert!(at >= expires_at - 5.0, "'expired' came {} ms before expiresAt", expires_at - at);
    assert_eq!(expired.borrow().len(), 1);
    assert!(expired.borrow()[0].is_undefined());
    assert_eq!(calls.count(), 2, "one failed refresh before expiry");
    assert!(calls.at(1) < expires_at, "the refresh was tried before expiry");
    assert_eq!(errors.borrow().len(), 1);
    assert_eq!(string(&errors.borrow()[0], "code"), "network");
}
