// The real CometChat packages fit chat-token-manager/cometchat's types, and each misuse below
// (marked to be an error) must fail to compile.
import { CometChat } from '@cometchat/chat-sdk-javascript';
import { CometChatUIKit } from '@cometchat/chat-uikit-react';
import { TokenManager } from 'chat-token-manager';
import { cometChat, type CometChatIntegration, type CometChatSdk } from 'chat-token-manager/cometchat';

const withKit: CometChatIntegration = cometChat({ sdk: CometChat, uiKit: CometChatUIKit });
const sdkOnly: CometChatIntegration = cometChat({ sdk: CometChat });
const sdk: CometChatSdk = CometChat;
void sdk;
const manager = new TokenManager({ endpoint: '/api/cometchat-token', login: withKit.login, logout: withKit.logout });
const detach: () => void = withKit.attach(manager);
detach();
new TokenManager({ endpoint: '/api/cometchat-token', login: sdkOnly.login, logout: sdkOnly.logout });

// @ts-expect-error the kit is not the SDK: it has no listeners
cometChat({ sdk: CometChatUIKit });
// @ts-expect-error the SDK is required (the listeners are the SDK's)
cometChat({ uiKit: CometChatUIKit });
// @ts-expect-error a CometChat.User is not a manager
withKit.attach(new CometChat.User('alice'));
