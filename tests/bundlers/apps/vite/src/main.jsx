// A React app as a user writes it: the provider from `chat-token-manager/react` in StrictMode,
// against the token endpoint named in the page's query string (?endpoint=…).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { TokenManagerProvider, useChatToken } from 'chat-token-manager/react';

function Status() {
  const { token, state, error } = useChatToken();
  return (
    <main>
      <p>state: <output id="state">{state}</output></p>
      <p>token: <output id="token">{token ? 'received' : 'none'}</output></p>
      <p>error: <output id="error">{error ? error.code : ''}</output></p>
    </main>
  );
}

const endpoint = new URLSearchParams(location.search).get('endpoint');
createRoot(document.getElementById('root')).render(
  <StrictMode>
    <TokenManagerProvider options={{ endpoint, logger: null }}>
      <Status />
    </TokenManagerProvider>
  </StrictMode>,
);
