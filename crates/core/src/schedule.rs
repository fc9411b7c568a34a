//! Pure timing math: when to refresh, when a token stops being handed out, how long to back off.

use crate::Millis;

/// Default refresh margin bounds: 25 % of the lifetime, clamped to [30 s, 5 min].
pub const MIN_MARGIN_MS: Millis = 30_000;
/// Upper bound of the default refresh margin.
pub const MAX_MARGIN_MS: Millis = 300_000;
/// A token is not handed out within `min(HARD_EXPIRY_MS, lifetime / 2)` of its expiry.
pub const HARD_EXPIRY_MS: Millis = 30_000;
/// `Retry-After` is clamped to [1 s, 10 min].
pub const RETRY_AFTER_MIN_MS: Millis = 1_000;
/// Upper bound for `Retry-After`.
pub const RETRY_AFTER_MAX_MS: Millis = 600_000;

/// The refresh margin for a token of `lifetime` ms: `override_ms`, else 25 % of the lifetime
/// clamped to [30 s, 5 min].
pub fn margin(lifetime: Millis, override_ms: Option<Millis>) -> Millis {
    override_ms.unwrap_or_else(|| (lifetime / 4).clamp(MIN_MARGIN_MS, MAX_MARGIN_MS))
}

/// When to refresh a token received at `now` that expires at `expires_at`.
///
/// `expires_at − margin − jitter`, with jitter uniform in `[0, jitter_ratio × margin]`
/// drawn from `random` (in `[0, 1)`). If the margin is not smaller than the lifetime, half
/// the lifetime. Never before `now`, always strictly before `expires_at` (when the token
/// has any lifetime left at all).
pub fn refresh_at(now: Millis, expires_at: Millis, margin_override: Option<Millis>, jitter_ratio: f64, random: f64) -> Millis {
    let lifetime = expires_at.saturating_sub(now);
    let margin = margin(lifetime, margin_override);
    let at = if margin >= lifetime {
        now + lifetime / 2
    } else {
        let jitter = (random.clamp(0.0, 1.0) * jitter_ratio.clamp(0.0, 1.0) * margin as f64) as Millis;
        expires_at.saturating_sub(margin).saturating_sub(jitter)
    };
    // A zero margin (found by fuzzing) still refreshes before, not at, expiry.
    at.min(expires_at.saturating_sub(1)).max(now)
}

/// The last moment at which `getToken()` still hands a token out: `min(30 s, lifetime / 2)`
/// before expiry.
pub fn usable_until(issued_at: Millis, expires_at: Millis) -> Millis {
    let lifetime = expires_at.saturating_sub(issued_at);
    expires_at - HARD_EXPIRY_MS.min(lifetime / 2)
}

/// Full-jitter exponential backoff after failed attempt number `attempt` (1-based):
/// uniform in `[0, min(max_ms, base_ms × 2^(attempt−1))]`.
pub fn backoff(attempt: u32, base_ms: Millis, max_ms: Millis, random: f64) -> Millis {
    let exp = saturating_shl(base_ms, attempt.saturating_sub(1));
    let ceiling = exp.min(max_ms);
    (random.clamp(0.0, 1.0) * ceiling as f64) as Millis
}

/// `base × 2^k`, saturating: exactly `base.saturating_mul(1u64.checked_shl(k).unwrap_or(u64::MAX))`
/// without a 64-bit overflowing multiply (which needs compiler-rt's `__multi3` in the wasm).
pub(crate) fn saturating_shl(base: u64, k: u32) -> u64 {
    if base == 0 {
        0
    } else if k >= 64 || base > u64::MAX >> k {
        u64::MAX
    } else {
        base << k
    }
}

/// A `Retry-After` delay clamped to [1 s, 10 min].
pub fn clamp_retry_after(ms: Millis) -> Millis {
    ms.clamp(RETRY_AFTER_MIN_MS, RETRY_AFTER_MAX_MS)
}

/// SplitMix64: a small, seedable random source, so schedules are reproducible in tests.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next value, uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}
