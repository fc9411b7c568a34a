//! `chat-token-manager`'s WebAssembly module: a tiny numeric ABI over
//! [`chat_token_core::Machine`], driven by the hand-written JavaScript host in `js/`.
//!
//! Every decision (schedule, jitter, backoff, `Retry-After`, parsing of responses, JWTs and
//! stored entries, generations, single flight) stays in the core; the host does the I/O.
//! The interface is plain `extern "C"` functions over `i32` and `f64` only (no
//! wasm-bindgen, no reference types, no multi-value, no `i64`), so the same module runs
//! under any `WebAssembly` and translates with Binaryen's `wasm2js` for Hermes.
//!
//! # Protocol
//! - Tokens are handles: no token text enters the module. The host keeps each token,
//!   refresh token and WebSocket token it reads, interned (one handle per distinct text, so
//!   handles compare as the texts do), and passes its [`Handle`]; 0 is the empty string (or
//!   a blank token). [`ctm_held`] says which handles the machine still holds.
//! - Results out: a call that has something to say writes it to an out-stream of numbers
//!   (`f64`) and bytes, whose pointers and lengths [`ctm_out`] returns. A text in that
//!   stream (a log line, the parts of an error message: static ASCII) is its byte length (a
//!   number, `-1` for none) followed by its bytes; a token is its handle (`-1` for none).
//! - Times are epoch milliseconds as `f64`; ids (ops, waiters) are `f64` integers.
//! - Machines are addressed by a handle (`i32`) from [`ctm_new`].
//! - Export names: in the wasm module each `ctm_*` function is exported under a one-letter
//!   name (its `export_name` attribute: `ctm_new` is `n`, `ctm_get` is `g`, `ctm_poll` is `p`…)
//!   to keep the payload small; `js/host.mjs` calls them by those names. Natively they keep
//!   their `ctm_*` symbol.
//!
//! ```js
//! const h = exports.n(-1, 0.1, 86400000, 10000, 30000, 1000, 60000, 6, 0, seed, 0); // ctm_new
//! const waiter = exports.g(h, Date.now()); // ctm_get; ≥ 0: wait for a settle naming it
//! for (let kind; (kind = exports.p(h)); ) act(kind, readOut()); // ctm_poll
//! ```
#![deny(missing_docs)]
// The shipped module links no std: no panic hook, no formatting machinery, no dlmalloc. The
// `std` feature (enabled for this crate's own tests through its dev-dependency on itself)
// links std instead, for wasm-bindgen-test; so does a native build (`cargo check` at the root).
#![cfg_attr(all(not(feature = "std"), target_arch = "wasm32"), no_std)]

extern crate alloc;

#[cfg(target_arch = "wasm32")]
mod alloc_free_list;

use alloc::vec::Vec;
use chat_token_core::{
    parse::{Fields, Value, MAX_TIME_MS},
    stored, Action, Config, ErrorKind, Event, LogCode, LoginResult, Machine, Millis, OpId, Request, RetryPolicy, Token,
    TokenError, TokenInfo,
};

/// A token as the module holds it: the host's handle to the text (0: the empty string, or a
/// blank token; see the protocol above).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Handle(u32);

impl Token for Handle {
    fn is_empty(&self) -> bool {
        self.0 == 0
    }
    fn is_blank(&self) -> bool {
        self.0 == 0
    }
    // The host sends numeric strings as numbers and a JWT's `exp` in its own slot (see
    // `Prepared`): nothing is decoded here.
    fn number(&self) -> Option<f64> {
        None
    }
    fn jwt_exp(&self) -> Result<Option<f64>, TokenError> {
        Ok(None)
    }
}

fn handle(v: f64) -> Option<Handle> {
    (v >= 0.0).then_some(Handle(v as u32))
}

// The module's state (wasm is single-threaded; nothing here is reentrant: the module never
// calls out). One `static` per part, so that a borrow of one (a machine, the input) never
// overlaps a borrow of another (the out-stream) while an export runs.
static mut MACHINES: Vec<Option<Machine<Handle>>> = Vec::new();
static mut OUT: Out = Out { nums: Vec::new(), bytes: Vec::new(), header: [0; 4] };
/// The token response's fields, set one by one by the host before [`ctm_fetch_ok`].
static mut FIELD_VALUES: [Value<Handle>; FIELDS] = [const { Value::Missing }; FIELDS];

