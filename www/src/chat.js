// The real CometChat UI Kit (@cometchat/chat-uikit-react, on the real
// @cometchat/chat-sdk-javascript), initialised from the backend's /api/config (the embedded
// emulator by default, real CometChat when the server has credentials), and connected to the
// token manager by the package's own integration (chat-token-manager/cometchat): the manager
// logs the kit in with `loginWithAuthToken` once per new token, logs it out on logout, and a
// session the SDK loses by itself becomes one `handleUnauthorized`. The rest feeds the page's
// status, log and timeline, and tells the page when the kit has a logged-in user (its views
// need one).
import { CometChat } from '@cometchat/chat-sdk-javascript';
import { CometChatUIKit, UIKitSettingsBuilder } from '@cometchat/chat-uikit-react';
import { cometChat } from 'chat-token-manager/cometchat';
import { eventLog, tokenLabel } from './events.js';
import { timeline } from './timeline.js';

let initialised = null;
let status = { connection: 'not connected', uid: null, logins: 0 };
const listeners = new Set();
let loggingOut = false;

/** The package's CometChat integration: `login`, `logout`, and `attach(manager)` for the SDK's listeners. */
export const integration = cometChat({ sdk: CometChat, uiKit: CometChatUIKit });

function update(patch) {
  status = { ...status, ...patch };
  for (const listener of listeners) listener();
}

/** The kit's session as the page shows it: `uid` is set only while the kit has a logged-in user. */
export const chatStatus = {
  subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  get: () => status,
};

// The SDK (4.2.0) reports the user session in the background after each login
// (`POST user_sessions`) without handling a failure: a logout (or a revoked token) before it
// runs leaves an unhandled rejection with its own code. The page takes those two codes out of
// the console's "Uncaught (in promise)" and into the event log; anything else still surfaces.
const BACKGROUND_CODES = new Set(['USER_NOT_LOGED_IN', 'AUTH_ERR_AUTH_TOKEN_NOT_FOUND']);
if (typeof window !== 'undefined') {
  window.addEventListener('unhandledrejection', (event) => {
    const code = event.reason?.error?.code ?? event.reason?.code;
    if (!BACKGROUND_CODES.has(code)) return;
    event.preventDefault();
    eventLog.add('chat', `a background SDK call was refused: ${code} (the session had ended; ignored)`);
  });
}

/** CometChatUIKit.init with the server's settings; once per page. */
export function initChat(config) {
  initialised ??= (async () => {
    // The emulator speaks http/ws on 127.0.0.1; the SDK hard-codes https/wss. The server's shim
    // rewrites the scheme for the emulator's own host only (real CometChat needs none).
    if (config.shim) {
      const { installEmulatorShim } = await import(/* @vite-ignore */ config.shim);
      installEmulatorShim(config.emulatorHosts ?? []);
    }
    let settings = new UIKitSettingsBuilder()
      .setAppId(config.appId)
      .setRegion(config.region)
      .subscribePresenceForAllUsers()
      .setAutoEstablishSocketConnection(true)
      .setCallingEnabled(false);
    if (config.clientHost) settings = settings.setClientHost(config.clientHost);
    if (config.adminHost) settings = settings.setAdminHost(config.adminHost);
    // Resumes a session the SDK kept in localStorage from an earlier visit.
    const resumed = await CometChatUIKit.init(settings.build());
    CometChat.addConnectionListener('demo', new CometChat.ConnectionListener({
      onConnected: () => { update({ connection: 'connected' }); eventLog.add('chat', 'socket connected'); },
      inConnecting: () => update({ connection: 'connecting' }),
      onDisconnected: () => { update({ connection: 'disconnected' }); eventLog.add('chat', 'socket disconnected'); },
    }));
    CometChat.addLoginListener('demo', new CometChat.LoginListener({
      logoutSuccess: () => {
        update({ uid: null, connection: 'not connected' });
        // The SDK logs itself out when CometChat answers AUTH_ERR_AUTH_TOKEN_NOT_FOUND; the
        // integration (attached to the manager) hands that to handleUnauthorized().
        if (!loggingOut) {
          eventLog.add('chat', 'the SDK lost its session (auth error) → the integration calls manager.handleUnauthorized()');
          timeline.mark('401', 'the SDK lost its session');
        }
      },
    }));
    if (resumed) update({ uid: resumed.getUid(), connection: CometChat.getConnectionStatus() ?? status.connection });
  })();
  return initialised;
}

/** The manager's `login` option: the integration logs the UI Kit (and its SDK) in with a new token. */
export async function chatLogin(token, info) {
  await initialised;
  const user = await integration.login(token, info);
  update({ uid: user.getUid(), logins: status.logins + 1 });
  eventLog.add('chat', `CometChatUIKit.loginWithAuthToken(${tokenLabel(token)}) → logged in as ${user.getUid()}`);
  timeline.mark('login', `kit logged in with ${tokenLabel(token)}`);
  return user;
}

/** The manager's `logout` option. */
export async function chatLogout() {
  await initialised;
  loggingOut = true;
  try {
    await integration.logout();
    eventLog.add('chat', 'CometChatUIKit.logout()');
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

export { CometChat, CometChatUIKit };
