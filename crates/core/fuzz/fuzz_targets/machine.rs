//! The state machine under arbitrary sequences of inputs, driven the way a shell drives it
//! (every action drained after every input), with invariants checked on what comes out.
//! Inputs are `arbitrary`-decoded, or a readable script (see [`parse_script`]: the seeds).
//! Invariants:
//!
//! * never a panic (overflow checks are on: `scripts/fuzz.sh` builds with debug assertions);
//! * at most one fetch in flight: a `Fetch` while another fetch is neither answered nor
//!   aborted is a bug; `AbortFetch` names a fetch that was started;
//! * after `logout()` (until `start()`) and after `dispose()`: no `Fetch`, `Login`,
//!   `LoadStored`, `Persist`, `Share` or token event, and no timer;
//! * each waiter is settled at most once, and, after the final `dispose()`, exactly once;
//! * persisted and shared entries read back with `stored::parse`;
//! * the current token is refreshed strictly before it expires and not before it was issued;
//! * timers converge: firing `handle_timeout` at `poll_timeout` makes progress.
#![no_main]

use std::collections::HashSet;

use arbitrary::{Arbitrary, Unstructured};
use chat_token_core::parse::MAX_TIME_MS;
use chat_token_core::{
    stored, Action, Config, ErrorKind, Event, LoginResult, Machine, Millis, OpId, Reason, Request, RetryPolicy, State,
    TokenError, WaiterId,
};
use fuzz_support::{jwt_with_payload, JsonFields};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

const T0: Millis = 1_700_000_000_000;

#[derive(Arbitrary, Debug)]
enum Ms {
    /// Tenths of a second up to ~1.8 h: the realistic range.
    Small(u16),
    Medium(u32),
    /// Anything the shell's options accept (up to `MAX_TIME_MS`).
    Full(u64),
}

