// The engine is Hermes without WebAssembly or the web platform, and the package still works:
// it loaded, and a token whose text is not ASCII goes through (UTF-8 without TextEncoder).
scenario('engine: no WebAssembly, TextEncoder, TextDecoder or DOM, and the package works', async function (t) {
  t.assert.equal(typeof WebAssembly, 'undefined', 'typeof WebAssembly');
  t.assert.equal(typeof TextEncoder, 'undefined', 'typeof TextEncoder');
  t.assert.equal(typeof TextDecoder, 'undefined', 'typeof TextDecoder');
  t.assert.equal(typeof window, 'undefined', 'typeof window');
  t.assert.equal(typeof document, 'undefined', 'typeof document');
  t.assert.equal(typeof localStorage, 'undefined', 'typeof localStorage');
  t.assert.equal(typeof BroadcastChannel, 'undefined', 'typeof BroadcastChannel');
  t.assert.equal(typeof navigator, 'undefined', 'typeof navigator');
  t.assert.ok(typeof HermesInternal === 'object' && HermesInternal !== null, 'running in Hermes');
  var token = 'hermes-tok-ünï-çødé-✓-😀';
  t.server.minted.push(token);
  t.server.script.push({ status: 200, body: { authToken: token, expiresIn: 600 } });
  var m = new t.pkg.TokenManager({ endpoint: 'https://app.example/api/chat-token' });
  var p = m.start();
  await t.advance(0);
  var info = await p;
  t.assert.equal(info.token, token, 'non-ASCII token round-trip');
  t.assert.equal(info.expiresAt, t.clock.now + 600000, 'expiresAt');
  t.assert.equal(await m.getToken(), token, 'getToken()');
  t.noLeaks(m);
  m.dispose();
});
