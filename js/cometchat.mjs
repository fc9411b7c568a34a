// chat-token-manager/cometchat: the wiring between a TokenManager and the CometChat chat SDK
// (and its UI kit) that every CometChat app would otherwise write by hand.
//
//   const chat = cometChat({ sdk: CometChat, uiKit: CometChatUIKit });
//   const manager = new TokenManager({ endpoint, login: chat.login, logout: chat.logout });
//   chat.attach(manager);
//
// - `login(token)`: `uiKit.loginWithAuthToken(token)` (the React UI kit), `uiKit.login({ authToken })`
//   (the React Native UI kit, which has no loginWithAuthToken), or `sdk.login(token)` without a kit.
// - `logout()`: the kit's logout (it logs the SDK out and clears the kit's user), or the SDK's;
//   nothing when the SDK holds no session (another tab logged it out already).
// - `attach(manager)`: one login listener and one connection listener on the SDK. The SDK losing
//   its session by itself (it logs itself out when CometChat answers AUTH_ERR_AUTH_TOKEN_NOT_FOUND;
//   its socket is down while the token has expired, by the manager's `expired` event) becomes one
//   `manager.handleUnauthorized(token)` for the token the SDK was logged in with: at most once per
//   token, never for an event of our own login or logout, never after the manager's logout. A
//   socket that drops while the token is valid is left to the SDK, which reconnects by itself. The
//   listeners are removed by the returned function or when the manager is disposed.
// It imports nothing: the SDK, the kit and the manager are the app's own instances.

let attachments = 0;
const noop = () => {};

/** Connects a TokenManager to the CometChat SDK (`sdk`) and, optionally, its UI kit (`uiKit`). */
export function cometChat({ sdk, uiKit } = {}) {
  for (const name of ['login', 'logout', 'getLoggedinUser', 'getConnectionStatus', 'addLoginListener', 'removeLoginListener', 'addConnectionListener', 'removeConnectionListener', 'LoginListener', 'ConnectionListener']) {
    if (typeof sdk?.[name] !== 'function') {
      throw new TypeError(`cometChat: \`sdk.${name}\` is missing: expected the CometChat SDK (import { CometChat } from '@cometchat/chat-sdk-javascript')`);
    }
  }
  if (uiKit != null && (typeof uiKit.logout !== 'function' || (typeof uiKit.loginWithAuthToken !== 'function' && typeof uiKit.login !== 'function'))) {
    throw new TypeError('cometChat: `uiKit` has no `loginWithAuthToken` (or `login`) and `logout`: expected CometChatUIKit');
  }
  // { token, expired } for the token the SDK was logged in with by `login`; null while no session
  // of ours is established (before the first login, during a login or logout, after a logout).
  let session = null;
  let reported = null; // the last token handed to handleUnauthorized
  let attached = null; // { manager, detach }

  /** The SDK lost the session `login` established: one handleUnauthorized for its token. */
  const lost = () => {
    const manager = attached?.manager;
    if (!manager || !session || session.token === reported) return;
    const state = manager.state;
    if (state === 'idle' || state === 'loggedOut' || state === 'disposed') return;
    reported = session.token;
    // Rejections (a permanent failure, `failed`) reach the app through the manager's own `error`
    // event and snapshot; the SDK's listener has nobody to tell.
    manager.handleUnauthorized(session.token).catch(noop);
  };

  return {
    async login(token) {
      // A login that fails leaves the SDK with the session it had: keep watching that one.
      const previous = session;
      session = null;
      try {
        const user = await (uiKit == null
          ? sdk.login(token)
          : typeof uiKit.loginWithAuthToken === 'function'
            ? uiKit.loginWithAuthToken(token)
            : uiKit.login({ authToken: token }));
        session = { token, expired: false };
        return user;
      } catch (error) {
        session = previous;
        throw error;
      }
    },

    async logout() {
      session = null;
      if (await sdk.getLoggedinUser()) await (uiKit ?? sdk).logout();
    },

    attach(manager) {
      attached?.detach();
      const name = `chat-token-manager.${++attachments}`;
      let offs = [];
      let done = false;
      const detach = () => {
        if (done) return;
        done = true;
        sdk.removeLoginListener(name);
        sdk.removeConnectionListener(name);
        for (const off of offs) off();
        if (attached?.detach === detach) attached = null;
      };
      if (manager.state === 'disposed') {
        done = true;
        return detach;
      }
      sdk.addLoginListener(name, new sdk.LoginListener({
        // The SDK logged itself out (an API call answered AUTH_ERR_AUTH_TOKEN_NOT_FOUND).
        logoutSuccess: lost,
      }));
      sdk.addConnectionListener(name, new sdk.ConnectionListener({
        onDisconnected: () => { if (session?.expired) lost(); },
      }));
      offs = [
        manager.on('expired', () => {
          if (!session) return;
          session.expired = true;
          if (sdk.getConnectionStatus() !== 'connected') lost();
        }),
        manager.on('loggedOut', () => { session = null; }),
        manager.on('state', (state) => { if (state === 'disposed') detach(); }),
      ];
      attached = { manager, detach };
      return detach;
    },
  };
}
