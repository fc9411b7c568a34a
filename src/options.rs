//! Reading `TokenManagerOptions` field by field, with a typed error naming the bad field.

use chat_token_core::{Config, Millis, RetryPolicy, TokenError};
use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::js::{get, get_fn};
use crate::platform::{self, Storage};

/// The app's way to get a token.
pub enum Source {
    /// `fetchToken(ctx)`.
    Callback(Function),
    /// `endpoint`: the built-in fetch.
    Endpoint(Endpoint),
}

/// The `endpoint` option.
pub struct Endpoint {
    pub url: String,
    pub method: String,
    /// A headers object, or a (sync or async) function returning one.
    pub headers: JsValue,
    pub credentials: String,
    /// A string, or an object sent as JSON.
    pub body: JsValue,
}

/// How log lines are written.
pub enum Logger {
    /// `console.warn` / `console.error` for warn and error; nothing else.
    Console,
    /// The app's console-like object: every level goes to it.
    Custom(JsValue),
    /// `logger: null`.
    Silent,
}

/// Everything the shell needs besides the core's [`Config`].
pub struct Options {
    pub source: Source,
    pub login: Option<Function>,
    pub logout: Option<Function>,
    pub on_token_refresh: Option<Function>,
    pub on_refresh_error: Option<Function>,
    pub logger: Logger,
    pub now: Option<Function>,
    pub storage: Storage,
    pub storage_key: String,
    /// Share tokens, refresh cycles and logout with other tabs of the origin.
    pub cross_tab: bool,
    /// Warnings to log once the manager exists (e.g. `storage: 'local'`).
    pub warnings: Vec<&'static str>,
}

type R<T> = Result<T, TokenError>;

fn bad<T>(field: &'static str, expected: &'static str) -> R<T> {
    Err(TokenError::invalid_option(field, expected))
}

fn function(obj: &JsValue, key: &str, field: &'static str) -> R<Option<Function>> {
    let v = get(obj, key);
    if v.is_undefined() {
        return Ok(None);
    }
    match v.dyn_into::<Function>() {
        Ok(f) => Ok(Some(f)),
        Err(_) => bad(field, "a function"),
    }
}

fn string(obj: &JsValue, key: &str, field: &'static str) -> R<Option<String>> {
    let v = get(obj, key);
    if v.is_undefined() {
        return Ok(None);
    }
    match v.as_string() {
        Some(s) if !s.is_empty() => Ok(Some(s)),
        _ => bad(field, "a non-empty string"),
    }
}

fn millis(obj: &JsValue, key: &str, field: &'static str) -> R<Option<Millis>> {
    let v = get(obj, key);
    if v.is_undefined() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n.is_finite() && n >= 0.0 && n <= chat_token_core::parse::MAX_TIME_MS as f64 => Ok(Some(n as Millis)),
        _ => bad(field, "a non-negative, finite number of milliseconds"),
    }
}

/// Reads and validates `options`.
pub fn read(options: &JsValue) -> R<(Options, Config)> {
    if !options.is_object() {
        return bad("options", "an object with fetchToken or endpoint");
    }
    let fetch_token = function(options, "fetchToken", "fetchToken")?;
    let endpoint = get(options, "endpoint");
    let source = match (fetch_token, endpoint.is_undefined()) {
        (Some(_), false) => return bad("endpoint", "to be absent when fetchToken is given (use one token source)"),
        (Some(f), true) => Source::Callback(f),
        (None, true) => return bad("fetchToken", "a function returning the token response, or an endpoint option"),
        (None, false) => Source::Endpoint(read_endpoint(&endpoint)?),
    };

    let mut cfg = Config::default();
    cfg.refresh_margin_ms = millis(options, "refreshMarginMs", "refreshMarginMs")?;
    let jitter = get(options, "jitterRatio");
    if !jitter.is_undefined() {
        cfg.jitter_ratio = match jitter.as_f64() {
            Some(n) if (0.0..=1.0).contains(&n) => n,
            _ => return bad("jitterRatio", "a number between 0 and 1"),
        };
    }
    cfg.default_ttl_ms = millis(options, "defaultTtlMs", "defaultTtlMs")?.unwrap_or(cfg.default_ttl_ms);
    cfg.fetch_timeout_ms = millis(options, "fetchTimeoutMs", "fetchTimeoutMs")?.unwrap_or(cfg.fetch_timeout_ms);
    cfg.login_timeout_ms = millis(options, "loginTimeoutMs", "loginTimeoutMs")?.unwrap_or(cfg.login_timeout_ms);
    let retry = get(options, "retry");
    if !retry.is_undefined() {
        if !retry.is_object() {
            return bad("retry", "an object { baseDelayMs, maxDelayMs, maxAttempts }");
        }
        let d = cfg.retry.clone();
        let attempts = get(&retry, "maxAttempts");
        let max_attempts = if attempts.is_undefined() {
            d.max_attempts
        } else {
            match attempts.as_f64() {
                Some(n) if n >= 1.0 && n <= 1000.0 && n.fract() == 0.0 => n as u32,
                _ => return bad("retry.maxAttempts", "an integer from 1 to 1000"),
            }
        };
        cfg.retry = RetryPolicy {
            base_delay_ms: millis(&retry, "baseDelayMs", "retry.baseDelayMs")?.unwrap_or(d.base_delay_ms),
            max_delay_ms: millis(&retry, "maxDelayMs", "retry.maxDelayMs")?.unwrap_or(d.max_delay_ms),
            max_attempts,
        };
    }
    let storage_key = string(options, "storageKey", "storageKey")?.unwrap_or_else(|| "chat-token-manager".into());
    let mut warnings = Vec::new();
    let storage = read_storage(&get(options, "storage"), &mut warnings)?;
    cfg.persist = !matches!(storage, Storage::Memory);
    let cross_tab = match get(options, "crossTab") {
        v if v.is_undefined() => !platform::global("document").is_undefined(),
        v => v.as_bool().map_or_else(|| bad("crossTab", "a boolean"), Ok)?,
    };

    let login = function(options, "login", "login")?;
    cfg.login = login.is_some();
    cfg.seed = (js_sys::Math::random() * (1u64 << 53) as f64) as u64;

    let logger = match get(options, "logger") {
        v if v.is_undefined() => Logger::Console,
        v if v.is_null() => Logger::Silent,
        v if v.is_object() => Logger::Custom(v),
        _ => return bad("logger", "a console-like object or null"),
    };
    let opts = Options {
        source,
        login,
        logout: function(options, "logout", "logout")?,
        on_token_refresh: function(options, "onTokenRefresh", "onTokenRefresh")?,
        on_refresh_error: function(options, "onRefreshError", "onRefreshError")?,
        logger,
        now: function(options, "now", "now")?,
        storage,
        storage_key,
        cross_tab,
        warnings,
    };
    cfg.validate()?;
    Ok((opts, cfg))
}

