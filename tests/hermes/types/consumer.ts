// A React Native app's use of the package, type-checked with React Native's tsconfig.
import { TokenManager, type TokenInfo } from 'chat-token-manager';

const AppState = {
  currentState: 'active' as string | null,
  addEventListener(_type: 'change', _listener: (state: string) => void) {
    return { remove() {} };
  },
};

const secureStorage = {
  getItem: async (_key: string): Promise<string | null> => null,
  setItem: async (_key: string, _value: string): Promise<void> => {},
  removeItem: async (_key: string): Promise<void> => {},
};

const manager = new TokenManager({
  endpoint: 'https://api.example.com/cometchat-token',
  login: async (token: string) => {
    void token;
  },
  storage: secureStorage,
  appState: AppState,
});
manager.setAppState('background');
const info: Promise<TokenInfo> = manager.start();
void info;

// @ts-expect-error: only 'active' and 'background'
manager.setAppState('inactive');
// @ts-expect-error: unknown event name
manager.on('tokens', () => {});
// @ts-expect-error: refreshMarginMs is a number
new TokenManager({ endpoint: '/t', refreshMarginMs: '30s' });
