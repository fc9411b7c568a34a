// A server component that renders the client component with the endpoint from ?endpoint=….
import ChatStatus from './chat-status';

export default async function Page({ searchParams }) {
  const { endpoint } = await searchParams;
  return <ChatStatus endpoint={endpoint} />;
}
