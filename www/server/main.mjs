// `node www/server/main.mjs` — starts the demo (backend + emulator + page) and prints its URL.
// Env: PORT (default 5173; 0 = any free port), HOST (default 127.0.0.1),
// COMETCHAT_APP_ID + COMETCHAT_REGION + COMETCHAT_REST_API_KEY (all three → real CometChat,
// otherwise the embedded emulator), EMULATOR_TOKEN_TTL_MS (default 120000),
// TOKEN_RATE_LIMIT (token requests per user per minute, at least 1, default 30),
// DEMO_EXTRA_ORIGINS (comma-separated origins CORS also allows, e.g. a Vite dev server),
// REDIS_URL (redis://… or rediss://…: sessions and the token rate limit in that Redis, shared by
// every instance using it; unset: in this process).
import { startServer } from './server.mjs';

const env = process.env;
const real = env.COMETCHAT_APP_ID && env.COMETCHAT_REGION && env.COMETCHAT_REST_API_KEY;
const num = (name, dflt, min = 0) => {
  if (env[name] === undefined || env[name] === '') return dflt;
  const n = Number(env[name]);
  if (!Number.isFinite(n) || n < min) { console.error(`${name}: expected a number of at least ${min}`); process.exit(2); }
  return n;
};
const redisUrl = env.REDIS_URL || undefined;
if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) { console.error('REDIS_URL: expected a redis:// or rediss:// URL'); process.exit(2); }

const server = await startServer({
  port: num('PORT', 5173),
  host: env.HOST || '127.0.0.1',
  cometchat: real ? { appId: env.COMETCHAT_APP_ID, region: env.COMETCHAT_REGION, apiKey: env.COMETCHAT_REST_API_KEY } : undefined,
  emulator: { tokenTtlMs: num('EMULATOR_TOKEN_TTL_MS', 120_000) },
  tokenRateLimit: { limit: num('TOKEN_RATE_LIMIT', 30, 1), windowMs: 60_000 },
  redisUrl,
  extraOrigins: (env.DEMO_EXTRA_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  log: (msg, fields) => console.warn(msg, fields ?? ''),
});
console.log(real ? 'chat service: CometChat (from COMETCHAT_* env)' : 'chat service: embedded CometChat emulator');
console.log(`sessions and token rate limit: ${server.store === 'redis' ? 'Redis (REDIS_URL)' : 'in memory'}`);
console.log(`demo: ${server.url}`);
const stop = () => { server.close().then(() => process.exit(0)); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
