//! Cross-tab behaviour of the real `TokenManager` (src/manager.rs `install`, `on_tab`, `fetch`,
//! `ask_then_fetch`, `peer_newer`, `peers_alive`, `set_marker`; src/platform.rs `Bus`,
//! `LockManager`). A "tab" is a manager created with `crossTab: true`: a `BroadcastChannel`
//! delivers a message to every *other* channel object of the same name in the same realm, so
//! two managers in one page (or one Node process) talk to each other exactly as two tabs do.
//!
//! Runs in Node (BroadcastChannel; no localStorage, no Web Locks) and in headless Chromium
//! (`WASM_BINDGEN_USE_BROWSER=1`: all three). Tests that need localStorage or Web Locks return
//! early where those are missing, saying so; the others assert what each platform's design
//! gives (e.g. no election without Web Locks).
//!
//! Every test uses its own `storageKey` (so the tests never hear each other) and its managers
//! are disposed when the test ends (`Tab`'s `Drop`, besides the explicit calls).
#![cfg(target_arch = "wasm32")]
#![allow(non_snake_case)] // `crossTab_false_shares_nothing` is named after the option.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chat_token_manager::TokenManager;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Date, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

/// How long a starting tab waits for its peers' answer (src/manager.rs `PEER_WAIT_MS`).
const PEER_WAIT_MS: u32 = 250;
/// Long enough for a message between two channels to arrive (they arrive within a few ms).
const SETTLE_MS: u32 = 60;
const HOUR_MS: f64 = 3_600_000.0;

// ----- JavaScript helpers ---------------------------------------------------------------------

fn global() -> JsValue {
    js_sys::global().into()
}

