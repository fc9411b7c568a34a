// Types of `chat-token-manager/react`.
import type { ReactElement, ReactNode } from 'react';
import type {
  TokenError,
  TokenInfo,
  TokenManager,
  TokenManagerOptions,
  TokenManagerSnapshot,
  TokenManagerState,
} from 'chat-token-manager';

interface ProviderCommonProps {
  children?: ReactNode;
  /**
   * Identifies the session, e.g. the signed-in user's id. When it changes, the provider disposes
   * its manager and makes a new one from the current `options`. Other changes to `options` never
   * recreate the manager (its callbacks always call the latest ones).
   */
  userKey?: string | number | null;
  /** Call `start()` when the manager is made. Default: `true` with `options`, `false` with `manager`. */
  autoStart?: boolean;
}

/** Give `options` (the provider makes, starts and disposes the manager) or `manager` (yours to dispose). */
export type TokenManagerProviderProps = ProviderCommonProps & (
  | { options: TokenManagerOptions; manager?: undefined }
  | { manager: TokenManager; options?: undefined }
);

/** Provides a TokenManager to `useChatToken()`. StrictMode-safe: one manager, one fetch. */
export declare function TokenManagerProvider(props: TokenManagerProviderProps): ReactElement;

/** What `useChatToken()` returns. Re-rendered on the manager's events; never logged by the manager. */
export interface ChatToken {
  /** The current token once it is logged in, else `null`. */
  token: string | null;
  /** The current token's details (expiry, reason, source), else `null`. */
  info: TokenInfo | null;
  /** The manager's state; `'idle'` before the manager exists (first render, server render). */
  state: TokenManagerState;
  /** The last error that ended a refresh cycle or a `start()`; cleared by the next token. */
  error: TokenError | null;
  /** A token-free snapshot taken at the last event, or `null` before the manager exists. */
  snapshot: TokenManagerSnapshot | null;
  /** `manager.refresh()`: a forced refresh. */
  refresh(): Promise<TokenInfo>;
  /** `manager.logout()`. */
  logout(): Promise<void>;
  /** `manager.start()`: begins a session again after a logout. */
  start(): Promise<TokenInfo>;
  /** `manager.handleUnauthorized(staleToken)`: the chat service rejected a token. */
  handleUnauthorized(staleToken?: string | null): Promise<TokenInfo>;
  /** The manager itself, or `null` during the first render and on the server. */
  manager: TokenManager | null;
}

/** The token and state of the nearest `<TokenManagerProvider>`. Throws outside one. */
export declare function useChatToken(): ChatToken;
