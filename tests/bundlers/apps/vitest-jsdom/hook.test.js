// @vitest-environment jsdom
// A React component test as users write them with Vitest + jsdom (no config): the hook from
// `chat-token-manager/react` in StrictMode, against the token endpoint in TOKEN_ENDPOINT.
import { StrictMode, act, createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { expect, test } from 'vitest';
import { TokenManagerProvider, useChatToken } from 'chat-token-manager/react';

globalThis.IS_REACT_ACT_ENVIRONMENT = true;

function Status() {
  const { state, token, error } = useChatToken();
  return createElement('output', null, `${state}|${token ? 'received' : 'none'}|${error ? error.code : ''}`);
}

test('the provider fetches one token and the hook shows ready', async () => {
  const options = { endpoint: process.env.TOKEN_ENDPOINT, logger: null };
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  await act(async () => {
    root.render(createElement(StrictMode, null, createElement(TokenManagerProvider, { options }, createElement(Status))));
  });
  for (let i = 0; i < 200 && container.textContent !== 'ready|received|'; i++) {
    await act(() => new Promise((resolve) => setTimeout(resolve, 25)));
  }
  expect(container.textContent).toBe('ready|received|');
  await act(async () => root.unmount());
});
