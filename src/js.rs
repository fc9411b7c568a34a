//! Small, panic-free helpers for reading duck-typed JavaScript values (app options, responses,
//! platform objects that may be missing or polyfilled).

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// `globalThis`: the same in browsers, workers, Node and React Native.
pub(crate) fn global() -> JsValue {
    js_sys::global().into()
}

/// `value[key]`, or `undefined` when `value` is not an object or function, or the read throws
/// (a getter, a proxy, a `SecurityError` from `localStorage`).
pub(crate) fn get(value: &JsValue, key: &str) -> JsValue {
    if !(value.is_object() || value.is_function()) {
        return JsValue::UNDEFINED;
    }
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `value[key]` if it is a function.
pub(crate) fn method(value: &JsValue, key: &str) -> Option<Function> {
    get(value, key).dyn_into::<Function>().ok()
}

/// `value[key](...args)`; `Err` when it is missing or throws.
pub(crate) fn call(value: &JsValue, key: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f = method(value, key).ok_or(JsValue::UNDEFINED)?;
    match args {
        [] => f.call0(value),
        [a] => f.call1(value, a),
        [a, b] => f.call2(value, a, b),
        [a, b, c, ..] => f.call3(value, a, b, c),
    }
}

/// A non-null object (not a function).
pub(crate) fn is_object(value: &JsValue) -> bool {
    value.is_object()
}

/// A plain object to fill with [`set`].
pub(crate) fn object() -> JsValue {
    Object::new().into()
}

/// `target[key] = value` (an own object the shell made: cannot throw).
pub(crate) fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// A header of a `Headers`-like object (`headers.get(name)`), when it is a string.
pub(crate) fn header(headers: &JsValue, name: &str) -> Option<String> {
    call(headers, "get", &[&JsValue::from_str(name)]).ok()?.as_string()
}
