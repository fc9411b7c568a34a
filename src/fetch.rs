//! A token response as the core reads it, and the built-in fetch's request.

use chat_token_core::{Fields, Value};
use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};

use crate::js;
use crate::options::Endpoint;

/// A token response (the JSON body or `fetchToken`'s value), read by path with `Reflect`.
pub(crate) struct JsFields<'a>(pub(crate) &'a JsValue);

impl Fields for JsFields<'_> {
    fn is_object(&self) -> bool {
        js::is_object(self.0) && !Array::is_array(self.0)
    }

    fn get(&self, path: &[&str]) -> Value {
        let mut x = self.0.clone();
        for key in path {
            x = if js::is_object(&x) { js::get(&x, key) } else { JsValue::UNDEFINED };
        }
        if x.is_undefined() {
            Value::Missing
        } else if x.is_null() {
            Value::Null
        } else if let Some(s) = x.as_string() {
            Value::Str(s)
        } else if let Some(n) = x.as_f64() {
            Value::Num(n)
        } else {
            Value::Other
        }
    }
}

/// The built-in fetch's `RequestInit`: `accept: application/json`, the body (an object as
/// JSON), then the app's `headers` (already resolved: a plain object, `[name, value]` pairs or
/// a `Headers`), which win over the defaults. The headers are a plain object, which every
/// `fetch` takes (React Native's and bare Hermes hosts may have no `Headers` class).
pub(crate) fn request_init(e: &Endpoint, body: &JsValue, app_headers: &JsValue, signal: Option<&web_sys::AbortSignal>) -> Result<web_sys::RequestInit, JsValue> {
    let init = web_sys::RequestInit::new();
    init.set_method(&e.method);
    init.set_credentials(e.credentials);
    init.set_signal(signal);
    let headers = js::object();
    js::set(&headers, "accept", &JsValue::from_str("application/json"));
    if body.is_string() {
        init.set_body(body);
    } else if js::is_object(body) {
        if let Ok(text) = js_sys::JSON::stringify(body) {
            init.set_body(&text);
            js::set(&headers, "content-type", &JsValue::from_str("application/json"));
        }
    }
    // `[name, value]` pairs and a `Headers` are iterables of entries (a `Headers`' entries are
    // not own properties); a plain object is copied as it is.
    let iterable = js_sys::Reflect::get(app_headers, &js_sys::Symbol::iterator()).is_ok_and(|f| f.is_function());
    let entries = if iterable { js_sys::Object::from_entries(app_headers)?.into() } else { app_headers.clone() };
    if js::is_object(&entries) {
        js_sys::Object::assign(headers.unchecked_ref::<js_sys::Object>(), entries.unchecked_ref::<js_sys::Object>());
    }
    init.set_headers(&headers);
    Ok(init)
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The global `fetch(url, init)` (browsers, workers, Node 18+, React Native).
    #[wasm_bindgen(js_name = fetch, catch)]
    pub(crate) fn fetch(url: &str, init: &web_sys::RequestInit) -> Result<js_sys::Promise, JsValue>;
}
