// Types of `chat-token-manager/cometchat`.
import type { TokenManager } from 'chat-token-manager';

/** What the integration passes to `new sdk.LoginListener(…)`. */
export interface CometChatLoginHandlers {
  logoutSuccess?: () => void;
}

/** What the integration passes to `new sdk.ConnectionListener(…)`. */
export interface CometChatConnectionHandlers {
  onDisconnected?: () => void;
}

/**
 * The part of the CometChat chat SDK the integration uses: `CometChat` from
 * `@cometchat/chat-sdk-javascript` (or `@cometchat/chat-sdk-react-native`), initialised by the app.
 */
export interface CometChatSdk {
  login(authToken: string): Promise<unknown>;
  logout(): Promise<unknown>;
  getLoggedinUser(): Promise<unknown>;
  getConnectionStatus(): string;
  addLoginListener(name: string, listener: object): void;
  removeLoginListener(name: string): void;
  addConnectionListener(name: string, listener: object): void;
  removeConnectionListener(name: string): void;
  LoginListener: new (handlers: CometChatLoginHandlers) => object;
  ConnectionListener: new (handlers: CometChatConnectionHandlers) => object;
}

/** `CometChatUIKit` from `@cometchat/chat-uikit-react`: logs in with `loginWithAuthToken(token)`. */
export interface CometChatWebUIKit {
  loginWithAuthToken(authToken: string): Promise<unknown>;
  logout(): Promise<unknown>;
}

/** `CometChatUIKit` from `@cometchat/chat-uikit-react-native`: logs in with `login({ authToken })`. */
export interface CometChatNativeUIKit {
  login(credentials: { authToken: string }): Promise<unknown>;
  logout(): Promise<unknown>;
}

export interface CometChatOptions {
  /** The CometChat SDK: its login (without a kit), logout and listeners. */
  sdk: CometChatSdk;
  /** The UI kit: when given, logins and logouts go through it, so its components see the user. */
  uiKit?: CometChatWebUIKit | CometChatNativeUIKit | null;
}

/** The `login` and `logout` options for a TokenManager, and `attach` for the SDK's listeners. */
export interface CometChatIntegration {
  /** The manager's `login` option: logs the kit (or the SDK) in with the token. */
  login(token: string): Promise<unknown>;
  /** The manager's `logout` option: logs the kit (or the SDK) out, if it holds a session. */
  logout(): Promise<void>;
  /**
   * Adds the SDK's login and connection listeners for `manager`: the SDK losing its session by
   * itself (it logged itself out after AUTH_ERR_AUTH_TOKEN_NOT_FOUND, or its socket is down while
   * the manager's token has expired) becomes one `manager.handleUnauthorized(token)` per token. Returns the function that
   * removes them; they are also removed when the manager is disposed, or when another manager is
   * attached.
   */
  attach(manager: TokenManager): () => void;
}

/**
 * Connects a TokenManager to CometChat:
 *
 * ```js
 * const chat = cometChat({ sdk: CometChat, uiKit: CometChatUIKit });
 * const manager = new TokenManager({ endpoint: '/api/cometchat-token', login: chat.login, logout: chat.logout });
 * chat.attach(manager);
 * ```
 *
 * Throws a `TypeError` naming what is missing when `sdk` or `uiKit` is not what it should be.
 */
export declare function cometChat(options: CometChatOptions): CometChatIntegration;
