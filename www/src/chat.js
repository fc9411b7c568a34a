// The real CometChat JavaScript SDK, initialised from the backend's /api/config (the embedded
// emulator by default, real CometChat when the server has credentials). The token manager calls
// `login` once per new token and `logout` on logout; the rest feeds the page's status and log.
import { CometChat } from '@cometchat/chat-sdk-javascript';
import { eventLog, tokenLabel } from './events.js';

let initialised = null;
let status = { connection: 'not connected', uid: null, logins: 0 };
const listeners = new Set();
let onSessionLost = null;
let loggingOut = false;

function update(patch) {
  status = { ...status, ...patch };
  for (const listener of listeners) listener();
}

export const chatStatus = {
  subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  get: () => status,
};

/** CometChat.init with the server's settings; once per page. */
export function initChat(config) {
  initialised ??= (async () => {
    // The emulator speaks http/ws on 127.0.0.1; the SDK hard-codes https/wss. The server's shim
    // rewrites the scheme for the emulator's own host only (real CometChat needs none).
    if (config.shim) {
      const { installEmulatorShim } = await import(/* @vite-ignore */ config.shim);
      installEmulatorShim(config.emulatorHosts ?? []);
    }
    let settings = new CometChat.AppSettingsBuilder()
      .setRegion(config.region)
      .autoEstablishSocketConnection(true)
      .subscribePresenceForAllUsers();
    if (config.clientHost) settings = settings.overrideClientHost(config.clientHost);
    if (config.adminHost) settings = settings.overrideAdminHost(config.adminHost);
    await CometChat.init(config.appId, settings.build());
    CometChat.addConnectionListener('demo', new CometChat.ConnectionListener({
      onConnected: () => { update({ connection: 'connected' }); eventLog.add('chat', 'socket connected'); },
      inConnecting: () => update({ connection: 'connecting' }),
      onDisconnected: () => { update({ connection: 'disconnected' }); eventLog.add('chat', 'socket disconnected'); },
    }));
    CometChat.addLoginListener('demo', new CometChat.LoginListener({
      logoutSuccess: () => {
        update({ uid: null, connection: 'not connected' });
        // The SDK logs itself out when CometChat answers AUTH_ERR_AUTH_TOKEN_NOT_FOUND.
        if (!loggingOut) {
          eventLog.add('chat', 'the SDK lost its session (auth error) → manager.handleUnauthorized()');
          onSessionLost?.();
          for (const done of [...lostWaiters]) done();
        }
      },
    }));
    // A session the SDK kept in localStorage from an earlier visit.
    const user = await CometChat.getLoggedinUser();
    if (user) update({ uid: user.getUid() });
  })();
  return initialised;
}

/** Called when the SDK reports an auth error by itself; the page hands it to the manager. */
export function setSessionLostHandler(handler) {
  onSessionLost = handler;
}

/** Resolves when the SDK next reports that it lost its session, or after `ms`. */
export function sessionLost(ms) {
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); lostWaiters.delete(done); resolve(); };
    const timer = setTimeout(done, ms);
    lostWaiters.add(done);
  });
}
const lostWaiters = new Set();

/** The manager's `login` option: log the SDK in with a new token. */
export async function chatLogin(token) {
  await initialised;
  const user = await CometChat.login(token);
  update({ uid: user.getUid(), logins: status.logins + 1 });
  eventLog.add('chat', `CometChat.login(${tokenLabel(token)}) → logged in as ${user.getUid()}`);
  return user;
}

/** The manager's `logout` option. */
export async function chatLogout() {
  await initialised;
  loggingOut = true;
  try {
    if (await CometChat.getLoggedinUser()) await CometChat.logout();
    eventLog.add('chat', 'CometChat.logout()');
  } finally {
    loggingOut = false;
    update({ uid: null, connection: 'not connected' });
  }
}

/**
 * An SDK call that needs a valid token (fetches the user's profile): after a revocation
 * CometChat answers AUTH_ERR_AUTH_TOKEN_NOT_FOUND. Resolves to that code, or null if it passed.
 */
export async function probeChat(uid) {
  try {
    await CometChat.getUser(uid);
    return null;
  } catch (error) {
    return error?.code ?? 'UNKNOWN';
  }
}

export { CometChat };
