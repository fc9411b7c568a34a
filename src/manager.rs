//! The manager's shell: the core's [`Machine`] plus the I/O it asks for.
//!
//! Drain-then-act: every input mutates the machine under a short borrow, then
//! [`Inner::drive`] drains its actions one at a time and carries each out with no borrow held,
//! so app callbacks (login, fetchToken, listeners, storage adapters) may call back into the
//! manager. One `gloo_timers` timeout is re-armed to the machine's next deadline.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chat_token_core::{
    parse::{parse_http_date, parse_retry_after, MAX_TIME_MS},
    stored, Action, ErrorKind, Event, Grant, Level, LoginResult, Machine, Millis, OpId, Reason, Request, TokenError, TokenInfo,
};
use gloo_timers::callback::Timeout;
use js_sys::{Function, Promise};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};

use crate::errors;
use crate::fetch::{self, JsFields};
use crate::js::{self, get};
use crate::options::{Logger, Options, TokenSource};
use crate::platform::{self, Bus, HeldLock, Listener, LockManager, Message, Subscription};

/// The longest single sleep: every wake-up re-checks against the wall clock.
const WATCHDOG_MS: Millis = 30_000;
/// How long a starting tab waits for its peers' token before fetching its own.
const PEER_WAIT_MS: Millis = 250;
const LOG_PREFIX: &str = "[chat-token-manager]";

/// The events `on()` accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventName {
    Token,
    Error,
    State,
    Expired,
    LoggedOut,
}

impl EventName {
    fn parse(name: &str) -> Option<EventName> {
        Some(match name {
            "token" => EventName::Token,
            "error" => EventName::Error,
            "state" => EventName::State,
            "expired" => EventName::Expired,
            "loggedOut" => EventName::LoggedOut,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            EventName::Token => "token",
            EventName::Error => "error",
            EventName::State => "state",
            EventName::Expired => "expired",
            EventName::LoggedOut => "loggedOut",
        }
    }
}

/// A caller waiting for a token: its promise's resolvers, and whether it wants the whole
/// `TokenInfo` (`start`, `refresh`, `handleUnauthorized`) or only the token (`getToken`).
struct Waiter {
    resolve: Function,
    reject: Function,
    info: bool,
}

/// The manager's I/O state (never borrowed across a call into JavaScript).
#[derive(Default)]
struct Io {
    /// Callers waiting, by the machine's waiter id (a handful at most: a list).
    waiters: Vec<(u64, Waiter)>,
    /// Fetches in flight, by op: their abort controllers (`None` where the platform has none)
    /// and, once granted, the cross-tab lock (released when the entry goes).
    fetches: Vec<(u64, Option<web_sys::AbortController>, Option<HeldLock>)>,
    listeners: Vec<(u32, EventName, Function)>,
    next_listener: u32,
    /// The one timer and the deadline it was armed for.
    timer: Option<(Millis, Timeout)>,
    /// Wake-up, network and cross-tab listeners.
    hooks: Vec<Listener>,
    app_state: Option<Subscription>,
    presence: Option<HeldLock>,
    /// A resolved promise of the current token: `getToken()`'s answer until `until`.
    token: Option<Promise>,
    until: Option<Millis>,
    background: bool,
    /// Bumped by each storage read and by `logout()`: a read that answers later is dropped.
    load_generation: u64,
}

pub(crate) struct Inner {
    machine: RefCell<Machine>,
    io: RefCell<Io>,
    options: Options,
    /// The storage backend, `None` for memory (also after it failed once).
    storage: RefCell<Option<JsValue>>,
    bus: Option<Bus>,
    locks: Option<LockManager>,
    /// Managers share tokens across tabs only with the same storageKey and endpoint.
    scope: String,
    dead: Cell<bool>,
}

/// Serializes the core's outputs (`TokenInfo`, snapshots) into plain JavaScript objects,
/// `None` as `null`.
pub(crate) fn to_js(value: &impl Serialize) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true)).unwrap_or(JsValue::UNDEFINED)
}

/// A whole number in decimal, as JavaScript writes it (no `core::fmt` in the module).
fn decimal(n: f64) -> String {
    js_sys::Number::from(n).to_string_with_radix(10).map(String::from).unwrap_or_default()
}