/// `v[k]`, `undefined` for non-objects.
fn get(v: &JsValue, k: &str) -> JsValue {
    if !(v.is_object() || v.is_function()) {
        return JsValue::UNDEFINED;
    }
    Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

fn text(v: &JsValue, k: &str) -> String {
    get(v, k).as_string().unwrap_or_default()
}

fn num(v: &JsValue, k: &str) -> f64 {
    get(v, k).as_f64().unwrap_or(f64::NAN)
}

fn set(o: &JsValue, k: &str, v: impl Into<JsValue>) {
    Reflect::set(o, &JsValue::from_str(k), &v.into()).unwrap();
}

fn js(args: &str, body: &str) -> Function {
    Function::new_with_args(args, body)
}

/// `globalThis.localStorage`, where there is one (Chromium; not Node 20).
fn local_storage() -> Option<JsValue> {
    Some(get(&global(), "localStorage")).filter(JsValue::is_object)
}

/// `navigator.locks`, where there are Web Locks (Chromium; not Node 20).
fn web_locks() -> Option<JsValue> {
    let locks = get(&get(&global(), "navigator"), "locks");
    get(&locks, "request").is_function().then_some(locks)
}

/// The keys of a Web Storage that contain `needle`, sorted.
fn storage_keys(storage: &JsValue, needle: &str) -> Vec<String> {
    let keys = js("s", "return Object.keys(s)").call1(&JsValue::UNDEFINED, storage).unwrap();
    let mut keys: Vec<String> = Array::from(&keys).iter().filter_map(|k| k.as_string()).filter(|k| k.contains(needle)).collect();
    keys.sort();
    keys
}

fn storage_get(storage: &JsValue, key: &str) -> Option<String> {
    js("s, k", "return s.getItem(k)").call2(&JsValue::UNDEFINED, storage, &JsValue::from_str(key)).unwrap().as_string()
}

/// Replaces `obj[name]` by `value` (an own, configurable property) or, with `value: None`,
/// deletes it; returns the function that puts the original back exactly.
fn patch(obj: &JsValue, name: &str, value: Option<&JsValue>) -> Function {
    let f = js(
        "obj, name, remove, value",
        "const had = Object.prototype.hasOwnProperty.call(obj, name);
         const desc = Object.getOwnPropertyDescriptor(obj, name);
         if (remove) delete obj[name];
         else Object.defineProperty(obj, name, { value, configurable: true, writable: true });
         return () => { if (had) Object.defineProperty(obj, name, desc); else delete obj[name]; };",
    );
    let args = Array::of4(obj, &JsValue::from_str(name), &JsValue::from_bool(value.is_none()), value.unwrap_or(&JsValue::UNDEFINED));
    f.apply(&JsValue::UNDEFINED, &args).unwrap().unchecked_into()
}

/// Swaps `globalThis.BroadcastChannel` for a subclass that records its instances and how many
/// `message` listeners each has. `restore()` puts the real one back.
struct ChannelSpy(JsValue);

impl ChannelSpy {
    fn install() -> ChannelSpy {
        let spy = js(
            "",
            "const Base = globalThis.BroadcastChannel;
             const desc = Object.getOwnPropertyDescriptor(globalThis, 'BroadcastChannel');
             const made = [];
             class Spy extends Base {
               constructor(name) { super(name); this.listeners = 0; made.push(this); }
               addEventListener(t, f, o) { if (t === 'message') this.listeners++; return super.addEventListener(t, f, o); }
               removeEventListener(t, f, o) { if (t === 'message') this.listeners--; return super.removeEventListener(t, f, o); }
             }
             Object.defineProperty(globalThis, 'BroadcastChannel', { ...desc, value: Spy });
             return { made, restore() { Object.defineProperty(globalThis, 'BroadcastChannel', desc); } };",
        )
        .call0(&JsValue::UNDEFINED)
        .unwrap();
        ChannelSpy(spy)
    }

    fn restore(&self) {
        js("s", "s.restore()").call1(&JsValue::UNDEFINED, &self.0).unwrap();
    }

    fn made(&self) -> Vec<JsValue> {
        Array::from(&get(&self.0, "made")).to_vec()
    }
}

/// How many presence locks (`<scope>:tab:<id>`) are held: one per live cross-tab manager.
async fn presence_locks(locks: &JsValue, scope: &str) -> usize {
    let query = js("l", "return l.query()").call1(&JsValue::UNDEFINED, locks).unwrap();
    let state = JsFuture::from(query.unchecked_into::<Promise>()).await.unwrap();
    let prefix = [scope, ":tab:"].concat();
    Array::from(&get(&state, "held")).iter().filter(|l| text(l, "name").starts_with(&prefix)).count()
}

async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

/// Polls `cond` every 5 ms for up to `ms`; whether it became true.
async fn until(ms: u32, mut cond: impl FnMut() -> bool) -> bool {
    let start = Date::now();
    loop {
        if cond() {
            return true;
        }
        if Date::now() - start > ms as f64 {
            return false;
        }
        sleep(5).await;
    }
}

/// `code: message` of a rejection.
fn describe(e: &JsValue) -> String {
    [text(e, "code"), text(e, "message")].join(": ")
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

async fn ok(p: Promise, what: &str) -> JsValue {
    match settle(p).await {
        Ok(v) => v,
        Err(e) => panic!("{what} rejected: {}", describe(&e)),
    }
}

// ----- tabs ---------------------------------------------------------------------------------

/// One test's origin: its storage key, and the token server's counter (shared by its tabs).
struct Origin {
    key: String,
    minted: Rc<Cell<u32>>,
}

#[derive(Clone, Copy)]
struct Cfg {
    cross_tab: bool,
    /// Lifetime of the tokens this tab's `fetchToken` answers.
    ttl_ms: f64,
    /// `fetchToken` answers after this long (a server's round trip), 0: at once.
    delay_ms: u32,
    /// `fetchToken` answers only when the test calls `Tab::release`.
    slow: bool,
    /// `fetchToken` rejects (a network error), and the cycle gives up at once.
    fail: bool,
    /// A `login` option (recorded).
    login: bool,
    /// The built-in fetch of this URL instead of `fetchToken`.
    endpoint: Option<&'static str>,
}

impl Default for Cfg {
    fn default() -> Cfg {
        Cfg { cross_tab: true, ttl_ms: HOUR_MS, delay_ms: 0, slow: false, fail: false, login: false, endpoint: None }
    }
}

impl Origin {
    fn new(test: &str) -> Origin {
        let id = (js_sys::Math::random() * 1e9).floor() as u64;
        Origin { key: format!("xt-{test}-{id}"), minted: Rc::new(Cell::new(0)) }
    }

    /// The channel, lock and marker scope of a `fetchToken` manager (src/manager.rs `Inner::new`).
    fn scope(&self) -> String {
        format!("chat-token-manager:{}|", self.key)
    }

    /// The localStorage key of the cross-tab marker.
    fn marker_key(&self) -> String {
        format!("{}:cycle", self.scope())
    }

    fn tab(&self, name: &str, cfg: Cfg) -> Tab {
        let calls: Rc<RefCell<Vec<JsValue>>> = Rc::default();
        let held: Rc<RefCell<Vec<(Function, JsValue)>>> = Rc::default();
        let events: Rc<RefCell<Vec<JsValue>>> = Rc::default();
        let logins: Rc<RefCell<Vec<String>>> = Rc::default();
        let logouts = Rc::new(Cell::new(0));
        let logged_out = Rc::new(Cell::new(0));
        let problems: Rc<RefCell<Vec<String>>> = Rc::default();

        let options: JsValue = Object::new().into();
        match cfg.endpoint {
            Some(url) => set(&options, "endpoint", url),
            None => {
                let (calls, held, minted) = (calls.clone(), held.clone(), self.minted.clone());
                let prefix = format!("{name}-{}", self.key);
                let fetch_token = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |ctx: JsValue| -> JsValue {
                    calls.borrow_mut().push(ctx);
                    if cfg.fail {
                        return Promise::reject(&js_sys::Error::new("server unreachable")).into();
                    }
                    // Later tokens expire strictly later, even when minted in the same millisecond.
                    minted.set(minted.get() + 1);
                    let n = minted.get();
                    let body: JsValue = Object::new().into();
                    set(&body, "token", format!("{prefix}-{n}"));
                    set(&body, "expiresAt", Date::now() + cfg.ttl_ms + n as f64);
                    if cfg.delay_ms > 0 {
                        let later = js("body, ms", "return new Promise((resolve) => setTimeout(() => resolve(body), ms))");
                        return later.call2(&JsValue::UNDEFINED, &body, &JsValue::from(cfg.delay_ms)).unwrap();
                    }
                    if !cfg.slow {
                        return body;
                    }
                    let mut resolve = None;
                    let promise = Promise::new(&mut |res, _| resolve = Some(res));
                    held.borrow_mut().push((resolve.unwrap(), body));
                    promise.into()
                });
                set(&options, "fetchToken", fetch_token.into_js_value());
            }
        }
        set(&options, "storageKey", self.key.as_str());
        set(&options, "crossTab", cfg.cross_tab);
        set(&options, "jitterRatio", 0.0);
        if cfg.fail || cfg.endpoint.is_some() {
            let retry: JsValue = Object::new().into();
            set(&retry, "maxAttempts", 1.0);
            set(&options, "retry", retry);
        }
        // A console-like logger that records warnings and errors (and prints nothing).
        let logger: JsValue = Object::new().into();
        for level in ["warn", "error"] {
            let problems = problems.clone();
            let record = Closure::<dyn FnMut(JsValue, JsValue, JsValue)>::new(move |_prefix: JsValue, message: JsValue, code: JsValue| {
                problems.borrow_mut().push(format!("{level}: {} {}", message.as_string().unwrap_or_default(), code.as_string().unwrap_or_default()));
            });
            set(&logger, level, record.into_js_value());
        }
        set(&options, "logger", logger);
        let on_logout = {
            let logouts = logouts.clone();
            Closure::<dyn FnMut()>::new(move || logouts.set(logouts.get() + 1))
        };
        set(&options, "logout", on_logout.into_js_value());
        if cfg.login {
            let logins = logins.clone();
            let login = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |token: JsValue| -> JsValue {
                logins.borrow_mut().push(token.as_string().unwrap_or_default());
                Promise::resolve(&JsValue::UNDEFINED).into()
            });
            set(&options, "login", login.into_js_value());
        }

        let manager = TokenManager::new(options).unwrap_or_else(|e| panic!("new TokenManager: {}", describe(&e)));
        let on_token = {
            let events = events.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |info: JsValue| events.borrow_mut().push(info))
        };
        manager.on("token".into(), on_token.into_js_value()).unwrap();
        let on_logged_out = {
            let logged_out = logged_out.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| logged_out.set(logged_out.get() + 1))
        };
        manager.on("loggedOut".into(), on_logged_out.into_js_value()).unwrap();
        Tab { name: name.into(), manager, calls, held, events, logins, logouts, logged_out, problems }
    }
}