impl Ms {
    fn get(&self) -> Millis {
        match self {
            Self::Small(n) => u64::from(*n) * 100,
            Self::Medium(n) => u64::from(*n),
            Self::Full(n) => n % (MAX_TIME_MS + 1),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct ArbConfig {
    margin: Option<Ms>,
    jitter: u16,
    ttl: Option<Ms>,
    fetch_timeout: Option<Ms>,
    login_timeout: Option<Ms>,
    retry: Option<(Ms, Ms, u16)>,
    login: bool,
    seed: u64,
    persist: bool,
    refresh_grant: bool,
}

impl ArbConfig {
    fn config(&self) -> Config {
        let d = Config::default();
        let (a, b, attempts) = self.retry.as_ref().map_or((d.retry.base_delay_ms, d.retry.max_delay_ms, d.retry.max_attempts), |(a, b, n)| {
            (a.get(), b.get(), 1 + u32::from(*n) % 1000)
        });
        Config {
            refresh_margin_ms: self.margin.as_ref().map(Ms::get),
            jitter_ratio: f64::from(self.jitter) / f64::from(u16::MAX),
            default_ttl_ms: self.ttl.as_ref().map_or(d.default_ttl_ms, |m| m.get().max(1)),
            fetch_timeout_ms: self.fetch_timeout.as_ref().map_or(d.fetch_timeout_ms, |m| m.get().max(1)),
            login_timeout_ms: self.login_timeout.as_ref().map_or(d.login_timeout_ms, |m| m.get().max(1)),
            retry: RetryPolicy { base_delay_ms: a.min(b), max_delay_ms: a.max(b), max_attempts: attempts },
            login: self.login,
            seed: self.seed,
            persist: self.persist,
            refresh_grant: self.refresh_grant,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Clock {
    Present(u32),
    Any(u64),
}

/// Which operation a result answers.
#[derive(Arbitrary, Debug)]
enum To {
    /// The fetch (or login) in flight, else the latest one.
    Current,
    /// An earlier one.
    Earlier(u8),
    Raw(u8),
}

#[derive(Arbitrary, Debug)]
enum Tok {
    Fresh,
    Text(String),
    /// A JWT expiring this many seconds from now.
    Jwt(i32),
    JwtPayload(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Expiry {
    None,
    In(i32),
    InStr(String),
    InFloat(f64),
    AtMs(i64),
    AtSecs(i32),
    Junk(bool),
}

#[derive(Arbitrary, Debug)]
enum Body {
    Token { key: u8, token: Tok, expiry: Expiry, nested: bool, refresh: Option<String>, ws: Option<String> },
    Json(String),
}

#[derive(Arbitrary, Debug)]
enum Failure {
    Status(u16, Option<u32>),
    Network,
    Timeout,
    Invalid,
}

#[derive(Arbitrary, Debug)]
enum Entry {
    Valid { age: Ms, lifetime: Ms, token: Tok, refresh: Option<String>, ws: Option<String> },
    /// The last entry the machine persisted or shared.
    Last,
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Stale {
    None,
    Current,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Op {
    GetToken,
    Start,
    Refresh,
    RefreshResume,
    Unauthorized(Stale),
    Logout,
    Dispose,
    /// A response, with the server's `Date` header this many seconds ahead (or behind).
    Respond(To, Body, Option<(bool, u32)>),
    Fail(To, Failure),
    Login(To, u8),
    /// Fire the timer: the clock moves to `poll_timeout()` (if later) and `handle_timeout` runs.
    Timer,
    /// `handle_timeout` right now (early, late or repeated).
    Timeout,
    Resume,
    Online(bool),
    Stored(Option<Entry>),
    Tab(Entry),
    Advance(Ms),
    ClockBack(u16),
}

#[derive(Arbitrary, Debug)]
struct Input {
    cfg: ArbConfig,
    clock: Clock,
    ops: Vec<Op>,
}

fuzz_target!(|data: &[u8]| {
    let (cfg, now, ops) = match data.strip_prefix(b"#machine\n") {
        Some(script) => parse_script(&String::from_utf8_lossy(script)),
        None => {
            let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else { return };
            let now = match input.clock {
                Clock::Present(n) => T0 + u64::from(n),
                Clock::Any(n) => n % (MAX_TIME_MS + 1),
            };
            (input.cfg.config(), now, input.ops)
        }
    };
    run(cfg, now, &ops);
});

fn run(cfg: Config, now: Millis, ops: &[Op]) {
    let persist = cfg.persist;
    let Ok(m) = Machine::new(cfg) else { return };
    let mut h = H { m: Some(m), persist, now, ..H::default() };
    let trace = std::env::var_os("FUZZ_TRACE").is_some();
    h.trace = trace;
    for op in ops {
        if trace {
            eprintln!("@{} {op:?}", h.now);
        }
        h.step(op);
        h.drain();
        h.check();
    }
    h.step(&Op::Dispose);
    h.drain();
    h.check();
    let unsettled: Vec<_> = h.waiters.difference(&h.settled).collect();
    assert!(unsettled.is_empty(), "waiters never settled after dispose: {unsettled:?}");
}

/// The readable input form used by the seed corpus: `#machine` on the first line, then one
/// input per line (unknown lines are skipped):
///
/// ```text
/// config login persist refreshGrant margin=MS ttl=MS fetch=MS loginTimeout=MS retry=BASE,MAX,ATTEMPTS jitter=0.1 seed=N
/// now MS | advance MS | back MS | timer | timeout | resume | online | offline
/// get | start | refresh | refresh-resume | logout | dispose | unauthorized [current|TOKEN]
/// respond[@N] [date=±SECS] JSON          (@N: the N-th fetch instead of the one in flight)
/// fail[@N] STATUS [RETRY_AFTER_S] | fail network | fail timeout | fail invalid
/// login[@N] ok|busy|failed
/// stored none|last|ENTRY | tab last|ENTRY   (ENTRY with \n for newlines)
/// ```
fn parse_script(script: &str) -> (Config, Millis, Vec<Op>) {
    let mut cfg = Config::default();
    let mut now = T0;
    let mut ops = Vec::new();
    let num = |s: &str| s.parse::<u64>().ok();
    for line in script.lines() {
        let (word, rest) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
        let (word, to) = match word.split_once('@') {
            Some((w, n)) => (w, n.parse().map_or(To::Current, To::Earlier)),
            None => (word, To::Current),
        };
        let entry = |r: &str| match r {
            "last" => Entry::Last,
            r => Entry::Raw(r.replace("\\n", "\n")),
        };
        ops.push(match word {
            "config" => {
                for opt in rest.split_whitespace() {
                    let (k, v) = opt.split_once('=').unwrap_or((opt, ""));
                    match k {
                        "login" => cfg.login = true,
                        "persist" => cfg.persist = true,
                        "refreshGrant" => cfg.refresh_grant = true,
                        "margin" => cfg.refresh_margin_ms = num(v),
                        "ttl" => cfg.default_ttl_ms = num(v).unwrap_or(1),
                        "fetch" => cfg.fetch_timeout_ms = num(v).unwrap_or(1),
                        "loginTimeout" => cfg.login_timeout_ms = num(v).unwrap_or(1),
                        "jitter" => cfg.jitter_ratio = v.parse().unwrap_or(0.0),
                        "seed" => cfg.seed = num(v).unwrap_or(0),
                        "retry" => {
                            let r: Vec<u64> = v.split(',').filter_map(num).collect();
                            if let [base, max, attempts] = r[..] {
                                cfg.retry = RetryPolicy { base_delay_ms: base, max_delay_ms: max, max_attempts: attempts as u32 };
                            }
                        }
                        _ => {}
                    }
                }
                continue;
            }
            "now" => {
                now = num(rest).unwrap_or(T0).min(MAX_TIME_MS);
                continue;
            }
            "advance" => Op::Advance(Ms::Full(num(rest).unwrap_or(0))),
            "back" => Op::ClockBack((num(rest).unwrap_or(0) / 10).min(u64::from(u16::MAX)) as u16),
            "timer" => Op::Timer,
            "timeout" => Op::Timeout,
            "resume" => Op::Resume,
            "online" => Op::Online(true),
            "offline" => Op::Online(false),
            "get" => Op::GetToken,
            "start" => Op::Start,
            "refresh" => Op::Refresh,
            "refresh-resume" => Op::RefreshResume,
            "logout" => Op::Logout,
            "dispose" => Op::Dispose,
            "unauthorized" => Op::Unauthorized(match rest {
                "" => Stale::None,
                "current" => Stale::Current,
                t => Stale::Other(t.into()),
            }),
            "respond" => {
                let (date, json) = match rest.strip_prefix("date=") {
                    Some(r) => {
                        let (d, json) = r.split_once(' ').unwrap_or((r, ""));
                        let secs: i64 = d.parse().unwrap_or(0);
                        (Some((secs >= 0, secs.unsigned_abs().min(u64::from(u32::MAX)) as u32)), json)
                    }
                    None => (None, rest),
                };
                Op::Respond(to, Body::Json(json.into()), date)
            }
            "fail" => Op::Fail(
                to,
                match rest.split_whitespace().collect::<Vec<_>>()[..] {
                    ["network"] => Failure::Network,
                    ["timeout"] => Failure::Timeout,
                    ["invalid"] => Failure::Invalid,
                    [status] => Failure::Status(status.parse().unwrap_or(500), None),
                    [status, ra, ..] => Failure::Status(status.parse().unwrap_or(500), ra.parse().ok()),
                    [] => Failure::Network,
                },
            ),
            "login" => Op::Login(to, match rest {
                "ok" => 0,
                "busy" => 1,
                _ => 2,
            }),
            "stored" => Op::Stored(if rest == "none" { None } else { Some(entry(rest)) }),
            "tab" => Op::Tab(entry(rest)),
            _ => continue,
        });
    }
    (cfg, now, ops)
}

#[derive(Default)]
struct H {
    m: Option<Machine>,
    persist: bool,
    /// `refreshMarginMs: 0`.
    now: Millis,
    n: u64,
    /// The fetch in flight: started, not answered, not aborted.
    fetch: Option<OpId>,
    fetches: Vec<OpId>,
    logins: Vec<OpId>,
    login: Option<OpId>,
    waiters: HashSet<WaiterId>,
    settled: HashSet<WaiterId>,
    logged_out: bool,
    disposed: bool,
    last_entry: Option<String>,
    /// `FUZZ_TRACE` set: print every input and action (to read a crash).
    trace: bool,
}

// `Machine` has no Default; `m` is always Some once built.
impl std::ops::Deref for H {
    type Target = Machine;
    fn deref(&self) -> &Machine {
        self.m.as_ref().unwrap()
    }
}
impl std::ops::DerefMut for H {
    fn deref_mut(&mut self) -> &mut Machine {
        self.m.as_mut().unwrap()
    }
}

impl H {
    fn wait(&mut self, r: Result<Request, TokenError>) {
        match r {
            Ok(Request::Wait(w)) => assert!(self.waiters.insert(w), "waiter id {w:?} reused"),
            Ok(Request::Ready) => assert!(self.usable_token(self.now).is_some(), "Ready without a usable token"),
            Err(_) => {}
        }
    }

    fn pick(ops: &[OpId], current: Option<OpId>, to: &To) -> OpId {
        match to {
            To::Current => current.or(ops.last().copied()).unwrap_or(OpId(1)),
            To::Earlier(i) if !ops.is_empty() => ops[usize::from(*i) % ops.len()],
            To::Earlier(i) | To::Raw(i) => OpId(u64::from(*i)),
        }
    }

    fn token(&mut self, t: &Tok) -> String {
        match t {
            Tok::Fresh => {
                self.n += 1;
                format!("tok-{}", self.n)
            }
            Tok::Text(s) => s.clone(),
            Tok::Jwt(secs) => {
                let exp = (self.now / 1000) as i64 + i64::from(*secs);
                jwt_with_payload(format!(r#"{{"sub":"u1","exp":{exp}}}"#).as_bytes())
            }
            Tok::JwtPayload(p) => jwt_with_payload(p),
        }
    }

    fn body(&mut self, b: &Body) -> serde_json::Value {
        let (key, token, expiry, nested, refresh, ws) = match b {
            Body::Json(s) => return serde_json::from_str(s).unwrap_or(serde_json::Value::String(s.clone())),
            Body::Token { key, token, expiry, nested, refresh, ws } => (key, token, expiry, nested, refresh, ws),
        };
        let token = self.token(token);
        let mut data = serde_json::Map::new();
        let mut top = serde_json::Map::new();
        match key % 4 {
            0 => top.insert("authToken".into(), json!(token)),
            1 => top.insert("token".into(), json!(token)),
            2 => top.insert("accessToken".into(), json!(token)),
            _ => data.insert("authToken".into(), json!(token)),
        };
        let now_s = (self.now / 1000) as i64;
        let exp = match expiry {
            Expiry::None => None,
            Expiry::In(s) => Some(("expiresIn", json!(s))),
            Expiry::InStr(s) => Some(("expiresIn", json!(s))),
            Expiry::InFloat(f) => Some(("expiresIn", json!(f))),
            Expiry::AtMs(d) => Some(("expiresAt", json!((self.now as i64).saturating_add(*d)))),
            Expiry::AtSecs(d) => Some(("expiresAt", json!(now_s + i64::from(*d)))),
            Expiry::Junk(b) => Some(("expiresIn", json!({ "v": b }))),
        };
        let extra = [("refreshToken", refresh), ("wsToken", ws)];
        let target = if *nested { &mut data } else { &mut top };
        if let Some((k, v)) = exp {
            target.insert(k.into(), v);
        }
        for (k, v) in extra {
            if let Some(v) = v {
                target.insert(k.into(), json!(v));
            }
        }
        if !data.is_empty() {
            top.insert("data".into(), json!({ "uid": "u1", "createdAt": now_s }));
            top["data"].as_object_mut().unwrap().extend(data);
        }
        serde_json::Value::Object(top)
    }

    fn entry(&mut self, e: &Entry) -> String {
        match e {
            Entry::Valid { age, lifetime, token, refresh, ws } => {
                let issued = self.now.saturating_sub(age.get());
                let expires = issued.saturating_add(lifetime.get()).min(MAX_TIME_MS);
                let token = self.token(token);
                let (r, w) = (refresh.as_deref().unwrap_or(""), ws.as_deref().unwrap_or(""));
                format!("ctm1\n{issued}\n{expires}\n{token}\n{r}\n{w}")
            }
            Entry::Last => self.last_entry.clone().unwrap_or_default(),
            Entry::Raw(s) => s.clone(),
        }
    }

    fn step(&mut self, op: &Op) {
        let now = self.now;
        match op {
            Op::GetToken => {
                let r = self.get_token(now);
                self.wait(r);
            }
            Op::Start => {
                let r = self.start(now);
                if r.is_ok() {
                    self.logged_out = false;
                }
                self.wait(r);
            }
            Op::Refresh => {
                let r = self.refresh(now);
                self.wait(r);
            }
            Op::RefreshResume => {
                let r = self.refresh_for(now, Reason::Resume);
                self.wait(r);
            }
            Op::Unauthorized(stale) => {
                let stale = match stale {
                    Stale::None => None,
                    Stale::Current => self.current().map(|i| i.token.clone()),
                    Stale::Other(s) => Some(s.clone()),
                };
                let r = self.handle_unauthorized(now, stale.as_deref());
                self.wait(r);
            }
            Op::Logout => {
                if self.m.as_mut().unwrap().logout(now).is_ok() {
                    self.logged_out = true;
                }
            }
            Op::Dispose => {
                self.dispose();
                self.disposed = true;
            }
            Op::Respond(to, body, date) => {
                let op = Self::pick(&self.fetches, self.fetch, to);
                let body = self.body(body);
                let date = date.map(|(ahead, s)| {
                    let d = u64::from(s) * 1000;
                    if ahead { now.saturating_add(d) } else { now.saturating_sub(d) }
                });
                self.answered(op);
                self.handle_fetch_response(now, op, &JsonFields(&body), date);
            }
            Op::Fail(to, failure) => {
                let op = Self::pick(&self.fetches, self.fetch, to);
                let err = match failure {
                    Failure::Status(s, ra) => TokenError::from_status(*s, ra.map(u64::from)),
                    Failure::Network => TokenError::new(ErrorKind::Network),
                    Failure::Timeout => TokenError::new(ErrorKind::Timeout),
                    Failure::Invalid => TokenError::invalid_response("body", "is not JSON"),
                };
                self.answered(op);
                self.handle_fetch_failed(now, op, err);
            }
            Op::Login(to, r) => {
                let op = Self::pick(&self.logins, self.login, to);
                if self.login == Some(op) {
                    self.login = None;
                }
                let r = [LoginResult::Ok, LoginResult::InProgress, LoginResult::Failed][usize::from(*r) % 3];
                self.handle_login_result(now, op, r);
            }
            Op::Timer => {
                if let Some(at) = self.poll_timeout() {
                    self.now = self.now.max(at.min(MAX_TIME_MS));
                }
                self.fire();
            }
            Op::Timeout => self.fire(),
            Op::Resume => self.resume(now),
            Op::Online(on) => self.set_online(now, *on),
            Op::Stored(e) => {
                let e = e.as_ref().map(|e| self.entry(e));
                self.handle_stored(now, e.as_deref());
            }
            Op::Tab(e) => {
                let e = self.entry(e);
                self.handle_tab_token(now, &e);
            }
            Op::Advance(ms) => self.now = self.now.saturating_add(ms.get()).min(MAX_TIME_MS),
            Op::ClockBack(ms) => self.now = self.now.saturating_sub(u64::from(*ms) * 10),
        }
    }

    fn answered(&mut self, op: OpId) {
        if self.fetch == Some(op) {
            self.fetch = None;
        }
    }

    /// `handle_timeout` at `now`, then again while the timer is still due: it must settle.
    fn fire(&mut self) {
        let now = self.now;
        self.handle_timeout(now);
        for _ in 0..16 {
            self.drain();
            if !self.poll_timeout().is_some_and(|at| at <= now) {
                return;
            }
            self.handle_timeout(now);
        }
        panic!("timer keeps firing at {now}: poll_timeout = {:?}", self.poll_timeout());
    }

    fn drain(&mut self) {
        let ended = self.logged_out || self.disposed;
        while let Some(a) = self.poll_action() {
            if self.trace {
                eprintln!("    {a:?}");
            }
            match a {
                Action::Fetch { op, attempt, .. } => {
                    assert!(!ended, "Fetch after logout/dispose");
                    assert!(attempt >= 1);
                    if let Some(other) = self.fetch {
                        panic!("Fetch {op:?} while fetch {other:?} is in flight");
                    }
                    self.fetch = Some(op);
                    self.fetches.push(op);
                }
                Action::AbortFetch { op } => {
                    assert!(self.fetches.contains(&op), "AbortFetch of a fetch never started: {op:?}");
                    self.answered(op);
                }
                Action::Login { op, info } => {
                    assert!(!ended, "Login after logout/dispose");
                    assert!(!info.token.trim().is_empty());
                    self.login = Some(op);
                    self.logins.push(op);
                }
                Action::UndoLogin => assert!(self.logged_out, "UndoLogin outside a logout"),
                Action::LoadStored => assert!(self.persist && !ended, "LoadStored without storage or after logout"),
                Action::Persist(s) => {
                    assert!(self.persist && !ended, "Persist without storage or after logout");
                    // Written as a shell writes it (nothing for a token format cannot hold),
                    // it reads back as the same entry.
                    let Some(e) = stored::format(&s) else { continue };
                    assert_eq!(stored::parse(&e).as_ref(), Some(&s), "persisted an unreadable entry {e:?}");
                    self.last_entry = Some(e);
                }
                Action::Share(s) => {
                    assert!(!ended, "Share after logout");
                    let Some(e) = stored::format(&s) else { continue };
                    assert_eq!(stored::parse(&e).as_ref(), Some(&s), "shared an unreadable entry {e:?}");
                    self.last_entry = Some(e);
                }
                Action::ClearStored => assert!(self.persist, "ClearStored without storage"),
                Action::Settle { waiters, result } => {
                    assert!(!waiters.is_empty(), "Settle with no waiters");
                    for w in waiters {
                        assert!(self.waiters.contains(&w), "settled an unknown waiter {w:?}");
                        assert!(self.settled.insert(w), "waiter {w:?} settled twice");
                    }
                    if let Ok(info) = result {
                        assert!(!info.token.trim().is_empty());
                    }
                }
                Action::Emit(Event::Token(info)) => {
                    assert!(!ended, "token event after logout/dispose");
                    assert!(!info.token.trim().is_empty());
                }
                Action::Emit(_) | Action::Log { .. } => {}
            }
        }
    }

    fn check(&mut self) {
        if self.disposed {
            assert_eq!(self.state(), State::Disposed);
        } else if self.logged_out {
            assert_eq!(self.state(), State::LoggedOut);
        }
        if self.disposed || self.logged_out {
            assert_eq!(self.poll_timeout(), None, "a timer after logout/dispose");
            assert!(self.current().is_none(), "a token after logout/dispose");
        }
        if let Some(i) = self.current() {
            assert!(i.refresh_at < i.expires_at, "refresh at {} not before expiry {}", i.refresh_at, i.expires_at);
            assert!(i.issued_at <= i.refresh_at, "refresh at {} before issue {}", i.refresh_at, i.issued_at);
        }
    }
}
