'use client';
// The client component: the provider from `chat-token-manager/react` and the hook.
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

export default function ChatStatus({ endpoint }) {
  return (
    <TokenManagerProvider options={{ endpoint, logger: null }}>
      <Status />
    </TokenManagerProvider>
  );
}