/// The refresh grant's request body: `refreshEndpoint.body(refreshToken)`, else
/// `{ refreshToken }` (sent as JSON).
fn refresh_body(e: &crate::options::Endpoint, refresh_token: &str) -> Result<JsValue, JsValue> {
    let refresh_token = JsValue::from_str(refresh_token);
    match e.body.dyn_ref::<Function>() {
        Some(body) => body.call1(&JsValue::UNDEFINED, &refresh_token),
        None => {
            let body = js::object();
            js::set(&body, "refreshToken", &refresh_token);
            Ok(body)
        }
    }
}

fn is_login_in_progress(e: &JsValue) -> bool {
    ["name", "code"].iter().any(|k| get(e, k).as_string().as_deref() == Some("LOGIN_IN_PROGRESS"))
}

impl Inner {
    pub(crate) fn new(options: Options) -> Result<Rc<Inner>, JsValue> {
        let machine = Machine::new(options.config.clone()).map_err(|e| errors::to_js(&e))?;
        let endpoint_url = match &options.source {
            TokenSource::Endpoint(e) => e.url.as_str(),
            TokenSource::FetchToken(_) => "",
        };
        let scope = ["chat-token-manager:", &options.storage_key, "|", endpoint_url].concat();
        let bus = if options.cross_tab { Bus::open(&scope) } else { None };
        // Web Locks, used (and looked up) only with a bus.
        let locks = bus.as_ref().and_then(|_| LockManager::find());
        let inner = Rc::new(Inner {
            machine: RefCell::new(machine),
            io: RefCell::default(),
            storage: RefCell::new(options.storage.clone()),
            options,
            bus,
            locks,
            scope,
            dead: Cell::new(false),
        });
        for warning in &inner.options.warnings {
            inner.log(Level::Warn, warning, None);
        }
        if let Some(app_state) = &inner.options.app_state {
            let background = get(app_state, "currentState").as_string().as_deref() == Some("background");
            inner.io.borrow_mut().background = background;
            let weak = Rc::downgrade(&inner);
            let subscription = Subscription::new(app_state, move |state| {
                let Some(inner) = weak.upgrade() else { return };
                if let Some(state @ ("active" | "background")) = state.as_string().as_deref() {
                    inner.set_app_state(state == "background");
                }
            });
            inner.io.borrow_mut().app_state = Some(subscription);
        }
        inner.install();
        Ok(inner)
    }

    // ----- inputs -------------------------------------------------------------------------

    /// The manager's clock: the `now` option, else `Date.now()` (also when `now` throws or
    /// answers something that is not a time).
    fn now(&self) -> Millis {
        let custom = self.options.clock.as_ref().and_then(|f| f.call0(&JsValue::UNDEFINED).ok()).and_then(|t| t.as_f64());
        let t = custom.filter(|t| *t >= 0.0 && t.is_finite()).unwrap_or_else(js_sys::Date::now);
        (t as Millis).min(MAX_TIME_MS)
    }

    /// Feeds one input to the machine at the current time, then drives.
    fn input<R>(self: &Rc<Self>, f: impl FnOnce(&mut Machine, Millis) -> R) -> R {
        let now = self.now();
        let r = f(&mut self.machine.borrow_mut(), now);
        self.drive();
        r
    }

    /// Carries out the machine's actions, then re-arms the one timer.
    fn drive(self: &Rc<Self>) {
        loop {
            let action = self.machine.borrow_mut().poll_action();
            match action {
                Some(action) => self.act(action),
                None => break,
            }
        }
        let (deadline, until) = {
            let m = self.machine.borrow();
            (m.poll_timeout(), m.ready_until())
        };
        let now = self.now();
        let mut io = self.io.borrow_mut();
        io.until = until;
        match deadline {
            Some(deadline) if !io.background => {
                if io.timer.as_ref().map(|(at, _)| *at) != Some(deadline) {
                    let delay = deadline.saturating_sub(now).min(WATCHDOG_MS) as u32;
                    let inner = self.clone();
                    let timeout = Timeout::new(delay, move || {
                        // Taken out first: the timer is spent (dropping it here is safe: wasm-bindgen
                        // frees a running closure only once it returns).
                        let spent = inner.io.borrow_mut().timer.take();
                        drop(spent);
                        inner.input(|m, now| m.handle_timeout(now));
                    });
                    // The old timer (if any) is cancelled by the drop.
                    io.timer = Some((deadline, timeout));
                }
            }
            _ => io.timer = None,
        }
    }