fn read_storage(v: &JsValue, warnings: &mut Vec<&'static str>) -> R<Storage> {
    const EXPECTED: &str = "'memory', 'session', 'local', or { getItem, setItem, removeItem } (sync or async)";
    let web = |name: &str| js_sys::Reflect::get(&js_sys::global(), &name.into()).ok().filter(|s| s.is_object());
    let backend = match v.as_string().as_deref() {
        _ if v.is_undefined() => return Ok(Storage::Memory),
        Some("memory") => return Ok(Storage::Memory),
        Some("session") => web("sessionStorage"),
        Some("local") => {
            warnings.push("storage 'local': tokens in localStorage are readable by any script on this origin; prefer 'session' or memory");
            web("localStorage")
        }
        Some(_) => return bad("storage", EXPECTED),
        None if ["getItem", "setItem", "removeItem"].iter().all(|m| get_fn(v, m).is_some()) => Some(v.clone()),
        None => return bad("storage", EXPECTED),
    };
    Ok(match backend {
        Some(b) => Storage::Backend(b),
        None => {
            warnings.push("the requested web storage is not available here; tokens stay in memory");
            Storage::Memory
        }
    })
}

fn read_endpoint(v: &JsValue) -> R<Endpoint> {
    if let Some(url) = v.as_string() {
        if url.is_empty() {
            return bad("endpoint", "a non-empty URL string or { url, method, headers, credentials, body }");
        }
        return Ok(Endpoint { url, method: "POST".into(), headers: JsValue::UNDEFINED, credentials: "include".into(), body: JsValue::UNDEFINED });
    }
    if !v.is_object() {
        return bad("endpoint", "a URL string or { url, method, headers, credentials, body }");
    }
    let url = string(v, "url", "endpoint.url")?.map_or_else(|| bad("endpoint.url", "a non-empty URL string"), Ok)?;
    let headers = get(v, "headers");
    if !(headers.is_undefined() || headers.is_object() || headers.is_function()) {
        return bad("endpoint.headers", "an object, or a function returning one (sync or async)");
    }
    let credentials = string(v, "credentials", "endpoint.credentials")?.unwrap_or_else(|| "include".into());
    if !matches!(credentials.as_str(), "include" | "same-origin" | "omit") {
        return bad("endpoint.credentials", "'include', 'same-origin' or 'omit'");
    }
    let body = get(v, "body");
    if !(body.is_undefined() || body.is_string() || body.is_object()) {
        return bad("endpoint.body", "a string, or an object to send as JSON");
    }
    Ok(Endpoint {
        url,
        method: string(v, "method", "endpoint.method")?.unwrap_or_else(|| "POST".into()),
        headers,
        credentials,
        body,
    })
}

/// `RequestInit` for the built-in fetch; `headers` already resolved to an object (or undefined).
pub fn request_init(e: &Endpoint, headers: &JsValue, signal: &JsValue) -> Object {
    use crate::js::set;
    let init = Object::new();
    set(&init, "method", &e.method.as_str().into());
    set(&init, "credentials", &e.credentials.as_str().into());
    set(&init, "signal", signal);
    let hdrs = Object::new();
    set(&hdrs, "accept", &"application/json".into());
    if e.body.is_string() {
        set(&init, "body", &e.body);
    } else if e.body.is_object() {
        if let Ok(json) = js_sys::JSON::stringify(&e.body) {
            set(&init, "body", &json);
            set(&hdrs, "content-type", &"application/json".into());
        }
    }
    if headers.is_object() {
        // The app's headers win over the defaults above.
        Object::assign(&hdrs, &Object::from(headers.clone()));
    }
    set(&init, "headers", &hdrs);
    init
}