struct Tab {
    name: String,
    manager: TokenManager,
    /// The `ctx` of every `fetchToken` call.
    calls: Rc<RefCell<Vec<JsValue>>>,
    /// Slow fetches not answered yet: their resolvers and bodies.
    held: Rc<RefCell<Vec<(Function, JsValue)>>>,
    /// Every `token` event's `TokenInfo`.
    events: Rc<RefCell<Vec<JsValue>>>,
    logins: Rc<RefCell<Vec<String>>>,
    /// Calls of the `logout` option.
    logouts: Rc<Cell<u32>>,
    /// `loggedOut` events.
    logged_out: Rc<Cell<u32>>,
    /// Warnings and errors the manager logged.
    problems: Rc<RefCell<Vec<String>>>,
}

impl Tab {
    /// How many times this tab's `fetchToken` was called.
    fn fetches(&self) -> usize {
        self.calls.borrow().len()
    }

    async fn start(&self) -> JsValue {
        ok(self.manager.start(), &format!("{}.start()", self.name)).await
    }

    async fn refresh(&self) -> JsValue {
        ok(self.manager.refresh(), &format!("{}.refresh()", self.name)).await
    }

    async fn token(&self) -> String {
        ok(self.manager.get_token(), &format!("{}.getToken()", self.name)).await.as_string().unwrap()
    }

    async fn logout(&self) {
        ok(self.manager.logout(), &format!("{}.logout()", self.name)).await;
    }

    fn state(&self) -> String {
        self.manager.state()
    }

    /// `(token, source)` of every `token` event.
    fn tokens(&self) -> Vec<(String, String)> {
        self.events.borrow().iter().map(|i| (text(i, "token"), text(i, "source"))).collect()
    }

    fn last(&self) -> Option<JsValue> {
        self.events.borrow().last().cloned()
    }

    /// The token of the last `token` event ("" before any).
    fn current(&self) -> String {
        self.last().map(|i| text(&i, "token")).unwrap_or_default()
    }

    /// Answers the slow fetches held so far.
    fn release(&self) {
        for (resolve, body) in self.held.borrow_mut().drain(..) {
            resolve.call1(&JsValue::UNDEFINED, &body).unwrap();
        }
    }

    fn assert_quiet(&self) {
        assert_eq!(*self.problems.borrow(), Vec::<String>::new(), "{} logged warnings or errors", self.name);
    }

    fn dispose(&self) {
        self.manager.dispose();
    }
}

impl Drop for Tab {
    fn drop(&mut self) {
        self.manager.dispose();
    }
}

// ----- tests ----------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_token_fetched_in_one_tab_reaches_the_other_without_a_fetch() {
    let o = Origin::new("share");
    let a = o.tab("A", Cfg::default());
    let b = o.tab("B", Cfg { login: true, ..Cfg::default() });
    let first = a.start().await;
    assert_eq!((a.fetches(), text(&first, "source")), (1, "network".into()), "A had nothing to ask for: it fetched");
    // How B gets its first token depends on the platform (asked of A where localStorage holds
    // the marker, fetched in Node): see a_starting_tab_asks_its_peers_before_fetching.
    b.start().await;
    sleep(SETTLE_MS).await;
    let (a_before, b_before, b_events) = (a.fetches(), b.fetches(), b.events.borrow().len());

    let fresh = a.refresh().await;
    let token = text(&fresh, "token");
    assert_eq!((a.fetches(), text(&fresh, "source")), (a_before + 1, "network".into()));
    assert!(until(1000, || b.current() == token).await, "B never got A's new token; B's tokens: {:?}", b.tokens());

    assert_eq!(b.fetches(), b_before, "B fetched although A shared its token");
    assert_eq!(b.token().await, token, "B's getToken() answers A's new token");
    assert_eq!(b.events.borrow().len(), b_events + 1, "one token event in B");
    let shared = b.last().unwrap();
    assert_eq!(text(&shared, "source"), "tab");
    assert_eq!(num(&shared, "expiresAt"), num(&fresh, "expiresAt"));
    assert_eq!(num(&shared, "issuedAt"), num(&fresh, "issuedAt"));
    assert_eq!(b.logins.borrow().last(), Some(&token), "the app in B logged in with the shared token");
    assert_eq!(b.state(), "ready");
    // A does not take its own token back, nor anything else.
    sleep(SETTLE_MS).await;
    assert_eq!(a.current(), token);
    assert_eq!(a.fetches(), a_before + 1);
    a.assert_quiet();
    b.assert_quiet();
    a.dispose();
    b.dispose();
}

