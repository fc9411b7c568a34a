// Generated from react.mjs by `node www/tools/react-cjs.mjs`; edit react.mjs instead.
"use client";
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);
var stdin_exports = {};
__export(stdin_exports, {
  TokenManagerProvider: () => TokenManagerProvider,
  useChatToken: () => useChatToken
});
module.exports = __toCommonJS(stdin_exports);
var import_react = require("react");
var import_chat_token_manager = require("chat-token-manager");
const Context = (0, import_react.createContext)(void 0);
const CALLBACKS = ["fetchToken", "login", "logout", "onTokenRefresh", "onRefreshError"];
const IDLE = Object.freeze({ token: null, info: null, state: "idle", error: null, snapshot: null });
const noop = () => {
};
function liveOptions(options, latest) {
  const out = { ...options };
  for (const name of CALLBACKS) {
    const first = options[name];
    if (typeof first === "function") out[name] = (...args) => (latest.current[name] ?? first)(...args);
  }
  return out;
}
function createStore(manager) {
  let value = IDLE;
  const subscribers = /* @__PURE__ */ new Set();
  let detach = null;
  const set = (patch) => {
    let state = value.state;
    let snapshot = value.snapshot;
    try {
      state = manager.state;
      snapshot = manager.snapshot();
    } catch {
    }
    value = Object.freeze({ ...value, state, snapshot, ...patch });
    for (const notify of subscribers) notify();
  };
  const attach = () => {
    const offs = [
      manager.on("state", () => set({})),
      manager.on("token", (info) => set({ token: info.token, info, error: null })),
      manager.on("error", (error) => set({ error })),
      manager.on("expired", () => set({ token: null, info: null })),
      manager.on("loggedOut", () => set({ token: null, info: null, error: null }))
    ];
    set({});
    if (value.state === "ready" && value.token === null) {
      manager.getToken().then((token) => {
        if (value.token === null && value.state === "ready") set({ token });
      }, noop);
    }
    return () => {
      for (const off of offs) off();
    };
  };
  return {
    manager,
    get: () => value,
    /** Records a failure that no event reported (a rejected `start()`). */
    fail(error) {
      if (error && error.code !== "discarded" && error.code !== "disposed") set({ error });
    },
    update: () => set({}),
    subscribe(notify) {
      subscribers.add(notify);
      if (!detach) detach = attach();
      return () => {
        subscribers.delete(notify);
        if (subscribers.size === 0 && detach) {
          detach();
          detach = null;
        }
      };
    }
  };
}
function TokenManagerProvider({ options, manager, userKey = null, autoStart, children }) {
  if (options == null === (manager == null)) {
    throw new TypeError("TokenManagerProvider: give exactly one of `options` or `manager`");
  }
  const latest = (0, import_react.useRef)(options);
  latest.current = options;
  const owned = (0, import_react.useRef)(null);
  const [ownedStore, setOwnedStore] = (0, import_react.useState)(null);
  const external = (0, import_react.useMemo)(() => manager ? createStore(manager) : null, [manager]);
  const start = autoStart ?? !manager;
  (0, import_react.useEffect)(() => {
    if (manager) {
      if (start) manager.start().catch((e) => external.fail(e));
      return void 0;
    }
    let entry = owned.current;
    if (entry && entry.userKey === userKey && entry.disposeTimer !== null) {
      clearTimeout(entry.disposeTimer);
      entry.disposeTimer = null;
    } else {
      if (entry) disposeEntry(entry);
      const store2 = createStore(new import_chat_token_manager.TokenManager(liveOptions(latest.current, latest)));
      entry = owned.current = { store: store2, userKey, disposeTimer: null };
      if (start) store2.manager.start().catch((e) => store2.fail(e));
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
  }, [manager, userKey, start]);
  const store = external ?? ownedStore;
  return (0, import_react.createElement)(Context.Provider, { value: store }, children);
}
function disposeEntry(entry) {
  if (entry.disposeTimer !== null) clearTimeout(entry.disposeTimer);
  entry.disposeTimer = null;
  entry.store.manager.dispose();
  entry.store.update();
}
const notReady = () => Promise.reject(new Error("chat-token-manager/react: the manager is created after the first render; call this from an event handler or an effect"));
const subscribeNothing = () => noop;
const getIdle = () => IDLE;
function useChatToken() {
  const store = (0, import_react.useContext)(Context);
  if (store === void 0) throw new Error("useChatToken() must be used inside <TokenManagerProvider>");
  const view = (0, import_react.useSyncExternalStore)(store ? store.subscribe : subscribeNothing, store ? store.get : getIdle, getIdle);
  const manager = store ? store.manager : null;
  const refresh = (0, import_react.useCallback)(() => manager ? manager.refresh() : notReady(), [manager]);
  const logout = (0, import_react.useCallback)(() => manager ? manager.logout() : notReady(), [manager]);
  const start = (0, import_react.useCallback)(() => manager ? manager.start() : notReady(), [manager]);
  const handleUnauthorized = (0, import_react.useCallback)((stale) => manager ? manager.handleUnauthorized(stale) : notReady(), [manager]);
  return (0, import_react.useMemo)(
    () => ({ ...view, refresh, logout, start, handleUnauthorized, manager }),
    [view, refresh, logout, start, handleUnauthorized, manager]
  );
}
