'use client';
// `chat-token-manager/react`: <TokenManagerProvider> and useChatToken().
//
// Lifetime rules (the README repeats them):
// - The provider makes one TokenManager per instance, in an effect (never during render, so a
//   server render or a discarded render creates nothing), and starts it (`autoStart`).
// - StrictMode's mount → unmount → mount reuses that manager: the unmount only schedules the
//   dispose, and the remount, which follows in the same task, cancels it. A real unmount
//   disposes it one task later.
// - A new `options` object on a later render does not recreate the manager: the callbacks
//   (`fetchToken`, `login`, `logout`, `onTokenRefresh`, `onRefreshError`) always call the latest
//   ones, every other option keeps its first value. Changing `userKey` (for example the signed-in
//   user's id) disposes the manager and makes a new one from the current options.
// - A `manager` passed in is used as it is: never started unless `autoStart`, never disposed.
// 'use client' lets a Next.js server component render <TokenManagerProvider> around client parts.
import { createContext, createElement, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { TokenManager } from 'chat-token-manager';

const Context = createContext(undefined); // undefined: no provider above; null: no manager yet
const CALLBACKS = ['fetchToken', 'login', 'logout', 'onTokenRefresh', 'onRefreshError'];
const IDLE = Object.freeze({ token: null, info: null, state: 'idle', error: null, snapshot: null });
const noop = () => {};

/** Options whose callbacks call through `latest.current`, so inline functions stay current. */
function liveOptions(options, latest, userKey) {
  const out = { ...options };
  // One storage key (and so one cross-tab channel, lock and stored entry) per user: after a
  // switch, the new user's manager can never adopt the old user's token from storage or a tab.
  if (userKey != null) out.storageKey = `${options.storageKey ?? 'chat-token-manager'}.${String(userKey).replace(/[^A-Za-z0-9._-]/g, '_')}`;
  for (const name of CALLBACKS) {
    const first = options[name];
    if (typeof first === 'function') out[name] = (...args) => (latest.current[name] ?? first)(...args);
  }
  return out;
}

/** One store per manager: a cached, immutable view that changes only on the manager's events. */
function createStore(manager) {
  let value = IDLE;
  const subscribers = new Set();
  let detach = null;
  const set = (patch) => {
    let state = value.state;
    let snapshot = value.snapshot;
    try {
      state = manager.state;
      snapshot = manager.snapshot();
    } catch {
      // A disposed manager may refuse; keep the last view.
    }
    value = Object.freeze({ ...value, state, snapshot, ...patch });
    for (const notify of subscribers) notify();
  };
  const attach = () => {
    const offs = [
      manager.on('state', () => set({})),
      manager.on('token', (info) => set({ token: info.token, info, error: null })),
      manager.on('error', (error) => set({ error })),
      manager.on('expired', () => set({ token: null, info: null })),
      manager.on('loggedOut', () => set({ token: null, info: null, error: null })),
    ];
    // Re-read from the manager: events missed while no component was subscribed (a logout, a
    // rotation) must not leave a stale token in the view.
    set({ token: null, info: null });
    // A manager that already holds a token (one passed in, or after a remount) hands it over
    // without a fetch.
    if ((value.state === 'ready' || value.state === 'refreshing') && value.token === null) {
      manager.getToken().then((token) => { if (value.token === null && value.state === 'ready') set({ token }); }, noop);
    }
    return () => { for (const off of offs) off(); };
  };
  return {
    manager,
    get: () => value,
    /** Records a failure that no event reported (a rejected `start()`). */
    fail(error) {
      if (error && error.code !== 'discarded' && error.code !== 'disposed') set({ error });
    },
    update: () => set({}),
    subscribe(notify) {
      subscribers.add(notify);
      if (!detach) detach = attach();
      return () => {
        subscribers.delete(notify);
        if (subscribers.size === 0 && detach) { detach(); detach = null; }
      };
    },
  };
}

/**
 * Provides a TokenManager to `useChatToken()` below it. Give `options` (the provider owns the
 * manager) or `manager` (you own it).
 */
export function TokenManagerProvider({ options, manager, userKey = null, autoStart, children }) {
  if ((options == null) === (manager == null)) {
    throw new TypeError('TokenManagerProvider: give exactly one of `options` or `manager`');
  }
  const latest = useRef(options);
  latest.current = options;
  const owned = useRef(null); // { store, userKey, disposeTimer, started }
  const [ownedStore, setOwnedStore] = useState(null);
  const external = useMemo(() => (manager ? createStore(manager) : null), [manager]);
  const start = autoStart ?? !manager;

  useEffect(() => {
    if (manager) {
      if (start) manager.start().catch((e) => external.fail(e));
      return undefined;
    }
    let entry = owned.current;
    if (entry && entry.userKey === userKey && entry.disposeTimer !== null) {
      // StrictMode's remount (or a quick remount, or `autoStart` changing): keep the live manager.
      clearTimeout(entry.disposeTimer);
      entry.disposeTimer = null;
    } else {
      if (entry) disposeEntry(entry);
      const store = createStore(new TokenManager(liveOptions(latest.current, latest, userKey)));
      entry = owned.current = { store, userKey, disposeTimer: null, started: false };
    }
    // Started once, when `autoStart` is (or becomes) true.
    if (start && !entry.started) {
      entry.started = true;
      const { store } = entry;
      store.manager.start().catch((e) => store.fail(e));
    }
    setOwnedStore(entry.store);
    const current = entry;
    return () => {
      if (current.disposeTimer !== null) return;
      current.disposeTimer = setTimeout(() => {
        disposeEntry(current);
        if (owned.current === current) owned.current = null;
      }, 0);
    };
    // The manager depends on userKey only; see the rules at the top of this file.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [manager, userKey, start]);

  const store = external ?? ownedStore;
  return createElement(Context.Provider, { value: store }, children);
}

function disposeEntry(entry) {
  if (entry.disposeTimer !== null) clearTimeout(entry.disposeTimer);
  entry.disposeTimer = null;
  entry.store.manager.dispose();
  entry.store.update();
}

const notReady = () => Promise.reject(new Error('chat-token-manager/react: the manager is created after the first render; call this from an event handler or an effect'));
const subscribeNothing = () => noop;
const getIdle = () => IDLE;

/**
 * The token and the manager's state from the nearest <TokenManagerProvider>. Re-renders on the
 * manager's events. Before the manager exists (first render, server render) it reports `idle`.
 */
export function useChatToken() {
  const store = useContext(Context);
  if (store === undefined) throw new Error('useChatToken() must be used inside <TokenManagerProvider>');
  const view = useSyncExternalStore(store ? store.subscribe : subscribeNothing, store ? store.get : getIdle, getIdle);
  const manager = store ? store.manager : null;
  const refresh = useCallback(() => (manager ? manager.refresh() : notReady()), [manager]);
  const logout = useCallback(() => (manager ? manager.logout() : notReady()), [manager]);
  const start = useCallback(() => (manager ? manager.start() : notReady()), [manager]);
  const handleUnauthorized = useCallback((stale) => (manager ? manager.handleUnauthorized(stale) : notReady()), [manager]);
  return useMemo(
    () => ({ ...view, refresh, logout, start, handleUnauthorized, manager }),
    [view, refresh, logout, start, handleUnauthorized, manager],
  );
}