struct Out {
    nums: Vec<f64>,
    bytes: Vec<u8>,
    header: [u32; 4],
}

/// `&mut` to one of the statics above.
macro_rules! global {
    ($name:ident) => {
        // SAFETY: wasm32 without threads; every export takes at most one borrow of each static
        // and none outlives the export (see above).
        unsafe { &mut *core::ptr::addr_of_mut!($name) }
    };
}

/// The slot after the core's [`FIELDS`](chat_token_core::parse::FIELDS) (set by index, in
/// that order, by the host: `PATHS` in js/host.mjs): the host's reading of the token's JWT
/// `exp` claim.
const JWT_EXP: usize = chat_token_core::parse::FIELDS.len();
const FIELDS: usize = JWT_EXP + 1;

/// A token response as the host decoded it (`JSON.parse` for the body and for a JWT's
/// payload, `Number` for numeric strings). The host:
/// - sends numeric fields (`expiresIn`, `expiresAt`) as numbers, `NaN` for a string that is
///   not a decimal number ([`parse_number`](chat_token_core::parse::parse_number)'s grammar);
/// - sends strings as [`Handle`]s, a token field that is empty or whitespace only (Unicode
///   `White_Space`) as handle 0 (`""`);
/// - sets the [`JWT_EXP`] slot: missing (not a JWT, no `exp`), a number, or other (not a number).
struct Prepared<'a>(&'a [Value<Handle>], bool);

impl Fields<Handle> for Prepared<'_> {
    fn is_object(&self) -> bool {
        self.1
    }
    fn get(&self, _: &[&str]) -> Value<Handle> {
        // Unused: the core reads a response through `field`.
        Value::Missing
    }
    fn field(&self, i: usize) -> Value<Handle> {
        self.0.get(i).copied().unwrap_or(Value::Missing)
    }
    fn jwt_exp(&self, _: &Handle) -> Result<Option<f64>, TokenError> {
        match self.0[JWT_EXP] {
            Value::Missing => Ok(None),
            Value::Num(n) if n.is_finite() => Ok(Some(n)),
            _ => Err(TokenError::invalid_response("exp", "must be a number (JWT exp claim)")),
        }
    }
}

// ----- the out-stream ---------------------------------------------------------------------

fn clear() {
    let out = global!(OUT);
    out.nums.clear();
    out.bytes.clear();
}

fn n(x: f64) {
    global!(OUT).nums.push(x);
}

fn ms(x: Option<Millis>) {
    n(x.map_or(-1.0, |v| v as f64));
}

fn s(text: &str) {
    n(text.len() as f64);
    global!(OUT).bytes.extend_from_slice(text.as_bytes());
}

fn os(text: Option<&str>) {
    match text {
        Some(t) => s(t),
        None => n(-1.0),
    }
}

/// Handles: a token, then the refresh and WebSocket tokens (`-1` for none).
fn tokens(token: Handle, refresh: Option<Handle>, ws: Option<Handle>) {
    let h = |t: Option<Handle>| n(t.map_or(-1.0, |h| f64::from(h.0)));
    h(Some(token));
    h(refresh);
    h(ws);
}

fn info(i: &TokenInfo<Handle>) {
    n(i.expires_at as f64);
    n(i.refresh_at as f64);
    n(i.issued_at as f64);
    n(i.reason as u8 as f64);
    n(i.source as u8 as f64);
    tokens(i.token, i.refresh_token, i.ws_token);
}

/// An entry to persist or share: issuedAt, expiresAt, then the handles of the token, refresh
/// token and WebSocket token (the host writes the text, as `stored::format` does).
fn entry(e: &stored::Stored<Handle>) {
    n(e.issued_at as f64);
    n(e.expires_at as f64);
    tokens(e.token, e.refresh_token, e.ws_token);
}

/// An entry the host read (persisted or from another tab): its times and handles (`-1`: none;
/// 0, the empty string, is none too). `None` unless there is a token and `expires` is after
/// `issued`.
fn read_entry(issued: f64, expires: f64, token: f64, refresh: f64, ws: f64) -> Option<stored::Stored<Handle>> {
    let text = |v: f64| handle(v).filter(|h| h.0 != 0);
    let (issued_at, expires_at) = (time(issued), time(expires));
    let token = text(token).filter(|_| expires_at > issued_at)?;
    Some(stored::Stored { token, issued_at, expires_at, refresh_token: text(refresh), ws_token: text(ws) })
}

