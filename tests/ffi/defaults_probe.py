"""What the native bridge does with its default options, measured through uniffi's Python
bindings, printed as JSON for tests/ffi/defaults.test.mjs (which measures the JavaScript
manager the same way and compares both with the core's Config::default()).

Every manager gets `ManagerOptions()` plus, where a measurement needs it, one option that is
not the one measured (a fixed seed, `login`, more attempts). The clock is fake: each timer is
fired at its deadline.

    CHAT_TOKEN_FFI_BINDINGS=target/ffi/bindings python3 tests/ffi/defaults_probe.py
"""

import asyncio
import json
import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.environ.get("CHAT_TOKEN_FFI_BINDINGS", os.path.join(_ROOT, "target", "ffi", "bindings")))

import chat_token_ffi as ctf  # noqa: E402
import chat_token_core as ctc  # noqa: E402

T0 = 1_700_000_000_000
# The seed the JavaScript manager draws when Math.random() returns 0.5 (0.5 * 2^53), so both
# hosts draw the same jitter.
SEED = 2**52
# Fired timers after which a measurement gives up (a default that never ends the scenario).
MAX_STEPS = 50


class Host(ctf.TokenHost):
    """Records the callbacks with the fake clock's time; answers nothing by itself."""

    def __init__(self):
        self.now = T0
        self.fetches = []  # (time, op)
        self.aborts = []  # time
        self.logins = []  # (time, op)
        self.loads = 0

    def fetch_token(self, request):
        self.fetches.append((self.now, request.op))

    def abort_fetch(self, op):
        self.aborts.append(self.now)

    def login(self, op, token):
        self.logins.append((self.now, op))

    def logout(self):
        pass

    def load_stored(self):
        self.loads += 1

    def save_stored(self, entry):
        pass

    def clear_stored(self):
        pass

    def on_event(self, event):
        pass

    def log(self, level, message, code):
        pass


async def settle():
    """Lets the callers' tasks run (uniffi resumes a Rust future through the event loop)."""
    for _ in range(10):
        await asyncio.sleep(0)


class Probe:
    def __init__(self, **options):
        self.host = Host()
        self.m = ctf.TokenManager(ctf.ManagerOptions(seed=SEED, **options), self.host)

    async def start(self):
        task = asyncio.ensure_future(self.m.start(self.host.now))
        await settle()
        return task

    async def fire_next_timer(self):
        at = self.m.next_deadline_ms()
        if at is None:
            raise RuntimeError("no timer armed")
        self.host.now = max(self.host.now, at)
        self.m.handle_timeout(self.host.now)
        await settle()

    async def run_until(self, done):
        for _ in range(MAX_STEPS):
            if done():
                return
            await self.fire_next_timer()
        raise RuntimeError("the scenario did not end")


async def token_without_expiry():
    """The lifetime of a token whose response has no expiry, how long before expiry its
    refresh is, and whether the default options log in or persist."""
    p = Probe()
    task = await p.start()
    if p.host.loads:
        p.m.stored_loaded(p.host.now, None)
    _, op = p.host.fetches[0]
    p.m.fetch_finished(p.host.now, op, ctf.FetchOutcome.TOKEN(response=ctf.TokenResponse(auth_token="a")))
    logged_in = bool(p.host.logins)
    if logged_in:
        p.m.login_finished(p.host.now, p.host.logins[0][1], ctc.LoginOutcome.OK)
    info = await task
    return {
        "lifetime": info.expires_at - info.issued_at,
        "refreshLead": info.expires_at - info.refresh_at,
        "login": logged_in,
        "persist": p.host.loads > 0,
    }


async def fetch_timeout():
    """How long an unanswered token request runs before it is aborted."""
    p = Probe()
    task = await p.start()
    await p.run_until(lambda: p.host.aborts)
    task.cancel()
    return p.host.aborts[0] - p.host.fetches[0][0]


async def failing_fetches(**options):
    """The times between the token requests of one cycle in which every request gets 503."""
    p = Probe(**options)
    task = await p.start()
    answered = 0
    for _ in range(MAX_STEPS):
        for _, op in p.host.fetches[answered:]:
            p.m.fetch_finished(p.host.now, op, ctf.FetchOutcome.HTTP(status=503, body="", retry_after=None, date=None))
            answered += 1
        await settle()
        if task.done():
            break
        await p.fire_next_timer()
    if not isinstance(task.exception(), ctc.TokenManagerError.Http):
        raise RuntimeError(f"the cycle ended with {task.exception()!r}")
    times = [t for t, _ in p.host.fetches]
    return [b - a for a, b in zip(times, times[1:])]


async def login_timeout():
    """How long an unanswered login runs before the callers are rejected."""
    p = Probe(login=True)
    task = await p.start()
    _, op = p.host.fetches[0]
    p.m.fetch_finished(p.host.now, op, ctf.FetchOutcome.TOKEN(response=ctf.TokenResponse(auth_token="a")))
    await p.run_until(task.done)
    if not isinstance(task.exception(), ctc.TokenManagerError.LoginFailed):
        raise RuntimeError(f"the login ended with {task.exception()!r}")
    return p.host.now - p.host.logins[0][0]


async def main():
    token = await token_without_expiry()
    delays = await failing_fetches()
    return {
        **token,
        "fetchTimeout": await fetch_timeout(),
        "attempts": len(delays) + 1,
        "backoffs": delays,
        "backoffsOf10Attempts": await failing_fetches(retry=ctf.RetryOptions(max_attempts=10)),
        "loginTimeout": await login_timeout(),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
