//! RAII handles for the platform resources a manager holds: event listeners, the React Native
//! `AppState` subscription, the cross-tab bus and Web Locks. Everything is feature-detected,
//! so the same module runs in pages, workers, Node and React Native; drop releases.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::js::{self, get};

/// A listener added with `target.addEventListener(event, …)`; dropping it removes it.
#[must_use]
pub(crate) struct Listener {
    target: JsValue,
    event: &'static str,
    callback: Closure<dyn FnMut(JsValue)>,
}

impl Listener {
    /// Listens where the target has `addEventListener`; `None` where it has not (Node's
    /// `globalThis`, a missing `document`).
    pub(crate) fn new(target: &JsValue, event: &'static str, f: impl FnMut(JsValue) + 'static) -> Option<Listener> {
        Listener::add(target, event, Closure::wrap(Box::new(f)))
    }

    /// [`Listener::new`]'s one body (not generic over the callback).
    fn add(target: &JsValue, event: &'static str, callback: Closure<dyn FnMut(JsValue)>) -> Option<Listener> {
        js::call(target, "addEventListener", &[&JsValue::from_str(event), callback.as_ref()]).ok()?;
        Some(Listener { target: target.clone(), event, callback })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = js::call(&self.target, "removeEventListener", &[&JsValue::from_str(self.event), self.callback.as_ref()]);
    }
}

/// React Native's `AppState.addEventListener('change', …)` subscription; dropping it calls
/// its `remove()`.
#[must_use]
pub(crate) struct Subscription {
    subscription: JsValue,
    _callback: Closure<dyn FnMut(JsValue)>,
}

impl Subscription {
    pub(crate) fn new(app_state: &JsValue, f: impl FnMut(JsValue) + 'static) -> Subscription {
        let callback = Closure::<dyn FnMut(JsValue)>::new(f);
        let subscription = js::call(app_state, "addEventListener", &[&JsValue::from_str("change"), callback.as_ref()]).unwrap_or(JsValue::UNDEFINED);
        Subscription { subscription, _callback: callback }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let _ = js::call(&self.subscription, "remove", &[]);
    }
}

/// A message between the tabs of one origin.
pub(crate) enum Message {
    /// A token entry (`stored::format`): the sender fetched it, or answers a `hello`.
    Token(String),
    /// A starting tab asks for a usable token.
    Hello,
    /// The user logged out in another tab.
    Logout,
}

impl Message {
    fn parse(v: &JsValue) -> Option<Message> {
        match get(v, "type").as_string()?.as_str() {
            "token" => get(v, "entry").as_string().map(Message::Token),
            "hello" => Some(Message::Hello),
            "logout" => Some(Message::Logout),
            _ => None,
        }
    }

    fn to_js(&self) -> JsValue {
        let m = js::object();
        let kind = match self {
            Message::Token(entry) => {
                js::set(&m, "entry", &JsValue::from_str(entry));
                "token"
            }
            Message::Hello => "hello",
            Message::Logout => "logout",
        };
        js::set(&m, "type", &JsValue::from_str(kind));
        m
    }
}

/// The cross-tab bus: a `BroadcastChannel`, or `storage` events of `localStorage` where there is
/// none.
pub(crate) enum Bus {
    Channel(web_sys::BroadcastChannel),
    Storage { storage: web_sys::Storage, key: String },
}

impl Bus {
    /// The bus named `name`, or `None` where neither transport exists.
    pub(crate) fn open(name: &str) -> Option<Bus> {
        if get(&js::global(), "BroadcastChannel").is_function() {
            if let Ok(channel) = web_sys::BroadcastChannel::new(name) {
                return Some(Bus::Channel(channel));
            }
        }
        let storage = crate::options::web_storage("localStorage")?.unchecked_into();
        Some(Bus::Storage { storage, key: [name, ":bus"].concat() })
    }

    /// Calls `f` with each message from the other tabs while the listener lives.
    pub(crate) fn listen(&self, mut f: impl FnMut(Message) + 'static) -> Option<Listener> {
        match self {
            Bus::Channel(channel) => Listener::new(channel.as_ref(), "message", move |event| {
                if let Some(m) = Message::parse(&get(&event, "data")) {
                    f(m)
                }
            }),
            Bus::Storage { key, .. } => {
                let key = key.clone();
                Listener::new(&js::global(), "storage", move |event| {
                    if get(&event, "key").as_string().as_deref() != Some(&key) {
                        return;
                    }
                    let parsed = get(&event, "newValue").as_string().and_then(|text| js_sys::JSON::parse(&text).ok());
                    if let Some(m) = parsed.as_ref().and_then(Message::parse) {
                        f(m)
                    }
                })
            }
        }
    }

