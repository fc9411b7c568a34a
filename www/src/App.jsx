import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { TokenManagerProvider, useChatToken } from 'chat-token-manager/react';
import { CometChat, CometChatUIKit, chatLogin, chatLogout, chatStatus, initChat, integration, probeChat } from './chat.js';
import { ChatPanel } from './ChatPanel.jsx';
import { clock, eventLog, tokenLabel } from './events.js';
import { network } from './network.js';
import { Timeline } from './Timeline.jsx';
import { timeline } from './timeline.js';

const FALLBACK_USERS = [
  { id: 'alice', name: 'Alice' },
  { id: 'bob', name: 'Bob' },
  { id: 'carol', name: 'Carol' },
];

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw Object.assign(new Error(data?.error?.message ?? data?.error ?? `${path} answered ${response.status}`), { status: response.status });
  return data;
}

/** The signed-in user from the session endpoint's answer, or null. */
const sessionUser = (data) => data?.user ?? (data?.userId ? { id: data.userId, name: data.name ?? data.userId } : null);

export function App() {
  const [config, setConfig] = useState(null);
  const [user, setUser] = useState(undefined); // undefined: still asking the backend
  const [problem, setProblem] = useState(null);

  useEffect(() => {
    let live = true;
    (async () => {
      const cfg = await api('GET', '/api/config');
      await initChat(cfg);
      const session = await api('GET', '/api/session').catch((e) => (e.status === 401 ? null : Promise.reject(e)));
      if (live) { setConfig(cfg); setUser(sessionUser(session)); }
    })().catch((e) => live && setProblem(e.message));
    return () => { live = false; };
  }, []);

  const signIn = useCallback(async (id) => {
    setProblem(null);
    try {
      const data = await api('POST', '/api/session', { userId: id });
      eventLog.clear();
      timeline.clear();
      eventLog.add('app', `signed in as ${id} (session cookie)`);
      setUser(sessionUser(data) ?? { id, name: id });
    } catch (e) {
      setProblem(e.message);
    }
  }, []);

  if (problem) return <Shell><p className="problem" role="alert">{problem}</p></Shell>;
  if (!config || user === undefined) return <Shell><p className="muted">Loading…</p></Shell>;
  if (!user) return <Shell mode={config}><SignIn users={config.users ?? FALLBACK_USERS} onSignIn={signIn} /></Shell>;
  return (
    <Shell mode={config}>
      <SignedIn user={user} users={config.users ?? FALLBACK_USERS} onSignedOut={() => setUser(null)} />
    </Shell>
  );
}

function Shell({ mode, children }) {
  return (
    <div className="page">
      <header className="top">
        <h1>chat-token-manager <span className="muted">demo</span></h1>
        {mode && <span className="pill">{mode.emulator === false ? 'real CometChat' : 'CometChat emulator'} · app {mode.appId}</span>}
      </header>
      {children}
    </div>
  );
}

function SignIn({ users, onSignIn }) {
  return (
    <section className="card signin">
      <h2>Sign in</h2>
      <p className="muted">Pick a demo user. The backend sets a session cookie; the chat token is then minted for that session only.</p>
      <div className="users">
        {users.map((u) => (
          <button key={u.id} className="user" onClick={() => onSignIn(u.id)} data-user={u.id}>
            <span className="avatar">{(u.name ?? u.id).slice(0, 1).toUpperCase()}</span>
            {u.name ?? u.id}
          </button>
        ))}
      </div>
    </section>
  );
}

function SignedIn({ user, users, onSignedOut }) {
  // The manager: the backend derives the user from the session cookie. `fetchToken` rather than
  // `endpoint` only so that the demo's "go offline" switch can fail it like a dropped network.
  const options = useMemo(() => ({
    fetchToken: ({ signal, attempt, reason }) => timeline.fetch(attempt, reason, () => {
      if (network.offline) throw new TypeError('Failed to fetch (demo: offline)');
      return fetch('/api/cometchat-token', { method: 'POST', credentials: 'same-origin', signal });
    }),
    login: chatLogin,
    logout: chatLogout,
    storage: 'session',
    storageKey: 'ctm-demo',
    logger: { info: (...a) => eventLog.add('logger', a.join(' ')), warn: (...a) => eventLog.add('logger', a.join(' ')), error: (...a) => eventLog.add('logger', a.join(' ')) },
  }), []);
  return (
    <TokenManagerProvider options={options} userKey={user.id}>
      <Dashboard user={user} users={users} onSignedOut={onSignedOut} />
    </TokenManagerProvider>
  );
}

