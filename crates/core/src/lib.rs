//! The sans-IO core of `chat-token-manager`.
//!
//! [`Machine`] is a state machine that never reads a clock, sets a timer or does IO:
//! every input carries the wall-clock time (`now`, epoch milliseconds), and the shell
//! drains [`Action`]s (start a fetch, call login, settle waiting callers, emit an event)
//! and re-arms one timer for [`Machine::poll_timeout`]. The wasm shell and a future
//! React Native bridge drive the same machine.
//!
//! ```
//! use chat_token_core::{Action, Config, Machine, Request, Value, Fields};
//!
//! struct Body;
//! impl Fields for Body {
//!     fn is_object(&self) -> bool { true }
//!     fn get(&self, path: &[&str]) -> Value {
//!         match path {
//!             ["authToken"] => Value::Str("tok-1".into()),
//!             ["expiresIn"] => Value::Num(3600.0),
//!             _ => Value::Missing,
//!         }
//!     }
//! }
//!
//! let mut m = Machine::new(Config::default()).unwrap();
//! let now = 1_700_000_000_000;
//! let Ok(Request::Wait(waiter)) = m.get_token(now) else { unreachable!() };
//! let op = loop {
//!     match m.poll_action() {
//!         Some(Action::Fetch { op, .. }) => break op,
//!         Some(_) => continue,
//!         None => unreachable!(),
//!     }
//! };
//! m.handle_fetch_response(now + 40, op, &Body, None);
//! let settled = std::iter::from_fn(|| m.poll_action()).any(|a| matches!(
//!     a, Action::Settle { ref waiters, result: Ok(ref info) } if waiters == &[waiter] && info.token == "tok-1"
//! ));
//! assert!(settled);
//! // Refresh 5 min (+ up to 30 s jitter) before the hour is up.
//! let at = m.poll_timeout().unwrap();
//! assert!(at <= now + 40 + 3_300_000 && at >= now + 40 + 3_270_000);
//! ```
#![deny(missing_docs)]
// no_std (with alloc): a wasm build of the core links no std panic or formatting machinery.
#![no_std]

extern crate alloc;
// uniffi's derives emit `::std::` paths: std is linked only with the `uniffi` feature.
#[cfg(any(test, feature = "uniffi"))]
extern crate std;

mod error;
mod json;
mod machine;
#[cfg(feature = "serde")]
mod number;
mod redact;
pub mod parse;
pub mod schedule;
pub mod stored;

pub use error::{ErrorKind, TokenError};
pub use machine::{
    Action, Config, Event, Grant, Level, LogCode, LoginResult, Machine, OpId, Reason, Request, RetryPolicy, Snapshot, Source, State,
    TokenInfo, WaiterId, COOLDOWN_MS, FRESH_TOKEN_MS, LATE_MS, LOGIN_RETRY_FIRST_MS, LOGIN_RETRY_MAX_MS, MAX_PERMANENT_FAILURES,
};
pub use parse::{Fields, Value};

// The uniffi namespace (`chat_token_core`) of the types that carry uniffi's derives, for the
// native bridge (crates/ffi).
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

/// Wall-clock time or a duration, in milliseconds.
pub type Millis = u64;