#[wasm_bindgen_test]
async fn logout_in_one_tab_logs_out_the_other() {
    let o = Origin::new("logout");
    let (a, b) = (o.tab("A", Cfg::default()), o.tab("B", Cfg::default()));
    a.start().await;
    b.start().await;
    assert_eq!(b.state(), "ready");

    a.logout().await;
    assert_eq!((a.state().as_str(), a.logouts.get()), ("loggedOut", 1));
    assert!(until(1000, || b.state() == "loggedOut").await, "B's state stayed {}", b.state());
    assert_eq!(b.logouts.get(), 1, "B's logout callback");
    assert_eq!(b.logged_out.get(), 1, "B's loggedOut event");
    let err = settle(b.manager.get_token()).await.expect_err("B's getToken() after the logout");
    assert_eq!(text(&err, "code"), "logged_out");
    if let Some(storage) = local_storage() {
        assert_eq!(storage_get(&storage, &o.marker_key()), None, "the logout removed the marker");
    }
    // B's logout is not echoed back: each app's logout ran exactly once.
    sleep(SETTLE_MS).await;
    assert_eq!((a.logouts.get(), b.logouts.get()), (1, 1));

    // B logs in again: a new session fetches its own token; A, logged out, takes none of it.
    let fetches = b.fetches();
    let again = b.start().await;
    assert_eq!((b.fetches(), text(&again, "source")), (fetches + 1, "network".into()));
    sleep(SETTLE_MS).await;
    assert_eq!(a.state(), "loggedOut");
    assert_eq!(a.logouts.get(), 1);
    a.assert_quiet();
    b.assert_quiet();
    a.dispose();
    b.dispose();
}

#[wasm_bindgen_test]
async fn two_tabs_refreshing_at_once_make_one_request() {
    let o = Origin::new("once");
    // A server that takes 40 ms: the lock must be held until the answer is handled, not only
    // while the request is sent.
    let cfg = Cfg { delay_ms: 40, ..Cfg::default() };
    let (a, b) = (o.tab("A", cfg), o.tab("B", cfg));
    let total = || a.fetches() + b.fetches();
    // With Web Locks, only the holder of the `<scope>` lock fetches; the other waits for the lock
    // and adopts the holder's token when it arrives (or, if the lock comes first, sees the
    // holder's newer marker and asks for it): one request per cycle. Without Web Locks (Node)
    // the design has no election, and the marker/hello path needs localStorage, so each tab
    // fetches: two requests; then the token that expires later wins in both tabs.
    let per_cycle = if web_locks().is_some() { 1 } else { 2 };

    // Both start at once.
    let (sa, sb) = (a.manager.start(), b.manager.start());
    let (ia, ib) = (ok(sa, "A.start()").await, ok(sb, "B.start()").await);
    assert_eq!(total(), per_cycle, "requests for two tabs starting at once");
    assert!(until(1000, || !a.current().is_empty() && a.current() == b.current()).await, "the tabs disagree: {:?} / {:?}", a.tokens(), b.tokens());
    if per_cycle == 1 {
        let sources = [text(&ia, "source"), text(&ib, "source")];
        assert!(sources.contains(&"network".to_string()) && sources.contains(&"tab".to_string()), "sources {sources:?}");
        assert_eq!(text(&ia, "token"), text(&ib, "token"));
    }
    assert_eq!(a.token().await, b.token().await);

    // Both refresh at once.
    let (ra, rb) = (a.manager.refresh(), b.manager.refresh());
    let (fa, fb) = (ok(ra, "A.refresh()").await, ok(rb, "B.refresh()").await);
    assert_eq!(total(), 2 * per_cycle, "requests for two tabs refreshing at once");
    assert!(until(1000, || a.current() == b.current()).await, "the tabs disagree: {:?} / {:?}", a.tokens(), b.tokens());
    let newest = a.token().await;
    assert_eq!(b.token().await, newest);
    if per_cycle == 1 {
        assert_eq!(text(&fa, "token"), text(&fb, "token"), "both refresh() calls resolve with the one new token");
        let sources = [text(&fa, "source"), text(&fb, "source")];
        assert!(sources.contains(&"network".to_string()) && sources.contains(&"tab".to_string()), "sources {sources:?}");
    }
    assert_ne!(newest, text(&ia, "token"), "a new token after the refresh");
    // Nothing more is fetched once the tabs agree.
    sleep(PEER_WAIT_MS + SETTLE_MS).await;
    assert_eq!(total(), 2 * per_cycle);
    a.assert_quiet();
    b.assert_quiet();
    a.dispose();
    b.dispose();
}