    /// Turns the machine's answer to a request into the promise a method returns, then drives.
    fn answer(self: &Rc<Self>, r: Result<Request, TokenError>, info: bool) -> Promise {
        let promise = match r {
            Ok(Request::Ready) => {
                let m = self.machine.borrow();
                let value = match m.current() {
                    Some(i) if info => to_js(i),
                    Some(i) => JsValue::from_str(&i.token),
                    None => JsValue::UNDEFINED,
                };
                Promise::resolve(&value)
            }
            Err(e) => Promise::reject(&errors::to_js(&e)),
            Ok(Request::Wait(id)) => {
                let mut resolvers = None;
                let promise = Promise::new(&mut |resolve, reject| resolvers = Some((resolve, reject)));
                if let Some((resolve, reject)) = resolvers {
                    self.io.borrow_mut().waiters.push((id.0, Waiter { resolve, reject, info }));
                }
                promise
            }
        };
        self.drive();
        promise
    }

    pub(crate) fn start(self: &Rc<Self>) -> Promise {
        let r = self.with_now(|m, now| m.start(now));
        self.answer(r, true)
    }

    pub(crate) fn get_token(self: &Rc<Self>) -> Promise {
        // The hot path: until `until`, the current token's promise is the answer, as is.
        let now = self.now();
        {
            let io = self.io.borrow();
            if let (Some(promise), Some(until)) = (&io.token, io.until) {
                if now < until {
                    return promise.clone();
                }
            }
        }
        let r = self.machine.borrow_mut().get_token(now);
        if let (Ok(Request::Ready), Some(promise)) = (&r, self.io.borrow().token.clone()) {
            self.drive();
            return promise;
        }
        self.answer(r, false)
    }

    pub(crate) fn refresh(self: &Rc<Self>) -> Promise {
        let r = self.with_now(|m, now| m.refresh(now));
        self.answer(r, true)
    }

    pub(crate) fn handle_unauthorized(self: &Rc<Self>, stale: Option<String>) -> Promise {
        let r = self.with_now(|m, now| m.handle_unauthorized(now, stale.as_deref()));
        self.answer(r, true)
    }

    /// Runs `f` on the machine at the current time, without driving.
    fn with_now<R>(&self, f: impl FnOnce(&mut Machine, Millis) -> R) -> R {
        let now = self.now();
        f(&mut self.machine.borrow_mut(), now)
    }

    pub(crate) fn logout(self: &Rc<Self>) -> Promise {
        self.io.borrow_mut().load_generation += 1;
        let r = self.input(|m, now| m.logout(now));
        let ended = match r {
            Ok(ended) => ended,
            Err(e) => return Promise::reject(&errors::to_js(&e)),
        };
        if ended {
            if let Some(bus) = &self.bus {
                self.set_marker(None);
                bus.post(&Message::Logout);
            }
        }
        let Some(logout) = self.options.logout.as_ref().filter(|_| ended) else { return Promise::resolve(&JsValue::UNDEFINED) };
        match logout.call0(&JsValue::UNDEFINED) {
            // Settles as the app's logout does, with no value.
            Ok(v) => {
                let mut resolvers = None;
                let done = Promise::new(&mut |resolve, reject| resolvers = Some((resolve, reject)));
                if let Some((resolve, reject)) = resolvers {
                    platform::on_settled(&Promise::resolve(&v), move |settled| {
                        let _ = match settled {
                            Ok(_) => resolve.call0(&JsValue::UNDEFINED),
                            Err(e) => reject.call1(&JsValue::UNDEFINED, &e),
                        };
                    });
                }
                done
            }
            Err(e) => Promise::reject(&e),
        }
    }

    pub(crate) fn dispose(self: &Rc<Self>) {
        self.dead.set(true);
        self.machine.borrow_mut().dispose();
        self.drive();
        // Released outside the borrow: dropping them calls into JavaScript.
        let (timer, hooks, app_state, presence) = {
            let mut io = self.io.borrow_mut();
            io.listeners.clear();
            io.token = None;
            (io.timer.take(), std::mem::take(&mut io.hooks), io.app_state.take(), io.presence.take())
        };
        drop((timer, hooks, app_state, presence));
        if let Some(bus) = &self.bus {
            bus.close();
        }
    }

    pub(crate) fn on(self: &Rc<Self>, event: &JsValue, listener: JsValue) -> Result<Function, JsValue> {
        let name = event
            .as_string()
            .and_then(|e| EventName::parse(&e))
            .ok_or_else(|| errors::invalid("event", "'token', 'error', 'state', 'expired' or 'loggedOut'"))?;
        let listener: Function = listener.dyn_into().map_err(|_| errors::invalid("listener", "a function"))?;
        let id = {
            let mut io = self.io.borrow_mut();
            io.next_listener += 1;
            let id = io.next_listener;
            io.listeners.push((id, name, listener));
            id
        };
        let weak = Rc::downgrade(self);
        let off = Closure::<dyn FnMut()>::new(move || {
            if let Some(inner) = weak.upgrade() {
                inner.io.borrow_mut().listeners.retain(|(l, ..)| *l != id);
            }
        });
        Ok(off.into_js_value().unchecked_into())
    }

