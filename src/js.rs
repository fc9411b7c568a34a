//! Conversions between the core's types and JavaScript values, and the JS globals the
//! shell binds (so the same code runs in browsers, workers, Node and React Native).

use chat_token_core::{Fields, Snapshot, TokenError, TokenInfo, Value};
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`.
    #[wasm_bindgen(js_name = fetch, catch)]
    pub fn global_fetch(input: &str, init: &Object) -> Result<js_sys::Promise, JsValue>;

    /// A fetch `Response`, or anything shaped like one.
    pub type ResponseLike;
    #[wasm_bindgen(method, getter, structural)]
    pub fn status(this: &ResponseLike) -> JsValue;
    #[wasm_bindgen(method, getter, structural)]
    pub fn headers(this: &ResponseLike) -> JsValue;
    #[wasm_bindgen(method, structural, catch)]
    pub fn json(this: &ResponseLike) -> Result<js_sys::Promise, JsValue>;

    /// The global `console`.
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    pub fn console_warn(prefix: &str, message: &str, code: &JsValue);
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    pub fn console_error(prefix: &str, message: &str, code: &JsValue);
}

/// `obj[key]`, or `undefined` when `obj` is not an object or the read throws.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key] = value` on an object the shell created (cannot fail).
pub fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// `obj[key]` as a function, if it is one.
pub fn get_fn(obj: &JsValue, key: &str) -> Option<Function> {
    get(obj, key).dyn_into::<Function>().ok()
}

fn opt_str(v: &Option<String>) -> JsValue {
    v.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str)
}

/// A `TokenInfo` object.
pub fn info_to_js(info: &TokenInfo, token: &JsValue) -> JsValue {
    let o = Object::new();
    set(&o, "token", token);
    set(&o, "expiresAt", &(info.expires_at as f64).into());
    set(&o, "refreshAt", &(info.refresh_at as f64).into());
    set(&o, "issuedAt", &(info.issued_at as f64).into());
    set(&o, "reason", &info.reason.as_str().into());
    set(&o, "source", &info.source.as_str().into());
    if info.refresh_token.is_some() {
        set(&o, "refreshToken", &opt_str(&info.refresh_token));
    }
    if info.ws_token.is_some() {
        set(&o, "wsToken", &opt_str(&info.ws_token));
    }
    o.into()
}

/// A JS `Error` named `TokenError` with `code`, `status`, `retryAfterMs` and `retryable`.
/// The one place core errors become JavaScript.
pub fn error_to_js(e: &TokenError) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("TokenError");
    set(&err, "code", &e.code().into());
    if let Some(status) = e.status {
        set(&err, "status", &status.into());
    }
    if let Some(ms) = e.retry_after_ms {
        set(&err, "retryAfterMs", &(ms as f64).into());
    }
    set(&err, "retryable", &e.retryable.into());
    err.into()
}

fn opt_ms(v: Option<u64>) -> JsValue {
    v.map_or(JsValue::NULL, |ms| (ms as f64).into())
}

/// The `snapshot()` object (never a token).
pub fn snapshot_to_js(s: &Snapshot) -> JsValue {
    let o = Object::new();
    set(&o, "state", &s.state.as_str().into());
    set(&o, "expiresAt", &opt_ms(s.expires_at));
    set(&o, "refreshAt", &opt_ms(s.refresh_at));
    set(&o, "generation", &(s.generation as f64).into());
    set(&o, "consecutiveFailures", &s.consecutive_failures.into());
    let last = s.last_error.as_ref().map_or(JsValue::NULL, |e| {
        let err = Object::new();
        set(&err, "code", &e.code().into());
        set(&err, "message", &e.to_string().into());
        set(&err, "status", &e.status.map_or(JsValue::NULL, JsValue::from));
        set(&err, "retryable", &e.retryable.into());
        err.into()
    });
    set(&o, "lastError", &last);
    set(&o, "offline", &s.offline.into());
    o.into()
}

/// A token response read field by field from a JS value (no serde).
pub struct JsFields(pub JsValue);

impl Fields for JsFields {
    fn is_object(&self) -> bool {
        self.0.is_object() && !js_sys::Array::is_array(&self.0)
    }

    fn get(&self, path: &[&str]) -> Value {
        let mut v = self.0.clone();
        for key in path {
            if !v.is_object() {
                return Value::Missing;
            }
            v = get(&v, key);
        }
        if v.is_undefined() {
            Value::Missing
        } else if v.is_null() {
            Value::Null
        } else if let Some(s) = v.as_string() {
            Value::Str(s)
        } else if let Some(n) = v.as_f64() {
            Value::Num(n)
        } else {
            Value::Other
        }
    }
}