#[wasm_bindgen_test]
async fn scheduled_refreshes_of_two_tabs_make_one_request_per_cycle() {
    if web_locks().is_none() {
        // No Web Locks (Node): no election. Two timers firing within a message's delivery time
        // both fetch, so the count per cycle is a race; see two_tabs_refreshing_at_once_make_one_request.
        return;
    }
    let o = Origin::new("cycles");
    // One-second tokens: refreshed every ~500 ms (half the lifetime, the margin being larger).
    let cfg = Cfg { ttl_ms: 1000.0, delay_ms: 20, ..Cfg::default() };
    let (a, b) = (o.tab("A", cfg), o.tab("B", cfg));
    a.start().await;
    b.start().await;
    sleep(1300).await;
    let network = |t: &Tab| t.tokens().into_iter().filter(|(_, s)| s == "network").map(|(t, _)| t).collect::<Vec<_>>();
    let adopted = |t: &Tab| t.tokens().into_iter().filter(|(_, s)| s == "tab").map(|(t, _)| t).collect::<Vec<_>>();
    let (na, nb) = (network(&a), network(&b));
    assert_eq!(a.fetches() + b.fetches(), na.len() + nb.len(), "no request was superseded (every one gave a token)");
    assert!(na.len() + nb.len() >= 3, "the first token and at least two refresh cycles: {:?} / {:?}", a.tokens(), b.tokens());
    // Had both tabs fetched in one cycle, the older of the two tokens would not have been
    // adopted by the other tab.
    for t in &na {
        assert!(adopted(&b).contains(t), "A's {t} did not reach B: {:?}", b.tokens());
    }
    for t in &nb {
        assert!(adopted(&a).contains(t), "B's {t} did not reach A: {:?}", a.tokens());
    }
    assert_eq!(a.token().await, b.token().await);
    a.assert_quiet();
    b.assert_quiet();
    a.dispose();
    b.dispose();
}

#[wasm_bindgen_test]
async fn a_starting_tab_asks_its_peers_before_fetching() {
    let Some(storage) = local_storage() else {
        // No localStorage (Node): no marker says a peer has a newer token, so a starting tab
        // fetches at once (covered by logout_in_one_tab_logs_out_the_other's second start).
        return;
    };
    let o = Origin::new("hello");
    let a = o.tab("A", Cfg::default());
    let info = a.start().await;
    assert_eq!(a.fetches(), 1);
    // The marker says when A's token was issued and expires, never the token.
    let marker = format!("{}:{}", num(&info, "issuedAt"), num(&info, "expiresAt"));
    assert_eq!(storage_get(&storage, &o.marker_key()), Some(marker));

    let b = o.tab("B", Cfg::default());
    let started = Date::now();
    let got = b.start().await;
    let took = Date::now() - started;
    assert_eq!(b.fetches(), 0, "B asked A (hello) instead of fetching");
    assert_eq!(text(&got, "source"), "tab");
    assert_eq!(text(&got, "token"), text(&info, "token"));
    assert_eq!(num(&got, "expiresAt"), num(&info, "expiresAt"));
    assert!(took < 1000.0, "B's start took {took} ms");
    // The fetch B held back stays cancelled after its wait would have ended.
    sleep(PEER_WAIT_MS + SETTLE_MS).await;
    assert_eq!(b.fetches(), 0);
    assert_eq!(b.token().await, text(&info, "token"));
    assert_eq!(a.fetches(), 1);
    a.assert_quiet();
    b.assert_quiet();
    a.dispose();
    b.dispose();
}

#[wasm_bindgen_test]
async fn a_starting_tab_does_not_wait_for_peers_that_are_gone() {
    let (Some(storage), Some(_)) = (local_storage(), web_locks()) else {
        // Needs the marker (localStorage) and presence locks (Web Locks; without them a tab
        // assumes peers are alive and waits PEER_WAIT_MS for an answer).
        return;
    };
    let o = Origin::new("gone");
    let a = o.tab("A", Cfg::default());
    a.start().await;
    a.dispose();
    sleep(20).await; // A's presence lock is released
    assert!(storage_get(&storage, &o.marker_key()).is_some(), "dispose leaves the marker (another tab may still hold the token)");

    let b = o.tab("B", Cfg::default());
    let started = Date::now();
    let got = b.start().await;
    let took = Date::now() - started;
    assert_eq!((b.fetches(), text(&got, "source")), (1, "network".into()), "nobody could answer: B fetched");
    assert!(took < (PEER_WAIT_MS - 50) as f64, "B waited {took} ms for a peer that is gone");
    b.assert_quiet();
    b.dispose();
}

#[wasm_bindgen_test]
async fn a_token_from_another_tab_supersedes_a_fetch_in_flight() {
    let o = Origin::new("supersede");
    // With Web Locks, B's slow fetch would hold the `<scope>` lock and A would wait for it (see
    // a_tab_waits_for_the_fetch_of_the_tab_holding_the_lock); B is made without Web Locks here
    // (as in Node, or a browser without them) so that A can fetch while B's request hangs.
    let hidden = get(&global(), "navigator").is_object().then(|| patch(&get(&global(), "navigator"), "locks", Some(&JsValue::UNDEFINED)));
    let b = o.tab("B", Cfg { slow: true, ..Cfg::default() });
    if let Some(restore) = hidden {
        restore.call0(&JsValue::UNDEFINED).unwrap();
    }
    let a = o.tab("A", Cfg::default());

    let b_start = b.manager.start();
    assert!(until(1000, || b.fetches() == 1).await, "B's request");
    assert_eq!(b.state(), "fetching");
    let info = a.start().await;
    assert_eq!((a.fetches(), text(&info, "source")), (1, "network".into()));

    let got = ok(b_start, "B.start()").await;
    assert_eq!(text(&got, "token"), text(&info, "token"), "B's start() resolves with A's token");
    assert_eq!(text(&got, "source"), "tab");
    let signal = get(&b.calls.borrow()[0], "signal");
    assert_eq!(get(&signal, "aborted").as_bool(), Some(true), "B's request was aborted");
    // B's request answering late changes nothing.
    b.release();
    sleep(SETTLE_MS).await;
    assert_eq!(b.token().await, text(&info, "token"));
    assert_eq!(b.tokens(), vec![(text(&info, "token"), "tab".to_string())]);
    assert_eq!(b.state(), "ready");
    assert_eq!(a.token().await, text(&info, "token"), "A keeps its own token");
    a.assert_quiet();
    b.assert_quiet();
    a.dispose();
    b.dispose();
}

