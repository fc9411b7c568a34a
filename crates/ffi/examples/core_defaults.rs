//! Prints the core's `Config::default()` as JSON, in the JavaScript options' names, plus the
//! bounds the core's own schedule functions give for it: the refresh margin of a token with
//! no expiry, and the backoff ceiling after each failed attempt. tests/ffi/defaults.test.mjs
//! compares what the JavaScript manager and the Python binding do with their defaults
//! against it. `cargo run -p chat-token-ffi --example core_defaults`
use chat_token_core::{schedule, Config};

/// Failed attempts whose backoff ceilings are printed (enough to reach `retry.maxDelayMs`).
const ATTEMPTS: u32 = 9;

fn main() {
    let c = Config::default();
    let r = &c.retry;
    let defaults = serde_json::json!({
        "refreshMarginMs": c.refresh_margin_ms,
        "jitterRatio": c.jitter_ratio,
        "defaultTtlMs": c.default_ttl_ms,
        "fetchTimeoutMs": c.fetch_timeout_ms,
        "loginTimeoutMs": c.login_timeout_ms,
        "retry": { "baseDelayMs": r.base_delay_ms, "maxDelayMs": r.max_delay_ms, "maxAttempts": r.max_attempts },
        "login": c.login,
        "persist": c.persist,
        "marginOfDefaultTtl": schedule::margin(c.default_ttl_ms, c.refresh_margin_ms),
        // A random draw of 1 is the top of the full-jitter range.
        "backoffCeilings": (1..=ATTEMPTS).map(|k| schedule::backoff(k, r.base_delay_ms, r.max_delay_ms, 1.0)).collect::<Vec<_>>(),
    });
    println!("{defaults}");
}