    pub(crate) fn post(&self, message: &Message) {
        match self {
            Bus::Channel(channel) => {
                let _ = channel.post_message(&message.to_js());
            }
            Bus::Storage { storage, key } => {
                // Set then remove at once: the other tabs get a `storage` event; nothing stays.
                // The nonce makes each message a change even when it repeats.
                let m = message.to_js();
                js::set(&m, "nonce", &JsValue::from_f64(js_sys::Math::random()));
                if let Some(text) = js_sys::JSON::stringify(&m).ok().and_then(|t| t.as_string()) {
                    let _ = storage.set_item(key, &text);
                    let _ = storage.remove_item(key);
                }
            }
        }
    }
}

impl Bus {
    /// Closes the channel (idempotent): a disposed manager hears nothing and, in Node, no
    /// longer keeps the process alive.
    pub(crate) fn close(&self) {
        if let Bus::Channel(channel) = self {
            channel.close();
        }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        self.close();
    }
}

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks` (the Web Locks API). Bound here rather than through web-sys, whose
    /// `LockManager` is behind `--cfg=web_sys_unstable_apis`.
    #[derive(Clone)]
    pub(crate) type LockManager;

    /// `locks.request(name, options, callback)`.
    #[wasm_bindgen(method, catch)]
    pub(crate) fn request(this: &LockManager, name: &str, options: &JsValue, callback: &JsValue) -> Result<Promise, JsValue>;

    /// `locks.query()`.
    #[wasm_bindgen(method, catch)]
    pub(crate) fn query(this: &LockManager) -> Result<Promise, JsValue>;
}

impl LockManager {
    /// `navigator.locks` where it exists.
    pub(crate) fn find() -> Option<LockManager> {
        let locks = get(&get(&js::global(), "navigator"), "locks");
        js::method(&locks, "request").map(|_| locks.unchecked_into())
    }
}

/// Releases a held lock: the resolver of the promise its callback returned.
#[must_use]
pub(crate) struct HeldLock(pub(crate) Function);

impl Drop for HeldLock {
    fn drop(&mut self) {
        let _ = self.0.call0(&JsValue::UNDEFINED);
    }
}

/// Ignores how a promise settles (no unhandled rejection).
pub(crate) fn ignore(promise: Promise) {
    on_settled(&promise, drop);
}

/// What [`on_settled`] calls: with the value, or with the rejection.
type Settled = Box<dyn FnOnce(Result<JsValue, JsValue>)>;

/// Calls `f` with how `promise` settles, from the promise's own reaction job: no executor hop
/// (a future awaiting it would run one job later), as JavaScript's `await` would. Both
/// callbacks are freed once either has run.
pub(crate) fn on_settled(promise: &Promise, f: impl FnOnce(Result<JsValue, JsValue>) + 'static) {
    settle_with(promise, Box::new(f));
}

/// [`on_settled`]'s one body, shared by every caller (not generic over the callback).
fn settle_with(promise: &Promise, f: Settled) {
    type Callbacks = (Closure<dyn FnMut(JsValue)>, Closure<dyn FnMut(JsValue)>);
    let callbacks: Rc<RefCell<Option<Callbacks>>> = Rc::default();
    let f: Rc<Cell<Option<Settled>>> = Rc::new(Cell::new(Some(f)));
    let callback = |fulfilled: bool| {
        let (callbacks, f) = (callbacks.clone(), f.clone());
        Closure::<dyn FnMut(JsValue)>::new(move |value: JsValue| {
            // Freed after this call returns (wasm-bindgen defers freeing a running closure).
            let spent = callbacks.borrow_mut().take();
            if let Some(f) = f.take() {
                f(if fulfilled { Ok(value) } else { Err(value) });
            }
            drop(spent);
        })
    };
    let (on_fulfilled, on_rejected) = (callback(true), callback(false));
    let _ = promise.then2(&on_fulfilled, &on_rejected);
    *callbacks.borrow_mut() = Some((on_fulfilled, on_rejected));
}
