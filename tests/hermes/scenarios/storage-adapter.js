// An async storage adapter shaped like AsyncStorage / expo-secure-store: the token a first
// launch fetched is reused by the next launch with no request (source 'storage', logged in
// again), and logout() removes the entry.
scenario('storage adapter (AsyncStorage-like): the next launch reuses the stored token', async function (t) {
  var store = {};
  var adapter = {
    getItem: function (k) {
      return new Promise(function (resolve) {
        setTimeout(function () {
          resolve(Object.prototype.hasOwnProperty.call(store, k) ? store[k] : null);
        }, 5);
      });
    },
    setItem: function (k, v) {
      return new Promise(function (resolve) {
        setTimeout(function () {
          store[k] = String(v);
          resolve();
        }, 5);
      });
    },
    removeItem: function (k) {
      return new Promise(function (resolve) {
        setTimeout(function () {
          delete store[k];
          resolve();
        }, 5);
      });
    },
  };
  var first = new t.pkg.TokenManager({ endpoint: 'https://app.example/api/chat-token', storage: adapter, storageKey: 'chat' });
  var p1 = first.start();
  await t.advance(50);
  t.assert.equal((await p1).source, 'network', 'first launch fetches');
  await t.advance(50);
  t.assert.ok(typeof store.chat === 'string' && store.chat.length > 0, 'the token was persisted under storageKey');
  // Only that key: expo-secure-store accepts keys of [A-Za-z0-9._-] only.
  t.assert.deepEqual(Object.keys(store), ['chat'], 'keys written');
  first.dispose();

  await t.advance(60 * 1000); // the app is relaunched a minute later
  var logins = [];
  var second = new t.pkg.TokenManager({
    endpoint: 'https://app.example/api/chat-token',
    storage: adapter,
    storageKey: 'chat',
    login: function (token) {
      logins.push(token);
    },
  });
  var p2 = second.start();
  await t.advance(50);
  var info = await p2;
  t.assert.equal(info.source, 'storage', 'second launch source');
  t.assert.equal(info.token, 'hermes-tok-1', 'second launch token');
  t.assert.equal(t.server.requests.length, 1, 'no request on the second launch');
  t.assert.deepEqual(logins, ['hermes-tok-1'], 'the stored token was logged in');
  await second.logout();
  await t.advance(50);
  t.assert.ok(!('chat' in store), 'logout() removed the entry');
  t.noLeaks(second);
  second.dispose();
});
