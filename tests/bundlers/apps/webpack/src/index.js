// Plain JavaScript, bundled by webpack 5 with no config (`webpack --mode production`).
import { TokenManager } from 'chat-token-manager';

const $ = (id) => document.getElementById(id);
const endpoint = new URLSearchParams(location.search).get('endpoint');
const manager = new TokenManager({ endpoint, logger: null });
manager.on('state', (state) => { $('state').textContent = state; });
manager.start().then(
  (info) => {
    $('token').textContent = info.token ? 'received' : 'none';
    $('state').textContent = manager.state;
  },
  (error) => { $('error').textContent = error.code ?? String(error); },
);
