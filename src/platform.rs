//! The host platform, duck-typed so the same code runs in browsers, workers, Node and React
//! Native: token storage, lifecycle events (wake-up, network), and the cross-tab bus and
//! lock. Everything here is optional: a missing API means the feature is off, never an error.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::js::{get, get_fn, set};

/// `globalThis[name]`, or `undefined`.
pub fn global(name: &str) -> JsValue {
    get(&js_sys::global(), name)
}

/// Calls `obj[method](...args)`; `Err` when it is missing or throws.
pub fn call(obj: &JsValue, method: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f = get_fn(obj, method).ok_or(JsValue::UNDEFINED)?;
    match args {
        [] => f.call0(obj),
        [a] => f.call1(obj, a),
        [a, b] => f.call2(obj, a, b),
        [a, b, c] => f.call3(obj, a, b, c),
        _ => Err(JsValue::UNDEFINED),
    }
}

/// Where tokens are persisted.
pub enum Storage {
    /// Nothing persisted (the default).
    Memory,
    /// `sessionStorage`, `localStorage`, or the app's `{ getItem, setItem, removeItem }`
    /// (sync or async: SecureStore, AsyncStorage, Keychain wrappers).
    Backend(JsValue),
}

/// An event listener that is removed when dropped.
#[must_use]
pub struct Listener {
    target: JsValue,
    event: &'static str,
    closure: Closure<dyn FnMut(JsValue)>,
}

impl Listener {
    /// `target.addEventListener(event, f)`; `None` when the target has no such method.
    pub fn add(target: &JsValue, event: &'static str, f: impl FnMut(JsValue) + 'static) -> Option<Self> {
        let closure = Closure::<dyn FnMut(JsValue)>::new(f);
        call(target, "addEventListener", &[&event.into(), closure.as_ref()]).ok()?;
        Some(Self { target: target.clone(), event, closure })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = call(&self.target, "removeEventListener", &[&self.event.into(), self.closure.as_ref()]);
    }
}

/// Messages between tabs of one origin and `storageKey`.
pub enum Message {
    /// A token (entry form) another tab fetched, or answers a `hello`.
    Token(String),
    /// A tab starting up asks for a usable token.
    Hello,
    /// The user logged out in another tab.
    Logout,
}

impl Message {
    fn to_js(&self) -> JsValue {
        let o = Object::new();
        let (kind, entry) = match self {
            Self::Token(e) => ("token", Some(e)),
            Self::Hello => ("hello", None),
            Self::Logout => ("logout", None),
        };
        set(&o, "type", &kind.into());
        if let Some(e) = entry {
            set(&o, "entry", &e.as_str().into());
        }
        o.into()
    }

    pub fn from_js(v: &JsValue) -> Option<Self> {
        match get(v, "type").as_string()?.as_str() {
            "token" => get(v, "entry").as_string().map(Self::Token),
            "hello" => Some(Self::Hello),
            "logout" => Some(Self::Logout),
            _ => None,
        }
    }
}

/// The cross-tab bus: a `BroadcastChannel`, or `storage` events where that is missing.
pub enum Bus {
    Channel(JsValue),
    /// The `localStorage` object and the key whose `storage` events carry messages.
    StorageEvents(JsValue, String),
}

impl Bus {
    /// Opens the bus named `name`; `None` when the platform has neither API.
    pub fn open(name: &str) -> Option<Self> {
        if let Ok(ctor) = global("BroadcastChannel").dyn_into::<Function>() {
            if let Ok(ch) = Reflect::construct(&ctor, &js_sys::Array::of1(&name.into())) {
                return Some(Self::Channel(ch));
            }
        }
        let local = local_storage()?;
        Some(Self::StorageEvents(local, [name, ":bus"].concat()))
    }

    /// Subscribes `f` to messages from other tabs.
    pub fn listen(&self, mut f: impl FnMut(Message) + 'static) -> Option<Listener> {
        match self {
            Self::Channel(ch) => Listener::add(ch, "message", move |ev| {
                if let Some(m) = Message::from_js(&get(&ev, "data")) {
                    f(m)
                }
            }),
            Self::StorageEvents(_, key) => {
                let key = key.clone();
                Listener::add(&js_sys::global(), "storage", move |ev| {
                    if get(&ev, "key").as_string().as_deref() != Some(key.as_str()) {
                        return;
                    }
                    let parsed = get(&ev, "newValue").as_string().and_then(|s| js_sys::JSON::parse(&s).ok());
                    if let Some(m) = parsed.as_ref().and_then(Message::from_js) {
                        f(m)
                    }
                })
            }
        }
    }

    /// Sends `m` to the other tabs (never to this one).
    pub fn post(&self, m: &Message) {
        match self {
            Self::Channel(ch) => {
                let _ = call(ch, "postMessage", &[&m.to_js()]);
            }
            Self::StorageEvents(local, key) => {
                // Set then remove at once: other tabs get the `storage` event; nothing stays.
                let msg = m.to_js();
                set(&Object::from(msg.clone()), "nonce", &js_sys::Math::random().into());
                if let Ok(json) = js_sys::JSON::stringify(&msg) {
                    let _ = call(local, "setItem", &[&key.as_str().into(), &json]);
                    let _ = call(local, "removeItem", &[&key.as_str().into()]);
                }
            }
        }
    }

    pub fn close(&self) {
        if let Self::Channel(ch) = self {
            let _ = call(ch, "close", &[]);
        }
    }
}

/// `globalThis.localStorage`, when it exists and can be touched (it throws in some sandboxes).
pub fn local_storage() -> Option<JsValue> {
    let js = Reflect::get(&js_sys::global(), &"localStorage".into()).ok()?;
    (js.is_object()).then_some(js)
}

/// `navigator.locks`, when the Web Locks API exists.
pub fn web_locks() -> Option<JsValue> {
    let locks = get(&global("navigator"), "locks");
    get_fn(&locks, "request").map(|_| locks)
}

/// `navigator.onLine === false`.
pub fn reports_offline() -> bool {
    get(&global("navigator"), "onLine").as_bool() == Some(false)
}

/// `document.visibilityState === 'visible'` (true where there is no document).
pub fn visible() -> bool {
    get(&global("document"), "visibilityState").as_string().is_none_or(|s| s == "visible")
}