#[wasm_bindgen_test]
async fn a_tab_waits_for_the_fetch_of_the_tab_holding_the_lock() {
    if web_locks().is_none() {
        // No Web Locks (Node): no election; see a_token_from_another_tab_supersedes_a_fetch_in_flight.
        return;
    }
    let o = Origin::new("wait");
    // The lock must be held until B's answer is handled, not only while B's request is sent
    // (a shell that let it go once the request started fails here: A fetches at once).
    let (b, a) = (o.tab("B", Cfg { slow: true, ..Cfg::default() }), o.tab("A", Cfg::default()));
    let b_start = b.manager.start();
    assert!(until(1000, || b.fetches() == 1).await, "B's request");
    let a_start = a.manager.start();
    sleep(300).await;
    assert_eq!(a.fetches(), 0, "A fetched while B held the lock");
    assert_eq!(a.state(), "fetching");

    b.release();
    let (ib, ia) = (ok(b_start, "B.start()").await, ok(a_start, "A.start()").await);
    assert_eq!(text(&ib, "source"), "network");
    assert_eq!((text(&ia, "token"), text(&ia, "source")), (text(&ib, "token"), "tab".into()));
    sleep(PEER_WAIT_MS + SETTLE_MS).await;
    assert_eq!((a.fetches(), b.fetches()), (0, 1));
    a.assert_quiet();
    b.assert_quiet();
    a.dispose();
    b.dispose();
}

#[wasm_bindgen_test]
async fn an_older_token_from_another_tab_is_not_adopted() {
    let o = Origin::new("older");
    let b = o.tab("B", Cfg::default()); // one-hour tokens
    let a = o.tab("A", Cfg { ttl_ms: 600_000.0, ..Cfg::default() }); // ten-minute tokens
    let mine = b.start().await;
    a.start().await;
    sleep(SETTLE_MS).await;
    let events = b.events.borrow().len();

    let shorter = a.refresh().await;
    assert_eq!(text(&shorter, "source"), "network");
    assert!(num(&shorter, "expiresAt") < num(&mine, "expiresAt"));
    sleep(SETTLE_MS).await;
    assert_eq!(b.token().await, text(&mine, "token"), "B keeps the token that expires later");
    assert_eq!(b.events.borrow().len(), events, "no token event in B");
    assert_eq!(a.token().await, text(&shorter, "token"));
    a.assert_quiet();
    b.assert_quiet();
    a.dispose();
    b.dispose();
}

#[wasm_bindgen_test]
async fn storage_event_fallback_bus_carries_messages() {
    let (Some(storage), true) = (local_storage(), get(&global(), "document").is_object()) else {
        // Needs localStorage and a document (Chromium); Node has neither, so no fallback bus.
        return;
    };
    // `storage` events fire only at the *other* documents of the origin, never at the one whose
    // Storage object changed. So both managers write through the Storage object of a
    // same-origin iframe (globalThis.localStorage is swapped for it while they are made: the
    // bus keeps the object it opened): each write then fires a `storage` event at this window,
    // where both managers listen. Each manager also hears its own messages, which a real tab
    // never does; they are no-ops (its own token is not newer, its own hello finds no token
    // or answers with the token the sender already has, its own logout finds it logged out).
    let frame = js("", "const f = document.createElement('iframe'); document.body.appendChild(f); return f;").call0(&JsValue::UNDEFINED).unwrap();
    let frame_storage = get(&get(&frame, "contentWindow"), "localStorage");
    assert!(frame_storage.is_object());
    let restore_channel = patch(&global(), "BroadcastChannel", None);
    let restore_storage = patch(&global(), "localStorage", Some(&frame_storage));
    let spy_events = js(
        "w",
        "const seen = [];
         const listener = (e) => { if (e.key && e.key.endsWith(':bus') && e.newValue) seen.push(JSON.parse(e.newValue).type); };
         w.addEventListener('storage', listener);
         seen.stop = () => w.removeEventListener('storage', listener);
         return seen;",
    )
    .call1(&JsValue::UNDEFINED, &global())
    .unwrap();
    let o = Origin::new("storage-bus");
    let (a, b) = (o.tab("A", Cfg::default()), o.tab("B", Cfg::default()));
    restore_storage.call0(&JsValue::UNDEFINED).unwrap();
    restore_channel.call0(&JsValue::UNDEFINED).unwrap();
    assert!(get(&global(), "BroadcastChannel").is_function() && get(&global(), "localStorage") == storage, "globals restored");
    let seen = || Array::from(&spy_events).iter().filter_map(|t| t.as_string()).collect::<Vec<_>>();

    // B fetches; A, started next, sees B's marker, says hello and adopts B's answer.
    let ib = b.start().await;
    assert_eq!((b.fetches(), text(&ib, "source")), (1, "network".into()));
    // B's token message reaches A while A is idle (ignored): A must ask.
    sleep(SETTLE_MS).await;
    let ia = a.start().await;
    assert_eq!(a.fetches(), 0, "A got B's token over storage events instead of fetching");
    assert_eq!((text(&ia, "token"), text(&ia, "source")), (text(&ib, "token"), "tab".into()));
    // A token crosses the other way.
    let fresh = a.refresh().await;
    assert!(until(1000, || b.current() == text(&fresh, "token")).await, "B never got A's new token: {:?}", b.tokens());
    assert_eq!(b.last().map(|i| text(&i, "source")).as_deref(), Some("tab"));
    assert_eq!(b.fetches(), 1);
    // So does a logout.
    a.logout().await;
    assert!(until(1000, || b.state() == "loggedOut").await, "B's state stayed {}", b.state());
    assert_eq!((a.logouts.get(), b.logouts.get()), (1, 1));
    let kinds = seen();
    for kind in ["token", "hello", "logout"] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} message on the storage bus: {kinds:?}");
    }
    assert_eq!(storage_keys(&storage, ":bus"), Vec::<String>::new(), "no message left in localStorage");
    a.assert_quiet();
    b.assert_quiet();
    a.dispose();
    b.dispose();
    js("seen, f", "seen.stop(); f.remove()").call2(&JsValue::UNDEFINED, &spy_events, &frame).unwrap();
}