    /// React Native's app state: in the background the timer is stopped (no wake-ups); back
    /// in the foreground the machine re-checks at once.
    pub(crate) fn set_app_state(self: &Rc<Self>, background: bool) {
        self.io.borrow_mut().background = background;
        if self.dead.get() {
            return;
        }
        if background {
            let timer = self.io.borrow_mut().timer.take();
            drop(timer);
        } else {
            self.input(|m, now| m.resume(now));
        }
    }

    pub(crate) fn state(&self) -> &'static str {
        self.machine.borrow().state().as_str()
    }

    pub(crate) fn snapshot(&self) -> JsValue {
        to_js(&self.machine.borrow().snapshot())
    }

    // ----- actions ------------------------------------------------------------------------

    fn act(self: &Rc<Self>, action: Action) {
        match action {
            Action::Fetch { op, reason, attempt, grant } => self.fetch(op, reason, attempt, grant),
            Action::AbortFetch { op } => {
                // Dropping the entry also releases the cross-tab lock, if it held it.
                if let Some((Some(controller), _lock)) = self.take_fetch(op) {
                    controller.abort();
                }
            }
            Action::Login { op, info } => self.login(op, info),
            Action::UndoLogin => self.app_logout(),
            Action::LoadStored => self.load(),
            Action::Persist(entry) => {
                if let Some(text) = stored::format(&entry) {
                    self.write("setItem", Some(&text));
                }
            }
            Action::ClearStored => self.write("removeItem", None),
            Action::Share(entry) => {
                if let (Some(bus), Some(text)) = (&self.bus, stored::format(&entry)) {
                    self.set_marker(Some((entry.issued_at, entry.expires_at)));
                    bus.post(&Message::Token(text));
                }
            }
            Action::Settle { waiters, result } => {
                let value = match &result {
                    Ok(info) => Ok((to_js(info), JsValue::from_str(&info.token))),
                    Err(e) => Err(errors::to_js(e)),
                };
                for id in waiters {
                    let Some(waiter) = self.take_waiter(id.0) else { continue };
                    let _ = match &value {
                        Ok((info, _)) if waiter.info => waiter.resolve.call1(&JsValue::UNDEFINED, info),
                        Ok((_, token)) => waiter.resolve.call1(&JsValue::UNDEFINED, token),
                        Err(e) => waiter.reject.call1(&JsValue::UNDEFINED, e),
                    };
                }
            }
            Action::Emit(event) => match event {
                Event::Token(info) => {
                    self.io.borrow_mut().token = Some(Promise::resolve(&JsValue::from_str(&info.token)));
                    self.emit(EventName::Token, &to_js(&info), self.options.on_token_refresh.as_ref());
                }
                Event::Error(e) => self.emit(EventName::Error, &errors::to_js(&e), self.options.on_refresh_error.as_ref()),
                Event::State(state) => self.emit(EventName::State, &JsValue::from_str(state.as_str()), None),
                Event::Expired => self.emit(EventName::Expired, &JsValue::UNDEFINED, None),
                Event::LoggedOut => {
                    self.io.borrow_mut().token = None;
                    self.emit(EventName::LoggedOut, &JsValue::UNDEFINED, None);
                }
            },
            Action::Log { level, message, code } => self.log(level, message, code.as_ref().map(|c| c.as_str())),
        }
    }

    fn emit(&self, event: EventName, payload: &JsValue, callback: Option<&Function>) {
        let targets: Vec<Function> = {
            let io = self.io.borrow();
            callback.cloned().into_iter().chain(io.listeners.iter().filter(|(_, e, _)| *e == event).map(|(.., f)| f.clone())).collect()
        };
        for f in targets {
            if f.call1(&JsValue::UNDEFINED, payload).is_err() {
                self.log(Level::Error, "an event listener threw; the manager carries on", Some(event.as_str()));
            }
        }
    }

    fn log(&self, level: Level, message: &str, code: Option<&str>) {
        let target = match &self.options.logger {
            Logger::Silent => return,
            // No logger option: warnings and errors go to the console.
            Logger::Console if level < Level::Warn => return,
            Logger::Console => get(&js::global(), "console"),
            Logger::Custom(logger) => logger.clone(),
        };
        let method = match level {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        };
        let (prefix, message) = (JsValue::from_str(LOG_PREFIX), JsValue::from_str(message));
        // A line without a code has no third argument (a console would print `undefined`).
        let _ = match code {
            Some(code) => js::call(&target, method, &[&prefix, &message, &JsValue::from_str(code)]),
            None => js::call(&target, method, &[&prefix, &message]),
        };
    }

    /// Calls the app's `logout` without waiting for it (another tab's logout, or undoing a
    /// login that succeeded after a logout).
    fn app_logout(&self) {
        if let Some(Ok(v)) = self.options.logout.as_ref().map(|f| f.call0(&JsValue::UNDEFINED)) {
            platform::ignore(Promise::resolve(&v));
        }
    }

    fn login(self: &Rc<Self>, op: OpId, info: TokenInfo) {
        let Some(login) = &self.options.login else { return };
        let call = login.call2(&JsValue::UNDEFINED, &JsValue::from_str(&info.token), &to_js(&info));
        // A login that throws is reported as failed, as a rejected one is (never synchronously:
        // the machine is told in a later job either way).
        let settled = call.map_or_else(|e| Promise::reject(&e), |v| Promise::resolve(&v));
        let inner = self.clone();
        platform::on_settled(&settled, move |settled| {
            // CometChat rejects a second concurrent login with LOGIN_IN_PROGRESS.
            let result = match settled {
                Ok(_) => LoginResult::Ok,
                Err(e) if is_login_in_progress(&e) => LoginResult::InProgress,
                Err(_) => LoginResult::Failed,
            };
            inner.input(|m, now| m.handle_login_result(now, op, result));
        });
    }

    // ----- fetching -----------------------------------------------------------------------

    fn fetch(self: &Rc<Self>, op: OpId, reason: Reason, attempt: u32, grant: Grant) {
        let controller = web_sys::AbortController::new().ok();
        let signal = controller.as_ref().map(|c| c.signal());
        self.io.borrow_mut().fetches.push((op.0, controller, None));
        let Some(locks) = &self.locks else {
            // No Web Locks (or no cross-tab): no election, but a tab still asks its peers first.
            let inner = self.clone();
            spawn_local(async move { inner.ask_then_fetch(op, reason, attempt, signal, grant).await });
            return;
        };
        // Cross-tab: fetch only while holding the origin-wide lock. It is held until the
        // fetch's answer is handled (the new token shared) or the fetch is aborted (fetch
        // timeout, logout, dispose, a token from another tab): as long as the fetch's entry
        // lives, never longer. A retry steals the lock from a frozen holder.
        // Weak: a wait that is aborted never calls back, and must not keep the manager alive.
        let weak = Rc::downgrade(self);
        let lock_signal = signal.clone();
        let granted = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
            let Some(inner) = weak.upgrade() else { return JsValue::UNDEFINED };
            let mut resolver = None;
            let held = Promise::new(&mut |resolve, _| resolver = Some(resolve));
            {
                let mut io = inner.io.borrow_mut();
                let Some(entry) = io.fetches.iter_mut().find(|(id, ..)| *id == op.0) else { return JsValue::UNDEFINED };
                entry.2 = resolver.map(HeldLock);
            }
            spawn_local(async move { inner.ask_then_fetch(op, reason, attempt, signal, grant).await });
            held.into()
        });
        let options = js::object();
        if attempt > 1 {
            js::set(&options, "steal", &JsValue::TRUE);
        } else if let Some(signal) = &lock_signal {
            js::set(&options, "signal", signal);
        }
        // An aborted wait rejects: the machine has already moved on.
        if let Ok(request) = locks.request(&self.scope, &options, &granted) {
            platform::ignore(request);
        }
    }

    fn in_flight(&self, op: OpId) -> bool {
        self.io.borrow().fetches.iter().any(|(id, ..)| *id == op.0)
    }

    /// Forgets fetch `op`; its abort controller and the cross-tab lock it holds, if it was in
    /// flight (dropping the lock releases it).
    fn take_fetch(&self, op: OpId) -> Option<(Option<web_sys::AbortController>, Option<HeldLock>)> {
        let mut io = self.io.borrow_mut();
        let i = io.fetches.iter().position(|(id, ..)| *id == op.0)?;
        let (_, controller, lock) = io.fetches.swap_remove(i);
        Some((controller, lock))
    }

    fn take_waiter(&self, id: u64) -> Option<Waiter> {
        let mut io = self.io.borrow_mut();
        let i = io.waiters.iter().position(|(w, _)| *w == id)?;
        Some(io.waiters.swap_remove(i).1)
    }

    /// Fetches a token. If another tab fetched a newer usable token, asks the tabs for it
    /// first: an answer arrives as a tab token and supersedes this fetch. Nobody answering
    /// costs a short wait.
    async fn ask_then_fetch(self: Rc<Self>, op: OpId, reason: Reason, attempt: u32, signal: Option<web_sys::AbortSignal>, grant: Grant) {
        if let (1, Some(bus), false) = (attempt, &self.bus, self.dead.get()) {
            if self.peer_newer() && self.peers_alive().await {
                bus.post(&Message::Hello);
                let wait = (self.options.config.fetch_timeout_ms / 4).min(PEER_WAIT_MS);
                gloo_timers::future::TimeoutFuture::new(wait as u32).await;
            }
        }
        // A logout or dispose since the fetch was asked for: no request at all.
        if !self.in_flight(op) {
            return;
        }
        // The app's `fetchToken`, or the built-in fetch of an endpoint with its body: the
        // refresh grant's, or the token source's.
        enum Via<'a> {
            App(&'a Function),
            Fetch(&'a crate::options::Endpoint, Result<JsValue, JsValue>),
        }
        let via = match (&grant, &self.options.refresh_endpoint, &self.options.source) {
            (Grant::Refresh(refresh_token), Some(e), _) => Via::Fetch(e, refresh_body(e, refresh_token)),
            (_, _, TokenSource::Endpoint(e)) => Via::Fetch(e, Ok(e.body.clone())),
            (_, _, TokenSource::FetchToken(f)) => Via::App(f),
        };
        let request = match via {
            Via::App(f) => {
                let ctx = js::object();
                js::set(&ctx, "reason", &JsValue::from_str(reason.as_str()));
                js::set(&ctx, "attempt", &JsValue::from(attempt));
                js::set(&ctx, "signal", signal.as_ref().map_or(&JsValue::UNDEFINED, |s| s.as_ref()));
                let previous = self.machine.borrow().current().map_or(JsValue::NULL, to_js);
                js::set(&ctx, "previous", &previous);
                f.call1(&JsValue::UNDEFINED, &ctx).map(|v| Promise::resolve(&v))
            }
            Via::Fetch(e, body) => {
                let headers = if e.headers.is_function() {
                    match e.headers.unchecked_ref::<Function>().call0(&JsValue::UNDEFINED) {
                        Ok(h) => JsFuture::from(Promise::resolve(&h)).await,
                        Err(thrown) => Err(thrown),
                    }
                } else {
                    Ok(e.headers.clone())
                };
                // Logged out while the app's headers were computed: no request.
                if !self.in_flight(op) {
                    return;
                }
                body.and_then(|body| headers.and_then(|h| fetch::request_init(e, &body, &h, signal.as_ref())))
                    .and_then(|init| fetch::fetch(&e.url, &init))
            }
        };
        match request {
            // Handled in the job that settles it, as JavaScript's `await` would (no executor hop).
            Ok(request) => platform::on_settled(&request, move |outcome| self.fetch_settled(op, outcome)),
            Err(thrown) => self.fetch_settled(op, Err(thrown)),
        }
    }

    /// The token source answered (or threw): a value, a fetch `Response`, or a failure.
    fn fetch_settled(self: Rc<Self>, op: OpId, outcome: Result<JsValue, JsValue>) {
        // The cross-tab lock goes once the answer is handled: when this returns, or once the
        // body is read. A tab granted it next then sees the marker and gets the shared token.
        let lock = self.take_fetch(op).and_then(|(_, lock)| lock);
        let value = match outcome {
            // Classified by a numeric `status` (with `retryAfterMs` or a Retry-After header);
            // anything else is a network error.
            Err(thrown) => {
                let status = get(&thrown, "status").as_f64().filter(|s| (100.0..600.0).contains(s));
                let Some(status) = status else { return self.fetch_failed(op, TokenError::new(ErrorKind::Network)) };
                let ms = get(&thrown, "retryAfterMs").as_f64().filter(|ms| *ms >= 0.0 && ms.is_finite());
                let wait = ms.map(|ms| ms as Millis).or_else(|| self.retry_after(&get(&thrown, "headers")));
                return self.fetch_failed(op, TokenError::from_status(status as u16, wait));
            }
            Ok(v) => v,
        };
        let Some(status) = get(&value, "status").as_f64().filter(|_| js::method(&value, "json").is_some()) else {
            return self.input(|m, now| m.handle_fetch_response(now, op, &JsFields(&value), None));
        };
        // A fetch Response: status, Retry-After, the Date header (clock skew), the JSON body.
        let status = if status > 0.0 { status.min(65535.0) as u16 } else { 0 };
        let headers = get(&value, "headers");
        if !(200..300).contains(&status) {
            let err = if status == 0 { TokenError::new(ErrorKind::Network) } else { TokenError::from_status(status, self.retry_after(&headers)) };
            return self.fetch_failed(op, err);
        }
        let date = js::header(&headers, "date").and_then(|d| parse_http_date(&d));
        match js::call(&value, "json", &[]) {
            Ok(body) => platform::on_settled(&Promise::resolve(&body), move |body| {
                match body {
                    Ok(body) => self.input(|m, now| m.handle_fetch_response(now, op, &JsFields(&body), date)),
                    Err(_) => self.fetch_failed(op, TokenError::invalid_response("body", "is not valid JSON")),
                }
                drop(lock);
            }),
            Err(_) => self.fetch_failed(op, TokenError::invalid_response("body", "is not valid JSON")),
        }
    }

    fn fetch_failed(self: &Rc<Self>, op: OpId, err: TokenError) {
        self.input(|m, now| m.handle_fetch_failed(now, op, err));
    }

    /// The delay a `Retry-After` header asks for.
    fn retry_after(&self, headers: &JsValue) -> Option<Millis> {
        js::header(headers, "retry-after").and_then(|v| parse_retry_after(&v, self.now()))
    }

    // ----- cross-tab ----------------------------------------------------------------------

    /// Wake-up, network and cross-tab listeners (only those the platform has), and the
    /// presence lock.
    fn install(self: &Rc<Self>) {
        let global = js::global();
        let weak = Rc::downgrade(self);
        let on = move |f: fn(&Rc<Inner>, JsValue)| {
            let weak = weak.clone();
            move |event: JsValue| {
                if let Some(inner) = weak.upgrade() {
                    f(&inner, event)
                }
            }
        };
        let resume: fn(&Rc<Inner>, JsValue) = |inner, _| inner.input(|m, now| m.resume(now));
        let mut hooks: Vec<Option<Listener>> = vec![
            Listener::new(&global, "online", on(|inner, _| inner.input(|m, now| m.set_online(now, true)))),
            Listener::new(&global, "offline", on(|inner, _| inner.input(|m, now| m.set_online(now, false)))),
            Listener::new(&global, "focus", on(resume)),
            Listener::new(&global, "pageshow", on(resume)),
            Listener::new(
                &get(&global, "document"),
                "visibilitychange",
                on(|inner, _| {
                    let state = get(&get(&js::global(), "document"), "visibilityState").as_string();
                    if state.as_deref().map_or(true, |s| s == "visible") {
                        inner.input(|m, now| m.resume(now));
                    }
                }),
            ),
        ];
        if let Some(bus) = &self.bus {
            let weak = Rc::downgrade(self);
            hooks.push(bus.listen(move |message| {
                if let Some(inner) = weak.upgrade() {
                    inner.on_tab(message);
                }
            }));
        }
        self.io.borrow_mut().hooks = hooks.into_iter().flatten().collect();
        if let Some(locks) = &self.locks {
            // A presence lock, held while this manager lives, so that starting tabs can tell
            // whether any peer could answer them.
            let id = decimal(js_sys::Math::floor(js_sys::Math::random() * 1e15));
            let name = [self.scope.as_str(), ":tab:", &id].concat();
            let weak = Rc::downgrade(self);
            let held = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
                Promise::new(&mut |resolve, _| match weak.upgrade().filter(|inner| !inner.dead.get()) {
                    Some(inner) => inner.io.borrow_mut().presence = Some(HeldLock(resolve)),
                    None => drop(resolve.call0(&JsValue::UNDEFINED)),
                })
                .into()
            });
            if let Ok(request) = locks.request(&name, &js::object(), &held) {
                platform::ignore(request);
            }
        }
        if get(&get(&global, "navigator"), "onLine").as_bool() == Some(false) {
            self.input(|m, now| m.set_online(now, false));
        }
    }

    fn on_tab(self: &Rc<Self>, message: Message) {
        if self.dead.get() {
            return;
        }
        match message {
            Message::Token(entry) => {
                self.input(|m, now| m.handle_tab_token(now, &entry));
            }
            Message::Hello => {
                let now = self.now();
                let entry = self.machine.borrow().usable_token(now).and_then(|info| stored::format(&stored::Stored::of(info)));
                if let (Some(entry), Some(bus)) = (entry, &self.bus) {
                    bus.post(&Message::Token(entry));
                }
            }
            Message::Logout => {
                if self.input(|m, now| m.logout(now)) == Ok(true) {
                    self.app_logout();
                }
            }
        }
    }

    /// The cross-tab marker in `localStorage`: `issuedAt:expiresAt` of the newest token any
    /// tab fetched (never the token itself).
    fn set_marker(&self, value: Option<(Millis, Millis)>) {
        let Some(storage) = crate::options::web_storage("localStorage") else { return };
        let key = JsValue::from_str(&[self.scope.as_str(), ":cycle"].concat());
        let _ = match value {
            Some((issued, expires)) => js::call(&storage, "setItem", &[&key, &JsValue::from_str(&stored::format_marker(issued, expires))]),
            None => js::call(&storage, "removeItem", &[&key]),
        };
    }

    /// Whether another tab fetched a usable token newer than this tab's.
    fn peer_newer(&self) -> bool {
        let Some(storage) = crate::options::web_storage("localStorage") else { return false };
        let key = JsValue::from_str(&[self.scope.as_str(), ":cycle"].concat());
        let Some(marker) = js::call(&storage, "getItem", &[&key]).ok().and_then(|v| v.as_string()) else { return false };
        let Some((issued, expires)) = stored::parse_marker(&marker) else { return false };
        let now = self.now();
        self.machine.borrow().peer_newer(now, issued, expires)
    }

    /// Whether another live manager of this scope holds its presence lock (true without Web
    /// Locks, or when the query fails).
    async fn peers_alive(&self) -> bool {
        let Some(locks) = &self.locks else { return true };
        let Ok(query) = locks.query() else { return true };
        let Ok(state) = JsFuture::from(query).await else { return true };
        let prefix = [self.scope.as_str(), ":tab:"].concat();
        let held = js_sys::Array::from(&get(&state, "held"));
        let peers = held.iter().filter(|lock| get(lock, "name").as_string().is_some_and(|n| n.starts_with(&prefix))).count();
        peers > usize::from(self.io.borrow().presence.is_some())
    }

    // ----- storage ------------------------------------------------------------------------

    /// `backend[method](key, value?)` as a promise; `None` with memory (or after the backend
    /// threw, which degrades it to memory).
    fn storage_call(&self, method: &str, value: Option<&str>) -> Option<Promise> {
        let backend = self.storage.borrow().clone()?;
        let key = JsValue::from_str(&self.options.storage_key);
        let result = match value {
            Some(v) => js::call(&backend, method, &[&key, &JsValue::from_str(v)]),
            None => js::call(&backend, method, &[&key]),
        };
        match result {
            Ok(v) => Some(Promise::resolve(&v)),
            Err(_) => {
                self.degrade();
                None
            }
        }
    }

    /// A storage that throws or rejects is replaced by memory, with one warning.
    fn degrade(&self) {
        let failed = self.storage.borrow_mut().take();
        if failed.is_some() {
            self.log(Level::Warn, "token storage failed; keeping tokens in memory from now on", None);
        }
    }

    fn write(self: &Rc<Self>, method: &str, value: Option<&str>) {
        if let Some(promise) = self.storage_call(method, value) {
            let inner = self.clone();
            platform::on_settled(&promise, move |written| {
                if written.is_err() {
                    inner.degrade();
                }
            });
        }
    }

    fn load(self: &Rc<Self>) {
        // A read that answers after a logout (or a newer read) belongs to the old session.
        let id = {
            let mut io = self.io.borrow_mut();
            io.load_generation += 1;
            io.load_generation
        };
        // With memory, nothing is stored: answered in a later job all the same.
        let read = self.storage_call("getItem", None).unwrap_or_else(|| Promise::resolve(&JsValue::UNDEFINED));
        let inner = self.clone();
        platform::on_settled(&read, move |read| {
            let entry = match read {
                Ok(v) => v.as_string(),
                Err(_) => {
                    inner.degrade();
                    None
                }
            };
            if id != inner.io.borrow().load_generation || inner.dead.get() {
                return;
            }
            inner.input(|m, now| m.handle_stored(now, entry.as_deref()));
        });
    }
}
