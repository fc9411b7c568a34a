// The persisted (and cross-tab) form of a token, written and read by the host exactly as the
// core's `stored::format` and `stored::parse` do (crates/core/src/stored.rs): lines
// `ctm1`, issuedAt, expiresAt, token, refresh token (or empty), WebSocket token (or empty).
import { trim } from './decode.mjs';

/** `char::is_control`: what an entry's token lines may not contain. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** The entry text; undefined for a token with a control character (it cannot be stored). */
export function formatEntry(issued, expires, token, refresh = '', ws = '') {
  return CONTROL.test(token + refresh + ws) ? undefined : ['ctm1', issued, expires, token, refresh, ws].join('\n');
}

/** `[issuedAt, expiresAt, token, refreshToken, wsToken]` of a well-formed entry, else undefined. */
export function parseEntry(text) {
  const l = text.split('\n');
  const time = (s) => (/^\d{1,16}$/.test(s) && +s <= 9007199254740991 ? +s : -1);
  const issued = time(l[1]);
  const expires = time(l[2]);
  return l.length === 6 && l[0] === 'ctm1' && issued >= 0 && expires > issued && trim(l[3]) !== '' && !CONTROL.test(l[3] + l[4] + l[5])
    ? [issued, expires, l[3], l[4], l[5]]
    : undefined;
}