#[wasm_bindgen_test]
async fn dispose_closes_the_channel_and_stops_listening() {
    let o = Origin::new("dispose");
    let spy = ChannelSpy::install();
    let a = o.tab("A", Cfg::default());
    spy.restore();
    let b = o.tab("B", Cfg::default());
    let made = spy.made();
    assert_eq!(made.len(), 1, "A opened one channel");
    let channel = made[0].clone();
    assert_eq!(text(&channel, "name"), o.scope(), "named after the storage key and endpoint");
    assert_eq!(num(&channel, "listeners"), 1.0, "A listens to its channel");
    a.start().await;
    b.start().await;
    let locks = web_locks();
    if let Some(locks) = &locks {
        assert_eq!(presence_locks(locks, &o.scope()).await, 2, "one presence lock per live tab");
    }

    a.dispose();
    assert_eq!(a.state(), "disposed");
    assert_eq!(num(&channel, "listeners"), 0.0, "A's message listener is removed");
    let post = js("c", "try { c.postMessage({ type: 'probe' }); return 'open'; } catch (e) { return e.name; }");
    assert_eq!(post.call1(&JsValue::UNDEFINED, &channel).unwrap().as_string().as_deref(), Some("InvalidStateError"), "A's channel is closed");
    if let Some(locks) = &locks {
        sleep(20).await;
        assert_eq!(presence_locks(locks, &o.scope()).await, 1, "A's presence lock is released");
    }

    // B's token and logout do not reach A.
    b.refresh().await;
    b.logout().await;
    sleep(SETTLE_MS).await;
    assert_eq!(a.state(), "disposed");
    assert_eq!((a.logouts.get(), a.logged_out.get()), (0, 0), "A's app was not logged out");
    assert_eq!(a.events.borrow().len(), 1, "A took no token after its dispose");
    let err = settle(a.manager.get_token()).await.expect_err("A's getToken() after dispose");
    assert_eq!(text(&err, "code"), "disposed");
    // A new session in B is not disturbed by A either.
    let again = b.start().await;
    assert_eq!(text(&again, "source"), "network");
    a.assert_quiet();
    b.assert_quiet();
    b.dispose();
}

#[wasm_bindgen_test]
async fn crossTab_false_shares_nothing() {
    let o = Origin::new("solo");
    let spy = ChannelSpy::install();
    let cfg = Cfg { cross_tab: false, ..Cfg::default() };
    let (a, b) = (o.tab("A", cfg), o.tab("B", cfg));
    spy.restore();
    assert_eq!(spy.made().len(), 0, "no channel opened");

    let (ia, ib) = (a.start().await, b.start().await);
    assert_eq!((a.fetches(), b.fetches()), (1, 1), "each tab fetched its own token");
    assert_eq!((text(&ia, "source"), text(&ib, "source")), ("network".into(), "network".into()));
    assert_ne!(text(&ia, "token"), text(&ib, "token"));
    if let Some(locks) = web_locks() {
        assert_eq!(presence_locks(&locks, &o.scope()).await, 0, "no presence locks");
    }

    let fresh = a.refresh().await;
    sleep(SETTLE_MS).await;
    assert_eq!(b.token().await, text(&ib, "token"), "B kept its own token");
    assert_eq!(b.tokens(), vec![(text(&ib, "token"), "network".to_string())]);
    if let Some(storage) = local_storage() {
        assert_eq!(storage_keys(&storage, &o.key), Vec::<String>::new(), "no marker");
    }
    a.logout().await;
    sleep(SETTLE_MS).await;
    assert_eq!(b.state(), "ready", "B stays logged in");
    assert_eq!(b.logouts.get(), 0);
    assert_eq!(b.token().await, text(&ib, "token"));
    assert_ne!(text(&fresh, "token"), text(&ib, "token"));
    a.assert_quiet();
    b.assert_quiet();
    a.dispose();
    b.dispose();
}

