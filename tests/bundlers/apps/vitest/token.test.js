// A Vitest test file as a user writes it (default node environment, no config).
import { expect, test } from 'vitest';
import { TokenManager } from 'chat-token-manager';

test('the manager fetches a token and is ready', async () => {
  const manager = new TokenManager({ endpoint: process.env.TOKEN_ENDPOINT, logger: null });
  const info = await manager.start();
  expect(manager.state).toBe('ready');
  expect(info.source).toBe('network');
  expect(typeof info.token).toBe('string');
  manager.dispose();
});
