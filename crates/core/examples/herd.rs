//! The thundering-herd benchmark: 100 000 clients whose 1 h tokens were all minted in the same
//! second. When do their refreshes land? Uses the core's real schedule (default margin, 10 %
//! jitter, a different random seed per client) next to the seeds' pattern (a fixed 5-minute
//! margin, no jitter). Prints peak ÷ mean requests per second over each refresh window and a
//! small histogram.
//!
//! `cargo run --release -p chat-token-core --example herd`

use chat_token_core::schedule::{refresh_at, Rng};

const CLIENTS: u64 = 100_000;
const HOUR: u64 = 3_600_000;

/// Refresh requests per whole second, relative to the mint second.
fn per_second(times: impl Iterator<Item = u64>, t0: u64) -> std::collections::BTreeMap<u64, u64> {
    let mut bins = std::collections::BTreeMap::new();
    for t in times {
        *bins.entry((t - t0) / 1000).or_insert(0) += 1;
    }
    bins
}

/// Peak requests/s, the window the refreshes span, and peak ÷ mean over `window` seconds.
fn peak_over_mean(bins: &std::collections::BTreeMap<u64, u64>, window: u64) -> (u64, f64, f64, u64, u64) {
    let (first, last) = (*bins.keys().next().unwrap(), *bins.keys().last().unwrap());
    let peak = *bins.values().max().unwrap();
    let mean = CLIENTS as f64 / window as f64;
    (peak, mean, peak as f64 / mean, first, last - first + 1)
}

fn main() {
    let t0 = 1_700_000_000_000u64;
    // Each client mints within the same second and draws its own jitter.
    let jittered = (0..CLIENTS).map(|i| {
        let mut rng = Rng::new(0x9E37_79B9 ^ i.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let minted = t0 + (i * 997) % 1000;
        refresh_at(minted, minted + HOUR, None, 0.1, rng.next_f64())
    });
    let fixed = (0..CLIENTS).map(|i| {
        let minted = t0 + (i * 997) % 1000;
        minted + HOUR - 300_000
    });
    let ours = per_second(jittered, t0);
    let seeds = per_second(fixed, t0);
    // Both are judged over the refresh window the default schedule spreads over (its jitter,
    // 10 % of the 5 min margin, plus the mint second).
    let window = ours.keys().last().unwrap() - ours.keys().next().unwrap() + 1;
    let (p1, m1, r1, start1, w1) = peak_over_mean(&ours, window);
    let (p2, m2, r2, start2, w2) = peak_over_mean(&seeds, window);
    println!("herd: {CLIENTS} clients, 1 h tokens minted in the same second; mean over the {window} s refresh window");
    println!("  schedule                     refreshes at      peak/s   mean/s   peak÷mean");
    println!("  chat-token-manager (jitter)  {start1:>5}s +{w1:>3}s   {p1:>7}  {m1:>7.0}   {r1:>8.2}");
    println!("  seeds: fixed 5 min margin    {start2:>5}s +{w2:>3}s   {p2:>7}  {m2:>7.0}   {r2:>8.2}");
    println!("  histogram (chat-token-manager, requests per 3 s bucket):");
    let mut buckets = std::collections::BTreeMap::new();
    for (s, n) in &ours {
        *buckets.entry(s / 3 * 3).or_insert(0u64) += n;
    }
    let max = *buckets.values().max().unwrap();
    for (s, n) in buckets {
        let bar = "#".repeat((n * 40 / max) as usize);
        println!("    {s:>5}s {n:>6} {bar}");
    }
    println!("RESULT herd_ratio={r1:.2} herd_ratio_seeds={r2:.2}");
}
