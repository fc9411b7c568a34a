//! The one place where the core's [`TokenError`] becomes a JavaScript `Error`.

use chat_token_core::TokenError;
use wasm_bindgen::JsValue;

use crate::js;

/// A JavaScript `Error` named `TokenError` with `code`, `retryable` and, when known, `status`
/// and `retryAfterMs`. The message is the core's ([`ErrorKind::message`]): static text and at
/// most a field's name, never a token.
///
/// [`ErrorKind::message`]: chat_token_core::ErrorKind::message
pub(crate) fn to_js(e: &TokenError) -> JsValue {
    let error = js_sys::Error::new(&e.kind.message());
    error.set_name("TokenError");
    let error = JsValue::from(error);
    js::set(&error, "code", &JsValue::from_str(e.code()));
    if let Some(status) = e.status {
        js::set(&error, "status", &JsValue::from(status));
    }
    if let Some(ms) = e.retry_after_ms {
        js::set(&error, "retryAfterMs", &JsValue::from_f64(ms as f64));
    }
    js::set(&error, "retryable", &JsValue::from_bool(e.retryable));
    error
}

/// An `invalid_options` error naming `field` and what it must be, as a JavaScript value.
pub(crate) fn invalid(field: &'static str, expected: &'static str) -> JsValue {
    to_js(&TokenError::invalid_option(field, expected))
}
