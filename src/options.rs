//! The options object, read field by field with `Reflect` so that each error names its field
//! (`retry.maxAttempts`) and says what was expected.

use chat_token_core::{parse::MAX_TIME_MS, Config, Millis, RetryPolicy};
use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};

use crate::errors::invalid;
use crate::js::{self, get};

/// Where tokens come from: the app's `fetchToken`, or the built-in fetch of `endpoint`.
pub(crate) enum TokenSource {
    FetchToken(Function),
    Endpoint(Endpoint),
}

/// The built-in fetch's settings (`endpoint`, `refreshEndpoint`).
pub(crate) struct Endpoint {
    pub url: String,
    pub method: String,
    /// An object, `[name, value]` pairs, a `Headers`, or a (sync or async) function returning one.
    pub headers: JsValue,
    pub credentials: web_sys::RequestCredentials,
    /// `endpoint`: a string, or an object sent as JSON; `undefined` for none.
    /// `refreshEndpoint`: a function of the refresh token returning one of those; `undefined`
    /// for `{ refreshToken }`.
    pub body: JsValue,
}

/// The names an endpoint option's errors give its fields, and what its `body` must be.
struct EndpointFields {
    name: &'static str,
    url: &'static str,
    method: &'static str,
    headers: &'static str,
    credentials: &'static str,
    body: &'static str,
    body_expected: &'static str,
    body_ok: Check,
}

const ENDPOINT: EndpointFields = EndpointFields {
    name: "endpoint",
    url: "endpoint.url",
    method: "endpoint.method",
    headers: "endpoint.headers",
    credentials: "endpoint.credentials",
    body: "endpoint.body",
    body_expected: "a string, or an object to send as JSON",
    body_ok: |b| b.is_string() || js::is_object(b),
};

const REFRESH_ENDPOINT: EndpointFields = EndpointFields {
    name: "refreshEndpoint",
    url: "refreshEndpoint.url",
    method: "refreshEndpoint.method",
    headers: "refreshEndpoint.headers",
    credentials: "refreshEndpoint.credentials",
    body: "refreshEndpoint.body",
    body_expected: "a function (refreshToken) => body (a string, or an object to send as JSON)",
    body_ok: JsValue::is_function,
};

/// The logger: silent (`null`), the console's warnings and errors (the default), or the app's.
pub(crate) enum Logger {
    Silent,
    Console,
    Custom(JsValue),
}

/// The validated options.
pub(crate) struct Options {
    pub source: TokenSource,
    /// The refresh grant's endpoint (`refreshEndpoint`), if the app gave one.
    pub refresh_endpoint: Option<Endpoint>,
    pub login: Option<Function>,
    pub logout: Option<Function>,
    pub on_token_refresh: Option<Function>,
    pub on_refresh_error: Option<Function>,
    pub logger: Logger,
    pub clock: Option<Function>,
    /// The storage backend (a Web Storage or the app's adapter); `None` for memory.
    pub storage: Option<JsValue>,
    pub storage_key: String,
    pub cross_tab: bool,
    /// Warnings about the options, logged once the manager exists.
    pub warnings: Vec<&'static str>,
    /// React Native's `AppState` (or anything with `addEventListener('change', …)`).
    pub app_state: Option<JsValue>,
    pub config: Config,
}

type Check = fn(&JsValue) -> bool;

