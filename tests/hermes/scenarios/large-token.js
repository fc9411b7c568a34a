// A 256 KB token makes the core's memory grow (wasm2js replaces its ArrayBuffer): the token
// still comes back intact, twice in a row, and so does a small one after it.
scenario('large token: memory growth in the translated core keeps tokens intact', async function (t) {
  var chunk = 'abcdefghijklmnopqrstuvwxyz0123456789-_';
  var big = 'hermes-tok-big-';
  while (big.length < 256 * 1024) big += chunk;
  var big2 = big.slice(0, big.length - 1) + 'Z';
  t.server.minted.push(big, big2);
  t.server.script.push({ status: 200, body: { authToken: big, expiresIn: 3600 } });
  t.server.script.push({ status: 200, body: { authToken: big2, expiresIn: 3600 } });
  var logins = [];
  var m = new t.pkg.TokenManager({
    endpoint: 'https://app.example/api/chat-token',
    login: function (token) {
      logins.push(token.length + ':' + token.slice(-8));
    },
  });
  var p = m.start();
  await t.advance(0);
  t.assert.ok((await p).token === big, 'first large token intact');
  var r = m.refresh();
  await t.advance(0);
  t.assert.ok((await r).token === big2, 'second large token intact');
  t.assert.ok((await m.getToken()) === big2, 'getToken() returns it');
  var s = m.refresh();
  await t.advance(0);
  t.assert.equal((await s).token, 'hermes-tok-3', 'a small token after the large ones');
  t.assert.deepEqual(logins, [big.length + ':' + big.slice(-8), big2.length + ':' + big2.slice(-8), '12:es-tok-3'], 'logins');
  t.noLeaks(m);
  m.dispose();
});