/// Error codes by index, as the host's table (`js/host.mjs`) has them.
fn code_index(kind: &ErrorKind) -> f64 {
    (match kind {
        ErrorKind::InvalidOptions { .. } => 0,
        ErrorKind::Network => 1,
        ErrorKind::Timeout => 2,
        ErrorKind::Http => 3,
        ErrorKind::RateLimited => 4,
        ErrorKind::Unauthorized(_) => 5,
        ErrorKind::InvalidResponse { .. } => 6,
        ErrorKind::LoginFailed(_) => 7,
        ErrorKind::Discarded => 8,
        ErrorKind::Disposed => 9,
        ErrorKind::Failed => 10,
        ErrorKind::LoggedOut => 11,
    }) as f64
}

/// An error: code index, status, `retryAfterMs`, retryable, then two strings that the host
/// turns into the message (the field and what is wrong, or the whole message).
fn error(e: &TokenError) {
    n(code_index(&e.kind));
    n(e.status.map_or(-1.0, f64::from));
    ms(e.retry_after_ms);
    n(f64::from(u8::from(e.retryable)));
    let (a, b) = match &e.kind {
        ErrorKind::InvalidOptions { field, expected } => (Some(*field), Some(*expected)),
        ErrorKind::InvalidResponse { field, problem } => (Some(*field), Some(*problem)),
        ErrorKind::Unauthorized(m) | ErrorKind::LoginFailed(m) => (Some(*m), None),
        _ => (None, None),
    };
    os(a);
    os(b);
}

// ----- plumbing ---------------------------------------------------------------------------

/// The out-stream: the address of four `u32`s — numbers' address, numbers' count, bytes'
/// address, bytes' length.
#[cfg_attr(target_arch = "wasm32", export_name = "o")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_out() -> i32 {
    let out = global!(OUT);
    out.header = [out.nums.as_ptr() as u32, out.nums.len() as u32, out.bytes.as_ptr() as u32, out.bytes.len() as u32];
    out.header.as_ptr() as i32
}

fn machine(h: i32) -> Option<&'static mut Machine<Handle>> {
    global!(MACHINES).get_mut(h as usize)?.as_mut()
}

fn time(now: f64) -> Millis {
    // `as` saturates: NaN and negatives become 0.
    (now as Millis).min(MAX_TIME_MS)
}

fn opt_time(v: f64) -> Option<Millis> {
    (v >= 0.0).then(|| time(v))
}

// ----- machines ---------------------------------------------------------------------------

/// A new machine; returns its handle. The host has validated the options (by the rules and
/// with the messages of `Config::validate`, see `readOptions` in js/host.mjs); values out of
/// range are clamped (`Machine::new_validated`). `margin` is `-1` for the default; `login`
/// and `persist` are 0/1.
#[cfg_attr(target_arch = "wasm32", export_name = "n")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn ctm_new(
    margin: f64,
    jitter: f64,
    default_ttl: f64,
    fetch_timeout: f64,
    login_timeout: f64,
    base_delay: f64,
    max_delay: f64,
    max_attempts: f64,
    login: i32,
    seed: f64,
    persist: i32,
) -> i32 {
    let cfg = Config {
        refresh_margin_ms: opt_time(margin),
        jitter_ratio: jitter,
        default_ttl_ms: time(default_ttl),
        fetch_timeout_ms: time(fetch_timeout),
        login_timeout_ms: time(login_timeout),
        retry: RetryPolicy { base_delay_ms: time(base_delay), max_delay_ms: time(max_delay), max_attempts: max_attempts as u32 },
        login: login != 0,
        seed: seed as u64,
        persist: persist != 0,
    };
    let machines = global!(MACHINES);
    machines.push(Some(Machine::new_validated(cfg)));
    machines.len() as i32 - 1
}

/// `-1`: ready (the current token is valid); `-2`: rejected (error written out); else the
/// waiter id to settle later.
fn request(r: Result<Request, TokenError>) -> f64 {
    clear();
    match r {
        Ok(Request::Ready) => -1.0,
        Ok(Request::Wait(id)) => id.0 as f64,
        Err(e) => {
            error(&e);
            -2.0
        }
    }
}

