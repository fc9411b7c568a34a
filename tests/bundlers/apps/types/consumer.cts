// The same package from a CommonJS TypeScript file (node16 resolution, `require` condition).
import { TokenManager, type TokenInfo } from 'chat-token-manager';
import { useChatToken } from 'chat-token-manager/react';

const manager = new TokenManager({ endpoint: '/api/token', logger: null });
export async function use(): Promise<TokenInfo> {
  void useChatToken;
  return manager.start();
}
// @ts-expect-error there is no 'refreshed' event
manager.on('refreshed', () => undefined);
