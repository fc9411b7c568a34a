//! The options of a [`crate::TokenManager`], read into the core's `Config`.
//!
//! Every field is optional: `None` (the default in every binding) means the core's
//! `Config::default()`, so the native bridge has no default of its own.

use chat_token_core::{parse::MAX_TIME_MS, Config, RetryPolicy, TokenError};

/// Retry policy for transient failures (`retry` in the JavaScript options). A field left
/// `None` is the core's default.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct RetryOptions {
    /// First backoff ceiling in ms (doubles each attempt).
    #[uniffi(default)]
    pub base_delay_ms: Option<u64>,
    /// Cap of the backoff ceiling in ms.
    #[uniffi(default)]
    pub max_delay_ms: Option<u64>,
    /// Attempts per refresh cycle, the first included.
    #[uniffi(default)]
    pub max_attempts: Option<u32>,
}

/// Options of a [`crate::TokenManager`]: the JavaScript options minus the callbacks (those are
/// the [`crate::TokenHost`]). A field left `None` is the core's default, the same as the
/// JavaScript SDK's.
///
/// A bad value is `TokenManagerError::InvalidOptions`, whose message names the field the way
/// the React Native (TypeScript) bindings spell it: `jitterRatio`, `retry.maxAttempts`, ...
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct ManagerOptions {
    /// Refresh this long before expiry instead of 25 % of the lifetime clamped to [30 s, 5 min].
    #[uniffi(default)]
    pub refresh_margin_ms: Option<u64>,
    /// Jitter, as a fraction of the margin (0..=1), subtracted from the refresh time.
    #[uniffi(default)]
    pub jitter_ratio: Option<f64>,
    /// Lifetime of a token whose response says nothing about expiry.
    #[uniffi(default)]
    pub default_ttl_ms: Option<u64>,
    /// A token request not answered within this is aborted (`abort_fetch`) and retried.
    #[uniffi(default)]
    pub fetch_timeout_ms: Option<u64>,
    /// Bound on the whole login step for one token.
    #[uniffi(default)]
    pub login_timeout_ms: Option<u64>,
    /// Backoff and attempts for transient failures.
    #[uniffi(default)]
    pub retry: Option<RetryOptions>,
    /// Whether the host logs the chat SDK in with each new token (`TokenHost::login`).
    #[uniffi(default)]
    pub login: Option<bool>,
    /// Whether tokens are persisted through `TokenHost::load_stored` / `save_stored` /
    /// `clear_stored` (use the platform's secure storage: Keychain, Keystore).
    #[uniffi(default)]
    pub persist: Option<bool>,
    /// Seed of the jitter; `None` picks a random one per manager (so devices spread out).
    #[uniffi(default)]
    pub seed: Option<u64>,
}

impl ManagerOptions {
    /// The core's `Config`: each option given, else `Config::default()`'s value; checked.
    pub(crate) fn to_config(&self) -> Result<Config, TokenError> {
        let defaults = Config::default();
        let retry = self.retry.clone().unwrap_or_default();
        let config = Config {
            refresh_margin_ms: self.refresh_margin_ms.or(defaults.refresh_margin_ms),
            jitter_ratio: self.jitter_ratio.unwrap_or(defaults.jitter_ratio),
            default_ttl_ms: self.default_ttl_ms.unwrap_or(defaults.default_ttl_ms),
            fetch_timeout_ms: self.fetch_timeout_ms.unwrap_or(defaults.fetch_timeout_ms),
            login_timeout_ms: self.login_timeout_ms.unwrap_or(defaults.login_timeout_ms),
            retry: RetryPolicy {
                base_delay_ms: retry.base_delay_ms.unwrap_or(defaults.retry.base_delay_ms),
                max_delay_ms: retry.max_delay_ms.unwrap_or(defaults.retry.max_delay_ms),
                max_attempts: retry.max_attempts.unwrap_or(defaults.retry.max_attempts),
            },
            login: self.login.unwrap_or(defaults.login),
            seed: self.seed.unwrap_or_else(random_seed),
            persist: self.persist.unwrap_or(defaults.persist),
            // The native bridge has no refresh grant yet: its host fetches every token.
            refresh_grant: false,
        };
        // Beyond the core's checks: durations a JavaScript number could not carry either.
        for (field, ms) in [
            ("refreshMarginMs", config.refresh_margin_ms.unwrap_or(0)),
            ("defaultTtlMs", config.default_ttl_ms),
            ("fetchTimeoutMs", config.fetch_timeout_ms),
            ("loginTimeoutMs", config.login_timeout_ms),
            ("retry.baseDelayMs", config.retry.base_delay_ms),
            ("retry.maxDelayMs", config.retry.max_delay_ms),
        ] {
            if ms > MAX_TIME_MS {
                return Err(TokenError::invalid_option(field, "a number of milliseconds below 2^53"));
            }
        }
        config.validate()?;
        Ok(config)
    }
}

/// A seed from the standard library's per-process random keys (no clock, no IO).
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    h.finish()
}