macro_rules! with {
    ($h:expr, $default:expr, |$m:ident| $body:expr) => {
        match machine($h) {
            Some($m) => $body,
            None => $default,
        }
    };
}

/// `getToken()`: see [`request`].
#[cfg_attr(target_arch = "wasm32", export_name = "g")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_get(h: i32, now: f64) -> f64 {
    with!(h, -3.0, |m| request(m.get_token(time(now))))
}

/// `start()`: see [`request`].
#[cfg_attr(target_arch = "wasm32", export_name = "s")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_start(h: i32, now: f64) -> f64 {
    with!(h, -3.0, |m| request(m.start(time(now))))
}

/// `refresh()`: see [`request`].
#[cfg_attr(target_arch = "wasm32", export_name = "r")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_refresh(h: i32, now: f64) -> f64 {
    with!(h, -3.0, |m| request(m.refresh(time(now))))
}

/// `handleUnauthorized(stale?)`, the stale token's handle (`-1`: none).
#[cfg_attr(target_arch = "wasm32", export_name = "u")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_unauthorized(h: i32, now: f64, stale: f64) -> f64 {
    with!(h, -3.0, |m| request(m.handle_unauthorized_token(time(now), handle(stale).as_ref())))
}

/// `logout()`: 1 if a session ended, 0 if not, `-2` rejected (error written out).
#[cfg_attr(target_arch = "wasm32", export_name = "l")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_logout(h: i32, now: f64) -> i32 {
    clear();
    with!(h, -3, |m| match m.logout(time(now)) {
        Ok(ended) => i32::from(ended),
        Err(e) => {
            error(&e);
            -2
        }
    })
}

/// `dispose()`.
#[cfg_attr(target_arch = "wasm32", export_name = "d")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_dispose(h: i32) {
    with!(h, (), |m| m.dispose())
}

/// Sets field `i` of the core's `parse::FIELDS` (or the [`JWT_EXP`] slot, `i` 12) of the next
/// token response: kind 0 missing, 1 null, 2 string (its handle in `num`), 3 number (`num`),
/// 4 anything else.
#[cfg_attr(target_arch = "wasm32", export_name = "f")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_field(i: i32, kind: i32, num: f64) {
    let value = match kind {
        1 => Value::Null,
        2 => Value::Str(Handle(num as u32)),
        3 => Value::Num(num),
        4 => Value::Other,
        _ => Value::Missing,
    };
    if let Some(slot) = global!(FIELD_VALUES).get_mut(i as usize) {
        *slot = value;
    }
}

/// Fetch `op` answered with the fields set by [`ctm_field`] (`object` 0 when the body is
/// not an object); `date` is the response's `Date` in epoch ms (`-1`: none). Resets the fields.
#[cfg_attr(target_arch = "wasm32", export_name = "k")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_fetch_ok(h: i32, now: f64, op: f64, object: i32, date: f64) {
    let fields = core::mem::replace(global!(FIELD_VALUES), [const { Value::Missing }; FIELDS]);
    with!(h, (), |m| m.handle_fetch_response_dated(time(now), OpId(op as u64), &Prepared(&fields, object != 0), opt_time(date)))
}

/// Fetch `op` failed: `status` 100–65535 an HTTP status (with `retry_after` ms, `-1`
/// none), 0 a network error, `-1` a body that is not valid JSON.
#[cfg_attr(target_arch = "wasm32", export_name = "F")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_fetch_failed(h: i32, now: f64, op: f64, status: i32, retry_after: f64) {
    let err = match status {
        -1 => TokenError::invalid_response("body", "is not valid JSON"),
        0 => TokenError::new(ErrorKind::Network),
        s => TokenError::from_status(s.clamp(0, 65535) as u16, (retry_after >= 0.0).then_some(retry_after as Millis)),
    };
    with!(h, (), |m| m.handle_fetch_failed(time(now), OpId(op as u64), err))
}

