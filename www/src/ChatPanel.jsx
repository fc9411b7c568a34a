// The chat itself, drawn by the real CometChat UI Kit: its conversation list, and for the
// chosen user its message header, message list and composer. The kit's views need a logged-in
// SDK (UI Kit 7.2.1's message list throws "requires a logged-in user" otherwise, as right after
// a revoked token), so they render only while the kit has a user, and sit behind an error
// boundary that waits for the next login instead of blanking the page.
import { Component, useEffect, useState, useSyncExternalStore } from 'react';
import {
  CometChatConversations, CometChatMessageComposer, CometChatMessageHeader, CometChatMessageList, CometChatProvider,
} from '@cometchat/chat-uikit-react';
import '@cometchat/chat-uikit-react/styles';
import { CometChat, chatStatus } from './chat.js';
import { eventLog } from './events.js';

// No sound anywhere: the kit's default sounds are fetched from CometChat's CDN, and the demo
// sends nothing off the machine in emulator mode. The message list reads only its own
// `disableSoundForMessages` prop; the conversation list reads its prop or this global config.
const KIT_CONFIG = { disableSoundForMessages: true, disableSoundForCalls: true };

class KitBoundary extends Component {
  state = { error: null };

  static getDerivedStateFromError(error) {
    return { error };
  }

  componentDidCatch(error) {
    eventLog.add('chat', `the chat view stopped (${error.message}); it comes back after the next login`);
  }

  componentDidUpdate(previous) {
    if (this.state.error && previous.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  render() {
    if (this.state.error) return <Waiting text="The chat view is waiting for the chat login…" />;
    return this.props.children;
  }
}

function Waiting({ text }) {
  return <div className="chat-waiting" role="status" id="chat-waiting">{text}</div>;
}

/** A CometChat.User for a demo user, without a request (the kit fetches what else it needs). */
function chatUser({ id, name }) {
  const user = new CometChat.User(id);
  user.setName(name ?? id);
  return user;
}

export function ChatPanel({ me, users }) {
  const chat = useSyncExternalStore(chatStatus.subscribe, chatStatus.get);
  const live = useLive(chat);
  const others = users.filter((u) => u.id !== me.id);
  const [peerId, setPeerId] = useState(others[0]?.id ?? null);
  const peer = others.find((u) => u.id === peerId) ?? others[0];

  return (
    <section className="card chat-card" aria-label="Chat (CometChat UI Kit)">
      <h2>Chat <span className="muted small">(the CometChat UI Kit’s own components)</span></h2>
      <div className="peers small">
        chat with:
        {others.map((u) => (
          <button key={u.id} className={u.id === peer?.id ? 'peer active' : 'peer'} data-peer={u.id} onClick={() => setPeerId(u.id)}>{u.name ?? u.id}</button>
        ))}
      </div>
      {chat.uid && live ? (
        <KitBoundary resetKey={chat.logins}>
          <CometChatProvider config={KIT_CONFIG}>
            <KitViews peer={peer} onPick={setPeerId} />
          </CometChatProvider>
        </KitBoundary>
      ) : (
        <Waiting text="Waiting for the chat login…" />
      )}
    </section>
  );
}

/**
 * Whether the kit's views may mount: the kit has a user and its socket has connected once since
 * that login (or 5 s passed). UI Kit 7.2.1's message list, mounted before the socket connects,
 * re-initialises on the "connected" event with a stale generation and never loads the history;
 * mounted after, it loads it, and later reconnects fetch what was missed. Once mounted, the views
 * stay while the kit has its user.
 */
function useLive(chat) {
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (!chat.uid) { setLive(false); return undefined; }
    if (chat.connection === 'connected') { setLive(true); return undefined; }
    const timer = setTimeout(() => setLive(true), 5000);
    return () => clearTimeout(timer);
  }, [chat.uid, chat.connection]);
  return live;
}

function KitViews({ peer, onPick }) {
  const [user, setUser] = useState(() => (peer ? chatUser(peer) : null));
  useEffect(() => {
    if (!peer) { setUser(null); return undefined; }
    let live = true;
    setUser(chatUser(peer));
    // The user as CometChat has it (presence for the header); the views keep working without it.
    CometChat.getUser(peer.id).then((u) => { if (live) setUser(u); }, () => {});
    return () => { live = false; };
  }, [peer?.id]);
  return (
    <div className="chat-layout">
      <div className="chat-conversations" id="kit-conversations">
        <CometChatConversations
          disableSoundForMessages
          hideDeleteConversation
          onItemClick={(conversation) => {
            const withWhom = conversation.getConversationWith();
            if (withWhom instanceof CometChat.User) onPick(withWhom.getUid());
          }}
        />
      </div>
      <div className="chat-messages" id="kit-messages" data-peer={user?.getUid()}>
        {user && (
          <>
            <CometChatMessageHeader user={user} hideBackButton hideVoiceCallButton hideVideoCallButton />
            <div className="chat-list">
              <CometChatMessageList user={user} disableSoundForMessages scrollToBottomOnNewMessages hideTranslateMessageOption />
            </div>
            <CometChatMessageComposer user={user} disableSoundForMessage hideVoiceRecordingButton hideStickersButton hideAIButton />
          </>
        )}
      </div>
    </div>
  );
}
