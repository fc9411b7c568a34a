// Uses every member of chat-token-manager/react; each misuse marked @ts-expect-error must fail.
import { StrictMode, type ReactElement } from 'react';
import { TokenManager, type TokenInfo, type TokenManagerState } from 'chat-token-manager';
import { TokenManagerProvider, useChatToken, type ChatToken, type TokenManagerProviderProps } from 'chat-token-manager/react';

function Status(): ReactElement {
  const chat: ChatToken = useChatToken();
  const { token, info, state, error, snapshot, refresh, logout, start, handleUnauthorized, manager } = chat;
  const held: string | null = token;
  const expiresAt: number | undefined = info?.expiresAt;
  const current: TokenManagerState = state;
  const code: string | undefined = error?.code;
  const refreshAt: number | null | undefined = snapshot?.refreshAt;
  const p1: Promise<TokenInfo> = refresh();
  const p2: Promise<void> = logout();
  const p3: Promise<TokenInfo> = start();
  const p4: Promise<TokenInfo> = handleUnauthorized(held);
  const m: TokenManager | null = manager;
  // @ts-expect-error the token is null until one is logged in
  const wrong: string = token;
  // @ts-expect-error not a state
  const notAState: TokenManagerState = 'connected';
  void [expiresAt, current, code, refreshAt, p1, p2, p3, p4, m, wrong, notAState];
  return <p>{state}</p>;
}

const manager = new TokenManager({ endpoint: '/api/token' });
const props: TokenManagerProviderProps = { manager };

export const apps = [
  <StrictMode>
    <TokenManagerProvider
      options={{ endpoint: '/api/cometchat-token', login: async (token: string) => { void token; }, logout: () => undefined }}
      userKey="alice"
    >
      <Status />
    </TokenManagerProvider>
  </StrictMode>,
  <TokenManagerProvider manager={manager} autoStart>
    <Status />
  </TokenManagerProvider>,
  <TokenManagerProvider {...props} />,
  // @ts-expect-error options and manager together
  <TokenManagerProvider manager={manager} options={{ endpoint: '/x' }} />,
  // @ts-expect-error neither options nor manager
  <TokenManagerProvider />,
  // @ts-expect-error a wrong option type
  <TokenManagerProvider options={{ endpoint: 42 }} />,
  // @ts-expect-error userKey is a string, a number or null
  <TokenManagerProvider options={{ endpoint: '/x' }} userKey={{ id: 1 }} />,
];
