// Compiled with `tsc --strict` against the installed tarball, once with moduleResolution
// "bundler" and once with "node16" (this file is ESM there). Every @ts-expect-error line is a
// misuse that must fail to compile; bundlers.test.mjs also checks each one fails without it.
import { createElement } from 'react';
import {
  TokenManager,
  type TokenError,
  type TokenErrorCode,
  type TokenInfo,
  type TokenManagerOptions,
  type TokenManagerState,
} from 'chat-token-manager';
import { TokenManagerProvider, useChatToken } from 'chat-token-manager/react';

const options: TokenManagerOptions = {
  endpoint: { url: '/api/cometchat-token', method: 'POST', credentials: 'include' },
  login: async (token: string, info: TokenInfo) => { void token; void info.expiresAt; },
  logout: () => undefined,
  refreshMarginMs: 60_000,
  retry: { maxAttempts: 3 },
  storage: 'session',
  onRefreshError: (error: TokenError) => { const code: TokenErrorCode = error.code; void code; },
  logger: null,
};
const manager = new TokenManager(options);
const off: () => void = manager.on('state', (state: TokenManagerState) => { void state; });
off();
manager.on('token', (info) => { const expiresAt: number = info.expiresAt; void expiresAt; });
manager.on('error', (error) => { const retryable: boolean = error.retryable; void retryable; });

export async function use(): Promise<string> {
  const info: TokenInfo = await manager.start();
  void info.source;
  return manager.getToken();
}

export function Status(): null {
  const { token, state, error, refresh, logout } = useChatToken();
  const t: string | null = token;
  const s: TokenManagerState = state;
  const e: TokenError | null = error;
  void t; void s; void e; void refresh; void logout;
  return null;
}

export const app = createElement(TokenManagerProvider, { options: { endpoint: '/api/token' } });

// Misuse: each must fail to compile.
// @ts-expect-error refreshMarginMs takes a number of milliseconds, not a string
new TokenManager({ endpoint: '/api/token', refreshMarginMs: '30s' });
// @ts-expect-error storage is 'memory' | 'session' | 'local' | an adapter
new TokenManager({ endpoint: '/api/token', storage: 'cookie' });
// @ts-expect-error there is no 'refreshed' event
manager.on('refreshed', () => undefined);
// @ts-expect-error a state listener gets a state, not a TokenInfo
manager.on('state', (info: TokenInfo) => { void info; });
// @ts-expect-error the provider needs options or a manager
createElement(TokenManagerProvider, {});