#[wasm_bindgen_test]
async fn memory_storage_writes_only_the_cycle_marker_to_local_storage() {
    let Some(storage) = local_storage() else {
        // No localStorage (Node): nothing can be written to it.
        return;
    };
    let o = Origin::new("marker");
    // `storage` is not set: 'memory', the default.
    let (a, b) = (o.tab("A", Cfg::default()), o.tab("B", Cfg::default()));
    a.start().await;
    b.start().await;
    let fresh = a.refresh().await;
    assert!(until(1000, || b.current() == text(&fresh, "token")).await);

    assert_eq!(storage_keys(&storage, &o.key), vec![o.marker_key()], "localStorage keys of this storageKey");
    let marker = format!("{}:{}", num(&fresh, "issuedAt"), num(&fresh, "expiresAt"));
    assert_eq!(storage_get(&storage, &o.marker_key()), Some(marker), "the marker of the newest token");
    let minted: Vec<String> = a.tokens().into_iter().chain(b.tokens()).map(|(t, _)| t).collect();
    assert!(minted.len() >= 2);
    let values = js("s", "return Object.keys(s).map((k) => s.getItem(k))").call1(&JsValue::UNDEFINED, &storage).unwrap();
    for value in Array::from(&values).iter().filter_map(|v| v.as_string()) {
        for t in &minted {
            assert!(!value.contains(t.as_str()), "a token in localStorage: {value}");
        }
    }
    if let Some(session) = Some(get(&global(), "sessionStorage")).filter(JsValue::is_object) {
        assert_eq!(storage_keys(&session, &o.key), Vec::<String>::new(), "nothing in sessionStorage");
    }

    a.logout().await;
    assert_eq!(storage_keys(&storage, &o.key), Vec::<String>::new(), "the logout removed the marker");
    a.assert_quiet();
    b.assert_quiet();
    a.dispose();
    b.dispose();
}

#[wasm_bindgen_test]
async fn tabs_of_different_endpoints_share_nothing() {
    // The scope (channel, lock, marker) is `chat-token-manager:<storageKey>|<endpoint url>`:
    // a manager of another endpoint, even with the same storageKey, never takes A's token,
    // while one of the same scope does.
    let o = Origin::new("endpoints");
    let a = o.tab("A", Cfg::default());
    let same = o.tab("C", Cfg { fail: true, ..Cfg::default() });
    let other = o.tab("E", Cfg { endpoint: Some("http://127.0.0.1:9/chat-token"), ..Cfg::default() });
    // Both fail their first (only) attempt and wait, logged in to nothing.
    let e1 = settle(same.manager.start()).await.expect_err("C's failing start()");
    let e2 = settle(other.manager.start()).await.expect_err("E's failing start()");
    assert_eq!((text(&e1, "code"), text(&e2, "code")), ("network".into(), "network".into()));
    assert_eq!((same.state(), other.state()), ("error".into(), "error".into()));

    let info = a.start().await;
    assert!(until(1000, || same.current() == text(&info, "token")).await, "C (same scope) adopts A's token");
    assert_eq!(same.state(), "ready");
    sleep(SETTLE_MS).await;
    assert_eq!(other.state(), "error", "E (another endpoint) took nothing");
    assert!(other.tokens().is_empty());
    a.assert_quiet();
    a.dispose();
    same.dispose();
    other.dispose();
}


#[wasm_bindgen_test]
async fn a_retry_steals_the_lock_from_a_frozen_tab() {
    let Some(locks) = web_locks() else {
        // No Web Locks (Node): no lock to steal.
        return;
    };
    let o = Origin::new("steal");
    // A frozen tab: it holds the origin's fetch lock and never lets it go.
    let freeze = js(
        "locks, scope",
        "let release; return new Promise((granted) => locks.request(scope, () => { granted(); return new Promise((r) => (release = r)); })).then(() => () => release());",
    );
    let release: Function = ok(freeze.call2(&JsValue::UNDEFINED, &locks, &JsValue::from_str(&o.scope())).unwrap().into(), "freeze").await.into();

    let attempts: Rc<RefCell<Vec<f64>>> = Rc::default();
    let fetch_token = {
        let attempts = attempts.clone();
        Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |ctx: JsValue| -> JsValue {
            attempts.borrow_mut().push(num(&ctx, "attempt"));
            let body: JsValue = Object::new().into();
            set(&body, "authToken", "stolen-lock-tok");
            set(&body, "expiresIn", 3600.0);
            body
        })
    };
    let options: JsValue = Object::new().into();
    set(&options, "fetchToken", fetch_token.into_js_value());
    set(&options, "storageKey", o.key.as_str());
    set(&options, "crossTab", true);
    set(&options, "logger", JsValue::NULL);
    set(&options, "fetchTimeoutMs", 200.0);
    let retry: JsValue = Object::new().into();
    set(&retry, "baseDelayMs", 10.0);
    set(&retry, "maxDelayMs", 20.0);
    set(&retry, "maxAttempts", 3.0);
    set(&options, "retry", retry);
    let manager = TokenManager::new(options).unwrap_or_else(|e| panic!("new TokenManager: {}", describe(&e)));

    // Attempt 1 waits for the lock until its fetch timeout; attempt 2 steals it and fetches.
    // Without the steal every attempt would wait behind the frozen tab and start() would reject.
    let started = Date::now();
    let info = settle(manager.start()).await;
    let took = Date::now() - started;
    release.call0(&JsValue::UNDEFINED).unwrap();
    manager.dispose();
    let info = info.unwrap_or_else(|e| panic!("start() behind a frozen tab: {}", describe(&e)));
    assert_eq!(text(&info, "token"), "stolen-lock-tok");
    assert_eq!(*attempts.borrow(), vec![2.0], "one request, made by the retry that stole the lock");
    assert!(took >= 190.0 && took < 2000.0, "took {took} ms (the first attempt's timeout, then the steal)");
}