/// The login `op` settled: 0 ok, 1 `LOGIN_IN_PROGRESS`, 2 failed.
#[cfg_attr(target_arch = "wasm32", export_name = "L")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_login_result(h: i32, now: f64, op: f64, result: i32) {
    let result = match result {
        0 => LoginResult::Ok,
        1 => LoginResult::InProgress,
        _ => LoginResult::Failed,
    };
    with!(h, (), |m| m.handle_login_result(time(now), OpId(op as u64), result))
}

/// The timer fired.
#[cfg_attr(target_arch = "wasm32", export_name = "t")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_timeout(h: i32, now: f64) {
    with!(h, (), |m| m.handle_timeout(time(now)))
}

/// The host woke up (visible, focus, pageshow, app active).
#[cfg_attr(target_arch = "wasm32", export_name = "m")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_resume(h: i32, now: f64) {
    with!(h, (), |m| m.resume(time(now)))
}

/// The network went away (0) or came back (1).
#[cfg_attr(target_arch = "wasm32", export_name = "O")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_online(h: i32, now: f64, online: i32) {
    with!(h, (), |m| m.set_online(time(now), online != 0))
}

/// The persisted entry: `found` -1 nothing stored, 0 an entry the host could not read, 1 an
/// entry (see [`read_entry`]).
#[cfg_attr(target_arch = "wasm32", export_name = "S")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn ctm_stored(h: i32, now: f64, found: i32, issued: f64, expires: f64, token: f64, refresh: f64, ws: f64) {
    let e = (found >= 0).then(|| read_entry(issued, expires, token, refresh, ws).filter(|_| found > 0));
    with!(h, (), |m| m.handle_stored_entry(time(now), e))
}

/// Another tab's token entry (see [`read_entry`]); 1 if adopted.
#[cfg_attr(target_arch = "wasm32", export_name = "T")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_tab_token(h: i32, now: f64, issued: f64, expires: f64, token: f64, refresh: f64, ws: f64) -> i32 {
    let e = read_entry(issued, expires, token, refresh, ws);
    with!(h, 0, |m| e.map_or(0, |e| i32::from(m.handle_tab_entry(time(now), e))))
}

// ----- outputs ----------------------------------------------------------------------------

/// The next action (0: none), its fields written out:
/// 1 fetch (op, reason, attempt) · 2 abort (op) · 3 login (op, info) · 4 undo login ·
/// 5 load stored · 6 persist (entry, see [`entry`]) · 7 clear stored · 8 share (entry)
/// · 9 settle (count, ids…, ok, info | error) · 10 token event (info) · 11 error event
/// (error) · 12 state event (state) · 13 expired · 14 logged out · 15 log (level, message,
/// code index: an error code 0–11, a reason 12–16, -1 none).
#[cfg_attr(target_arch = "wasm32", export_name = "p")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_poll(h: i32) -> i32 {
    clear();
    let Some(action) = machine(h).and_then(Machine::poll_action) else { return 0 };
    match action {
        Action::Fetch { op, reason, attempt } => {
            n(op.0 as f64);
            n(reason as u8 as f64);
            n(f64::from(attempt));
            1
        }
        Action::AbortFetch { op } => {
            n(op.0 as f64);
            2
        }
        Action::Login { op, info: i } => {
            n(op.0 as f64);
            info(&i);
            3
        }
        Action::UndoLogin => 4,
        Action::LoadStored => 5,
        Action::Persist(e) => {
            entry(&e);
            6
        }
        Action::ClearStored => 7,
        Action::Share(e) => {
            entry(&e);
            8
        }
        Action::Settle { waiters, result } => {
            n(waiters.len() as f64);
            for w in &waiters {
                n(w.0 as f64);
            }
            match &result {
                Ok(i) => {
                    n(1.0);
                    info(i);
                }
                Err(e) => {
                    n(0.0);
                    error(e);
                }
            }
            9
        }
        Action::Emit(event) => match event {
            Event::Token(i) => {
                info(&i);
                10
            }
            Event::Error(e) => {
                error(&e);
                11
            }
            Event::State(state) => {
                n(state as u8 as f64);
                12
            }
            Event::Expired => 13,
            Event::LoggedOut => 14,
        },
        Action::Log { level, message, code } => {
            n(level as u8 as f64);
            s(message);
            // The code as an index into the host's tables: 0…11 an error code, 12… a reason.
            n(match &code {
                Some(LogCode::Error(kind)) => code_index(kind),
                Some(LogCode::Reason(reason)) => 12.0 + *reason as u8 as f64,
                None => -1.0,
            });
            15
        }
    }
}