function useNow(ms) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

const seconds = (ms) => (ms == null ? '—' : `${Math.max(0, Math.round(ms / 1000))} s`);

function Dashboard({ user, users, onSignedOut }) {
  const { token, info, state, error, snapshot, refresh, logout, manager } = useChatToken();
  const chat = useSyncExternalStore(chatStatus.subscribe, chatStatus.get);
  const offline = useSyncExternalStore(network.subscribe, () => network.offline);
  const now = useNow(1000);
  const [busy, setBusy] = useState(null);

  // The manager's events into the log (never the token itself).
  useEffect(() => {
    if (!manager) return undefined;
    const offs = [
      manager.on('state', (s) => eventLog.add('manager', `state → ${s}`)),
      manager.on('token', (i) => {
        timeline.token(i);
        eventLog.add('manager', `new ${tokenLabel(i.token)} (${i.reason}, from ${i.source}); expires ${clock(i.expiresAt)}, refresh at ${clock(i.refreshAt)}`);
      }),
      manager.on('error', (e) => eventLog.add('manager', `refresh gave up: ${e.code}${e.status ? ` (HTTP ${e.status})` : ''}`)),
      manager.on('expired', () => eventLog.add('manager', 'token expired')),
      manager.on('loggedOut', () => { timeline.mark('logout', 'logged out'); eventLog.add('manager', 'logged out'); }),
    ];
    window.demo = { CometChat, CometChatUIKit, manager };
    return () => offs.forEach((off) => off());
  }, [manager]);

  // The package's CometChat integration listens to the SDK: a session it loses by itself
  // (CometChat answered an auth error) becomes one manager.handleUnauthorized(token).
  useEffect(() => (manager ? integration.attach(manager) : undefined), [manager]);

  // Logged out in another tab: the session is gone there too.
  useEffect(() => {
    if (state !== 'loggedOut' || busy === 'logout') return;
    api('GET', '/api/session').then((s) => { if (!sessionUser(s)) onSignedOut(); }, () => onSignedOut());
  }, [state, busy, onSignedOut]);

  const act = (name, fn) => async () => {
    setBusy(name);
    try { await fn(); } catch (e) { eventLog.add('demo', `${name}: ${e.code ?? e.message}`); } finally { setBusy(null); }
  };

  const forceRefresh = act('refresh', async () => {
    eventLog.add('demo', 'force refresh');
    await refresh();
  });

  const simulate401 = act('401', async () => {
    eventLog.add('demo', 'revoking this user’s CometChat tokens on the server');
    const { revoked } = await api('POST', '/api/demo/revoke-chat-tokens');
    eventLog.add('demo', `${revoked} token(s) revoked; asking CometChat for this user's profile`);
    const stale = token;
    let off = () => {};
    const renewed = new Promise((resolve) => {
      off = manager.on('token', (i) => { if (i.token !== stale) resolve(true); });
      setTimeout(() => resolve(false), 10_000);
    }).finally(() => off());
    const code = await probeChat(user.id);
    if (!code) { eventLog.add('chat', 'CometChat still accepted the token'); return; }
    eventLog.add('chat', `CometChat answered ${code}`);
    timeline.mark('401', `CometChat answered ${code}`);
    // The SDK logs itself out on that answer; the integration hands it to handleUnauthorized(),
    // which fetches a new token, and the kit logs in again with it.
    if (!(await renewed)) eventLog.add('demo', 'no new token within 10 s: the SDK did not report the lost session');
  });

  const toggleNetwork = () => {
    network.set(!offline);
    timeline.offline(!offline);
    eventLog.add('demo', offline ? 'back online' : 'went offline (token requests fail until back online)');
  };

  const signOut = act('logout', async () => {
    await api('DELETE', '/api/session').catch(() => {});
    await logout();
    eventLog.add('app', 'signed out');
    onSignedOut();
  });

  const expiresIn = snapshot?.expiresAt ? snapshot.expiresAt - now : null;
  const refreshIn = snapshot?.refreshAt ? snapshot.refreshAt - now : null;
  const lifetime = info ? info.expiresAt - info.issuedAt : null;

  return (
    <main className="grid">
      <section className="card who">
        <div>
          <div className="muted small">signed in as</div>
          <div className="big" data-testid="user">{user.name ?? user.id}</div>
        </div>
        <div className="actions">
          <a href={window.location.href} target="_blank" rel="noreferrer" className="link">Open a second tab ↗</a>
          <button onClick={signOut} disabled={busy === 'logout'} id="logout">Log out</button>
        </div>
      </section>

      <section className="card">
        <h2>Chat connection</h2>
        <dl>
          <dt>CometChat user</dt>
          <dd id="chat-user">{chat.uid ? `logged in as ${chat.uid}` : 'not logged in'}</dd>
          <dt>Socket</dt>
          <dd><span className={`dot ${chat.connection}`} /> {chat.connection}</dd>
          <dt>Kit logins this tab</dt>
          <dd id="chat-logins">{chat.logins}</dd>
        </dl>
      </section>

      <section className="card">
        <h2>Token</h2>
        <dl>
          <dt>State</dt>
          <dd><span className={`badge ${state}`} id="state">{state}</span>{offline && <span className="badge offline">offline</span>}</dd>
          <dt>Current</dt>
          <dd id="token">{token ? `${tokenLabel(token)} · ${info?.reason}, from ${info?.source}` : 'none'}</dd>
          <dt>Expires in</dt>
          <dd id="expires-in">{seconds(expiresIn)}{lifetime ? <span className="muted"> of {seconds(lifetime)}</span> : null}</dd>
          <dt>Next refresh at</dt>
          <dd id="refresh-at">{clock(snapshot?.refreshAt)}{refreshIn != null && <span className="muted"> (in {seconds(refreshIn)})</span>}</dd>
          <dt>Generation</dt>
          <dd>{snapshot?.generation ?? '—'}</dd>
          <dt>Failures in a row</dt>
          <dd>{snapshot?.consecutiveFailures ?? 0}</dd>
          <dt>Last error</dt>
          <dd id="error">{error ? error.code : snapshot?.lastError ? snapshot.lastError.code : 'none'}</dd>
        </dl>
        {lifetime && expiresIn != null && (
          <div className="bar" aria-hidden="true">
            <div style={{ width: `${Math.max(0, Math.min(100, (expiresIn / lifetime) * 100))}%` }} />
          </div>
        )}
      </section>

      <section className="card controls">
        <h2>Try it</h2>
        <button id="refresh" onClick={forceRefresh} disabled={!manager || busy !== null}>Force refresh</button>
        <button id="simulate-401" onClick={simulate401} disabled={!token || busy !== null}>Simulate a 401</button>
        <button id="network" onClick={toggleNetwork}>{offline ? 'Go online' : 'Go offline'}</button>
        <p className="muted small">
          Tokens live {lifetime ? seconds(lifetime) : 'a short while'} here, so the manager refreshes them on its own
          before they expire. A 401 revokes the token on the server; the SDK then gets
          AUTH_ERR_AUTH_TOKEN_NOT_FOUND, the package’s CometChat integration calls handleUnauthorized(),
          and the kit logs in again with the new token. Open a second tab: only one of them fetches,
          the other gets the token over BroadcastChannel (source “tab”). Sign in as someone else in
          another browser (or a private window) to chat between two users.
        </p>
      </section>

      <ChatPanel me={user} users={users} />

      <Timeline now={now} />

      <EventLog />
    </main>
  );
}

function EventLog() {
  const entries = useSyncExternalStore(eventLog.subscribe, eventLog.get);
  return (
    <section className="card log">
      <h2>Events <span className="muted small">(newest first, no token values)</span></h2>
      <ol id="events">
        {entries.map((e) => (
          <li key={e.id}>
            <time>{clock(e.at)}</time>
            <span className={`src ${e.source}`}>{e.source}</span>
            <span>{e.text}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