/// The key of a dotted field name (`retry.maxAttempts` → `maxAttempts`).
fn key(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

/// The value of `field` in `o`: `None` when it is undefined, else the value if `ok` accepts it;
/// otherwise `invalid_options` naming `field` and what was `expected`.
fn opt(o: &JsValue, field: &'static str, ok: Check, expected: &'static str) -> Result<Option<JsValue>, JsValue> {
    let v = get(o, key(field));
    if v.is_undefined() {
        return Ok(None);
    }
    if !ok(&v) {
        return Err(invalid(field, expected));
    }
    Ok(Some(v))
}

fn function(o: &JsValue, field: &'static str) -> Result<Option<Function>, JsValue> {
    Ok(opt(o, field, JsValue::is_function, "a function")?.map(JsCast::unchecked_into))
}

fn non_empty_string(v: &JsValue) -> bool {
    v.as_string().is_some_and(|s| !s.is_empty())
}

fn string(o: &JsValue, field: &'static str, fallback: &str) -> Result<String, JsValue> {
    Ok(opt(o, field, non_empty_string, "a non-empty string")?.and_then(|v| v.as_string()).unwrap_or_else(|| fallback.into()))
}

/// A whole number of milliseconds (floored), if given.
fn millis_opt(o: &JsValue, field: &'static str) -> Result<Option<Millis>, JsValue> {
    let ok: Check = |v| v.as_f64().is_some_and(|n| (0.0..=MAX_TIME_MS as f64).contains(&n));
    let v = opt(o, field, ok, "a non-negative, finite number of milliseconds")?;
    Ok(v.and_then(|v| v.as_f64()).map(|n| n as Millis))
}

fn millis(o: &JsValue, field: &'static str, fallback: Millis) -> Result<Millis, JsValue> {
    Ok(millis_opt(o, field)?.unwrap_or(fallback))
}

fn read_endpoint(v: JsValue, fields: &EndpointFields) -> Result<Endpoint, JsValue> {
    let v = match v.as_string() {
        Some(url) if url.is_empty() => return Err(invalid(fields.name, "a non-empty URL string or { url, method, headers, credentials, body }")),
        Some(url) => {
            return Ok(Endpoint {
                url,
                method: "POST".into(),
                headers: JsValue::UNDEFINED,
                credentials: web_sys::RequestCredentials::Include,
                body: JsValue::UNDEFINED,
            })
        }
        None if js::is_object(&v) => v,
        None => return Err(invalid(fields.name, "a URL string or { url, method, headers, credentials, body }")),
    };
    let url = opt(&v, fields.url, non_empty_string, "a non-empty string")?
        .and_then(|u| u.as_string())
        .ok_or_else(|| invalid(fields.url, "a non-empty URL string"))?;
    let headers = opt(&v, fields.headers, |h| js::is_object(h) || h.is_function(), "an object, or a function returning one (sync or async)")?;
    let credentials = match string(&v, fields.credentials, "include")?.as_str() {
        "include" => web_sys::RequestCredentials::Include,
        "same-origin" => web_sys::RequestCredentials::SameOrigin,
        "omit" => web_sys::RequestCredentials::Omit,
        _ => return Err(invalid(fields.credentials, "'include', 'same-origin' or 'omit'")),
    };
    let body = opt(&v, fields.body, fields.body_ok, fields.body_expected)?;
    Ok(Endpoint {
        url,
        method: string(&v, fields.method, "POST")?,
        headers: headers.unwrap_or(JsValue::UNDEFINED),
        credentials,
        body: body.unwrap_or(JsValue::UNDEFINED),
    })
}

/// `localStorage` or `sessionStorage` where it exists and may be used.
pub(crate) fn web_storage(name: &str) -> Option<JsValue> {
    Some(get(&js::global(), name)).filter(js::is_object)
}

fn read_storage(v: JsValue, warnings: &mut Vec<&'static str>) -> Result<Option<JsValue>, JsValue> {
    let backend = match v.as_string().as_deref() {
        _ if v.is_undefined() => return Ok(None),
        Some("memory") => return Ok(None),
        Some("session") => web_storage("sessionStorage"),
        Some("local") => {
            warnings.push("storage 'local': tokens in localStorage are readable by any script on this origin; prefer 'session' or memory");
            web_storage("localStorage")
        }
        None if ["getItem", "setItem", "removeItem"].iter().all(|m| js::method(&v, m).is_some()) => Some(v),
        _ => return Err(invalid("storage", "'memory', 'session', 'local', or { getItem, setItem, removeItem } (sync or async)")),
    };
    if backend.is_none() {
        warnings.push("the requested web storage is not available here; tokens stay in memory");
    }
    Ok(backend)
}

impl Options {
    /// Reads and validates `options` field by field, in a fixed order (the first bad field is
    /// the one reported).
    pub(crate) fn read(options: &JsValue) -> Result<Options, JsValue> {
        if !js::is_object(options) {
            return Err(invalid("options", "an object with fetchToken or endpoint"));
        }
        let fetch_token = function(options, "fetchToken")?;
        let endpoint = get(options, "endpoint");
        let source = match (fetch_token, endpoint.is_undefined()) {
            (Some(_), false) => return Err(invalid("endpoint", "to be absent when fetchToken is given (use one token source)")),
            (None, true) => return Err(invalid("fetchToken", "a function returning the token response, or an endpoint option")),
            (Some(f), true) => TokenSource::FetchToken(f),
            (None, false) => TokenSource::Endpoint(read_endpoint(endpoint, &ENDPOINT)?),
        };
        let refresh_endpoint = match get(options, "refreshEndpoint") {
            v if v.is_undefined() => None,
            v => Some(read_endpoint(v, &REFRESH_ENDPOINT)?),
        };
        let defaults = Config::default();
        let refresh_margin_ms = millis_opt(options, "refreshMarginMs")?;
        let jitter_ratio = opt(options, "jitterRatio", |v| v.as_f64().is_some_and(|n| (0.0..=1.0).contains(&n)), "a number between 0 and 1")?
            .and_then(|v| v.as_f64())
            .unwrap_or(defaults.jitter_ratio);
        let default_ttl_ms = millis(options, "defaultTtlMs", defaults.default_ttl_ms)?;
        let fetch_timeout_ms = millis(options, "fetchTimeoutMs", defaults.fetch_timeout_ms)?;
        let login_timeout_ms = millis(options, "loginTimeoutMs", defaults.login_timeout_ms)?;
        let retry = opt(options, "retry", js::is_object, "an object { baseDelayMs, maxDelayMs, maxAttempts }")?.unwrap_or(JsValue::UNDEFINED);
        let max_attempts = opt(
            &retry,
            "retry.maxAttempts",
            |v| v.as_f64().is_some_and(|n| (1.0..=1000.0).contains(&n) && n.fract() == 0.0),
            "an integer from 1 to 1000",
        )?
        .and_then(|v| v.as_f64())
        .map_or(defaults.retry.max_attempts, |n| n as u32);
        let base_delay_ms = millis(&retry, "retry.baseDelayMs", defaults.retry.base_delay_ms)?;
        let max_delay_ms = millis(&retry, "retry.maxDelayMs", defaults.retry.max_delay_ms)?;
        let storage_key = string(options, "storageKey", "chat-token-manager")?;
        let mut warnings = Vec::new();
        let storage = read_storage(get(options, "storage"), &mut warnings)?;
        let in_page = !get(&js::global(), "document").is_undefined();
        let cross_tab = opt(options, "crossTab", |v| v.as_bool().is_some(), "a boolean")?.and_then(|v| v.as_bool()).unwrap_or(in_page);
        let login = function(options, "login")?;
        let logger = match opt(options, "logger", |v| v.is_null() || js::is_object(v), "a console-like object or null")? {
            None => Logger::Console,
            Some(v) if v.is_null() => Logger::Silent,
            Some(v) => Logger::Custom(v),
        };
        let logout = function(options, "logout")?;
        let on_token_refresh = function(options, "onTokenRefresh")?;
        let on_refresh_error = function(options, "onRefreshError")?;
        let clock = function(options, "now")?;
        let app_state = opt(
            options,
            "appState",
            |v| js::method(v, "addEventListener").is_some(),
            "React Native's AppState: { currentState, addEventListener('change', listener) }",
        )?;
        let config = Config {
            refresh_margin_ms,
            jitter_ratio,
            default_ttl_ms,
            fetch_timeout_ms,
            login_timeout_ms,
            retry: RetryPolicy { base_delay_ms, max_delay_ms, max_attempts },
            login: login.is_some(),
            seed: (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64,
            persist: storage.is_some(),
            refresh_grant: refresh_endpoint.is_some(),
        };
        // The core's own range checks (positive times, maxDelayMs ≥ baseDelayMs).
        config.validate().map_err(|e| crate::errors::to_js(&e))?;
        Ok(Options {
            source,
            refresh_endpoint,
            login,
            logout,
            on_token_refresh,
            on_refresh_error,
            logger,
            clock,
            storage,
            storage_key,
            cross_tab,
            warnings,
            app_state,
            config,
        })
    }
}
