//! A fake-clock harness: drives the machine the way a shell would, recording every action.
#![allow(dead_code)]

use chat_token_core::*;

pub const T0: Millis = 1_700_000_000_000;
pub const HOUR: Millis = 3_600_000;

/// A token response as dotted paths (`"data.authToken"`).
#[derive(Clone, Debug)]
pub struct Body(pub Vec<(&'static str, Value)>);

impl Fields for Body {
    fn is_object(&self) -> bool {
        true
    }
    fn get(&self, path: &[&str]) -> Value {
        let key = path.join(".");
        self.0.iter().find(|(k, _)| *k == key).map_or(Value::Missing, |(_, v)| v.clone())
    }
}

pub fn token(t: &str, expires_in_s: f64) -> Body {
    Body(vec![("authToken", Value::Str(t.into())), ("expiresIn", Value::Num(expires_in_s))])
}

pub fn cfg() -> Config {
    Config { login: true, ..Config::default() }
}

pub struct H {
    pub m: Machine,
    pub now: Millis,
    /// Fetches started and not yet answered or aborted.
    pub fetches: Vec<(OpId, Reason, u32)>,
    pub fetch_log: Vec<(Millis, Reason, u32)>,
    /// The grant of every fetch started, in order.
    pub grants: Vec<Grant>,
    pub logins: Vec<(OpId, TokenInfo)>,
    pub login_log: Vec<Millis>,
    pub settled: Vec<(WaiterId, Result<TokenInfo, TokenError>)>,
    pub events: Vec<(Millis, Event)>,
    pub aborted: Vec<OpId>,
    pub undo_logins: usize,
    pub logs: Vec<(Level, &'static str, Option<&'static str>)>,
    /// The persisted entry, as a shell with storage would keep it.
    pub storage: Option<String>,
    pub loads: usize,
    /// Entries offered to other tabs.
    pub shared: Vec<String>,
}

impl H {
    pub fn new(cfg: Config) -> Self {
        Self {
            m: Machine::new(cfg).expect("valid config"),
            now: T0,
            fetches: vec![],
            fetch_log: vec![],
            grants: vec![],
            logins: vec![],
            login_log: vec![],
            settled: vec![],
            events: vec![],
            aborted: vec![],
            undo_logins: 0,
            logs: vec![],
            storage: None,
            loads: 0,
            shared: vec![],
        }
    }

    pub fn drain(&mut self) {
        while let Some(a) = self.m.poll_action() {
            match a {
                Action::Fetch { op, reason, attempt, grant } => {
                    assert!(self.fetches.is_empty(), "a second fetch while one is in flight");
                    self.fetches.push((op, reason, attempt));
                    self.fetch_log.push((self.now, reason, attempt));
                    self.grants.push(grant);
                }
                Action::AbortFetch { op } => {
                    self.fetches.retain(|f| f.0 != op);
                    self.aborted.push(op);
                }
                Action::Login { op, info } => {
                    self.logins.push((op, info));
                    self.login_log.push(self.now);
                }
                Action::UndoLogin => self.undo_logins += 1,
                Action::Settle { waiters, result } => {
                    self.settled.extend(waiters.into_iter().map(|w| (w, result.clone())));
                }
                Action::Emit(e) => self.events.push((self.now, e)),
                Action::Log { level, message, code } => self.logs.push((level, message, code.map(|c| c.as_str()))),
                Action::LoadStored => self.loads += 1,
                // As a shell does: the entry's text, nothing for a token it cannot hold.
                Action::Persist(entry) => {
                    if let Some(text) = stored::format(&entry) {
                        self.storage = Some(text);
                    }
                }
                Action::ClearStored => self.storage = None,
                Action::Share(entry) => self.shared.extend(stored::format(&entry)),
            }
        }
    }

    /// Moves the clock forward, firing every timer on the way exactly when it is due.
    pub fn advance(&mut self, ms: Millis) {
        let target = self.now + ms;
        while let Some(at) = self.m.poll_timeout() {
            if at > target {
                break;
            }
            self.now = self.now.max(at);
            self.m.handle_timeout(self.now);
            self.drain();
        }
        self.now = target;
    }

    /// Advances until a fetch is in flight (at most `limit` ms).
    pub fn advance_to_fetch(&mut self, limit: Millis) -> bool {
        let end = self.now + limit;
        while self.fetches.is_empty() {
            match self.m.poll_timeout() {
                Some(at) if at <= end => {
                    self.now = self.now.max(at);
                    self.m.handle_timeout(self.now);
                    self.drain();
                }
                _ => return false,
            }
        }
        true
    }

    /// Answers a pending `LoadStored` with what storage holds.
    pub fn load(&mut self) {
        assert!(self.loads > 0, "no load requested");
        self.loads -= 1;
        let entry = self.storage.clone();
        self.m.handle_stored(self.now, entry.as_deref());
        self.drain();
    }

    pub fn get_token(&mut self) -> Result<Request, TokenError> {
        let r = self.m.get_token(self.now);
        self.drain();
        r
    }

    pub fn start(&mut self) -> Result<Request, TokenError> {
        let r = self.m.start(self.now);
        self.drain();
        r
    }

    pub fn take_fetch(&mut self) -> OpId {
        assert_eq!(self.fetches.len(), 1, "expected one fetch in flight");
        self.fetches.remove(0).0
    }

    pub fn respond(&mut self, body: Body) {
        let op = self.take_fetch();
        self.m.handle_fetch_response(self.now, op, &body, None);
        self.drain();
    }

    pub fn fail(&mut self, err: TokenError) {
        let op = self.take_fetch();
        self.m.handle_fetch_failed(self.now, op, err);
        self.drain();
    }

    pub fn login_ok(&mut self) {
        let (op, _) = self.logins.remove(0);
        self.m.handle_login_result(self.now, op, LoginResult::Ok);
        self.drain();
    }

    pub fn login(&mut self, result: LoginResult) {
        let (op, _) = self.logins.remove(0);
        self.m.handle_login_result(self.now, op, result);
        self.drain();
    }

    /// Fetch answered with `body` and login succeeded.
    pub fn deliver(&mut self, body: Body) {
        self.respond(body);
        if !self.logins.is_empty() {
            self.login_ok();
        }
    }

    pub fn token_events(&self) -> Vec<TokenInfo> {
        self.events.iter().filter_map(|(_, e)| if let Event::Token(i) = e { Some(i.clone()) } else { None }).collect()
    }

    pub fn error_events(&self) -> Vec<TokenError> {
        self.events.iter().filter_map(|(_, e)| if let Event::Error(i) = e { Some(i.clone()) } else { None }).collect()
    }

    pub fn count_events(&self, pred: impl Fn(&Event) -> bool) -> usize {
        self.events.iter().filter(|(_, e)| pred(e)).count()
    }

    pub fn result_of(&self, w: WaiterId) -> Option<&Result<TokenInfo, TokenError>> {
        self.settled.iter().find(|(id, _)| *id == w).map(|(_, r)| r)
    }

    pub fn current_token(&self) -> Option<String> {
        self.m.usable_token(self.now).map(|i| i.token.clone())
    }
}

pub fn wait(r: Result<Request, TokenError>) -> WaiterId {
    match r {
        Ok(Request::Wait(w)) => w,
        other => panic!("expected to wait, got {other:?}"),
    }
}

pub fn status(code: u16) -> TokenError {
    TokenError::from_status(code, None)
}
