// "Go offline" for the demo: the page reports navigator.onLine === false and fires `offline`
// (what the manager listens to), and the demo's token fetch fails like a dropped network.
// "Go online" undoes both and fires `online`, which makes the manager resume at once.
const descriptor = Object.getOwnPropertyDescriptor(Navigator.prototype, 'onLine');
let simulatedOffline = false;
const listeners = new Set();

Object.defineProperty(Navigator.prototype, 'onLine', {
  configurable: true,
  get() {
    return !simulatedOffline && descriptor.get.call(this);
  },
});

export const network = {
  get offline() {
    return simulatedOffline;
  },
  set(offline) {
    if (offline === simulatedOffline) return;
    simulatedOffline = offline;
    window.dispatchEvent(new Event(offline ? 'offline' : 'online'));
    for (const listener of listeners) listener();
  },
  subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