/// When the timer must fire next (epoch ms), `-1` for never.
#[cfg_attr(target_arch = "wasm32", export_name = "D")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_deadline(h: i32) -> f64 {
    with!(h, -1.0, |m| m.poll_timeout().map_or(-1.0, |t| t as f64))
}

/// Until when `getToken()` answers with the current token and no other effect (see
/// [`Machine::ready_until`]); `-1` when it would not.
#[cfg_attr(target_arch = "wasm32", export_name = "U")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_ready_until(h: i32) -> f64 {
    with!(h, -1.0, |m| m.ready_until().map_or(-1.0, |t| t as f64))
}

/// The state's index (`idle` 0 … `disposed` 8).
#[cfg_attr(target_arch = "wasm32", export_name = "a")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_state(h: i32) -> i32 {
    with!(h, 8, |m| m.state() as i32)
}

/// Writes the snapshot out: state, expiresAt, refreshAt (`-1`: null), generation,
/// consecutiveFailures, offline, has-error, error.
#[cfg_attr(target_arch = "wasm32", export_name = "z")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_snapshot(h: i32) {
    clear();
    with!(h, (), |m| {
        let snap = m.snapshot();
        n(snap.state as u8 as f64);
        ms(snap.expires_at);
        ms(snap.refresh_at);
        n(snap.generation as f64);
        n(f64::from(snap.consecutive_failures));
        n(f64::from(u8::from(snap.offline)));
        match &snap.last_error {
            Some(e) => {
                n(1.0);
                error(e);
            }
            None => n(0.0),
        }
    })
}

/// Writes the current token's info out (for `ctx.previous`); 0 when there is none.
#[cfg_attr(target_arch = "wasm32", export_name = "c")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_current(h: i32) -> i32 {
    clear();
    with!(h, 0, |m| match m.current() {
        Some(i) => {
            info(i);
            1
        }
        None => 0,
    })
}

/// Writes the entry of a token usable at `now` out (the answer to another tab's `hello`);
/// 0 when there is none.
#[cfg_attr(target_arch = "wasm32", export_name = "h")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_hello(h: i32, now: f64) -> i32 {
    clear();
    with!(h, 0, |m| match m.usable_token(time(now)) {
        Some(i) => {
            entry(&stored::Stored::of(i));
            1
        }
        None => 0,
    })
}

/// Whether the cross-tab marker `issuedAt:expiresAt` (read by the host) names a token newer
/// than this manager's and still usable at `now` (then the tab asks its peers first).
#[cfg_attr(target_arch = "wasm32", export_name = "P")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_peer_newer(h: i32, now: f64, issued: f64, expires: f64) -> i32 {
    let (now, issued, expires) = (time(now), time(issued), time(expires));
    with!(h, 0, |m| i32::from(m.peer_newer(now, issued, expires)))
}

/// Writes out the handles the machine holds (see [`Machine::held`]; `-1`s among them): the
/// host may forget every other token text.
#[cfg_attr(target_arch = "wasm32", export_name = "H")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_held(h: i32) {
    clear();
    with!(h, (), |m| {
        // Not `.flatten()`: the iterator adapter costs the module ~20 B more.
        #[allow(clippy::manual_flatten)]
        for i in m.held() {
            if let Some(i) = i {
                tokens(i.token, i.refresh_token, i.ws_token);
            }
        }
    })
}

/// The machine's `fetchTimeoutMs`.
#[cfg_attr(target_arch = "wasm32", export_name = "M")]
#[cfg_attr(not(target_arch = "wasm32"), no_mangle)]
pub extern "C" fn ctm_fetch_timeout(h: i32) -> f64 {
    with!(h, 0.0, |m| m.fetch_timeout_ms() as f64)
}

/// A panic aborts the instance (`unreachable`): no message, so no formatting code is linked.
/// The host turns the trap into an error; the core's parsers and machine do not panic.
/// Since nothing reads a panic's message or location, scripts/build.sh zeroes that text (and
/// core::fmt's digit table) in the shipped module (see there): code here
/// must not format numbers with `core::fmt` (it does not: the host writes stored entries).
#[cfg(all(not(feature = "std"), target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
