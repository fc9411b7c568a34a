/**
 * @jest-environment jsdom
 */
// A React component test as users write them: Jest + jsdom, CommonJS, no config, the hook from
// `chat-token-manager/react` in StrictMode. jsdom has no fetch, so the app's `fetchToken` asks the
// backend with Node's http module (what a test would otherwise mock).
const http = require('node:http');
const { StrictMode, act, createElement } = require('react');
const { createRoot } = require('react-dom/client');
const { TokenManagerProvider, useChatToken } = require('chat-token-manager/react');

globalThis.IS_REACT_ACT_ENVIRONMENT = true;

function postJson(url) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST' }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end();
  });
}

function Status() {
  const { state, token, error } = useChatToken();
  return createElement('output', null, `${state}|${token ? 'received' : 'none'}|${error ? error.code : ''}`);
}

test('the provider fetches one token and the hook shows ready', async () => {
  const options = { fetchToken: () => postJson(process.env.TOKEN_ENDPOINT), logger: null };
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
