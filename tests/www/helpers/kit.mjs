// Page-side helpers for the demo's CometChat UI Kit views (tests/www/e2e.test.mjs): keep every
// request on the machine, send with the kit's own composer, wait for a message in its list.

/**
 * Routes every request of `context`: 127.0.0.1 goes through, anything else is aborted and
 * recorded in the returned array (a test asserts it stays empty: nothing leaves the machine).
 */
export async function keepOnMachine(context) {
  const outside = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    outside.push(url.href);
    return route.abort('blockedbyclient');
  });
  // WebSockets are not routed by context.route: record those too.
  context.on('page', (page) => page.on('websocket', (ws) => {
    if (new URL(ws.url()).hostname !== '127.0.0.1') outside.push(ws.url());
  }));
  return outside;
}

/** Types `text` into the kit's message composer and sends it with Enter. */
export async function send(page, text) {
  const input = page.locator('#kit-messages').getByRole('textbox', { name: 'Type a message' });
  await input.click();
  await input.pressSequentially(text);
  await input.press('Enter');
}

/** Waits until the kit's message list shows a bubble with `text` (visible, not only in the DOM). */
export async function waitForMessage(page, text, timeout = 15_000) {
  await page.locator('#kit-messages .chat-list').getByText(text, { exact: true }).first().waitFor({ state: 'visible', timeout });
}
