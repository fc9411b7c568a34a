// The token timeline: an SVG picture of the last minutes. Each token is a bar from its issue to
// its expiry with a tick at its refresh point; above them, marks for token requests, retries
// (with the delay before each as a dashed line), failed requests, 401s, kit logins and tab
// handoffs; offline spans shaded across the whole picture; a line at "now". No token text:
// tokens are "token #N".
import { useSyncExternalStore } from 'react';
import { timeline } from './timeline.js';
import { clock } from './events.js';

const W = 1000;
const LEFT = 90;
const RIGHT = 14;
const AXIS = 22;
const LANE = 26;
const BAR = 16;

const MARKS = {
  fetch: { lane: 0, color: '#3b5bdb', label: 'token request' },
  retry: { lane: 0, color: '#e67700', label: 'retry' },
  'fetch-failed': { lane: 0, color: '#c92a2a', label: 'request failed' },
  401: { lane: 1, color: '#c92a2a', label: '401 / session lost' },
  login: { lane: 1, color: '#2b8a3e', label: 'kit login' },
  tab: { lane: 1, color: '#7048e8', label: 'from another tab' },
  logout: { lane: 1, color: '#495057', label: 'logout' },
};

function Mark({ kind, x, y, color }) {
  switch (kind) {
    case 'fetch': return <circle cx={x} cy={y} r={5} fill={color} />;
    case 'retry': return <circle cx={x} cy={y} r={5} fill="#fff" stroke={color} strokeWidth={2.5} />;
    case 'fetch-failed': return <path d={`M${x - 5},${y - 5}L${x + 5},${y + 5}M${x + 5},${y - 5}L${x - 5},${y + 5}`} stroke={color} strokeWidth={2.5} />;
    case '401': return <path d={`M${x},${y - 7}L${x + 6},${y + 5}L${x - 6},${y + 5}Z`} fill={color} />;
    case 'login': return <path d={`M${x},${y - 6}L${x + 6},${y}L${x},${y + 6}L${x - 6},${y}Z`} fill={color} />;
    case 'tab': return <rect x={x - 5} y={y - 5} width={10} height={10} fill={color} />;
    default: return <rect x={x - 1.5} y={y - 7} width={3} height={14} fill={color} />;
  }
}

export function Timeline({ now }) {
  const { tokens, marks, offline, delays } = useSyncExternalStore(timeline.subscribe, timeline.get);
  const latest = tokens[tokens.length - 1];
  const lifetime = latest ? latest.expiresAt - latest.issuedAt : 120_000;
  const span = Math.max(60_000, Math.min(2.2 * lifetime, 15 * 60_000));
  const t1 = Math.min(Math.max(now + span * 0.1, (latest?.expiresAt ?? now) + span * 0.04), now + span * 0.6);
  const t0 = t1 - span;
  const x = (t) => LEFT + ((Math.min(Math.max(t, t0), t1) - t0) / span) * (W - LEFT - RIGHT);
  const visible = (t) => t >= t0 && t <= t1;

  const shown = tokens.filter((t) => t.expiresAt >= t0);
  const markTop = AXIS + 6;
  const barsTop = markTop + 2 * LANE;
  const height = barsTop + Math.max(1, shown.length) * LANE + 8;

  const step = [5, 10, 15, 30, 60, 120, 300].map((s) => s * 1000).find((s) => span / s <= 8) ?? 600_000;
  const ticks = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);

  return (
    <section className="card timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Token timeline <span className="muted small">(live, no token values)</span></h2>
      <svg id="timeline" viewBox={`0 0 ${W} ${height}`} width="100%" role="img"
        aria-label={`Token timeline: ${shown.length} token bar(s), ${marks.filter((m) => visible(m.at)).length} mark(s)`}>
        <defs>
          <pattern id="offline-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="8" height="8" fill="#f1f3f5" />
            <line x1="0" y1="0" x2="0" y2="8" stroke="#ced4da" strokeWidth="3" />
          </pattern>
        </defs>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={AXIS - 4} y2={height} stroke="#eef0f4" />
            <text x={x(t)} y={AXIS - 8} fontSize="11" textAnchor="middle" fill="#6b7385">{clock(t)}</text>
          </g>
        ))}
        {offline.filter((s) => (s.to ?? now) >= t0).map((s) => (
          <g key={s.from} data-kind="offline">
            <title>{`offline ${clock(s.from)} – ${s.to ? clock(s.to) : 'now'}`}</title>
            <rect x={x(s.from)} y={AXIS} width={Math.max(2, x(s.to ?? now) - x(s.from))} height={height - AXIS} fill="url(#offline-hatch)" opacity="0.9" />
            <text x={x(s.from) + 4} y={height - 6} fontSize="11" fill="#868e96">offline</text>
          </g>
        ))}
        <text x={8} y={markTop + LANE / 2 + 4} fontSize="12" fill="#6b7385">requests</text>
        <text x={8} y={markTop + LANE + LANE / 2 + 4} fontSize="12" fill="#6b7385">chat</text>
        {delays.filter((d) => d.to >= t0).map((d) => (
          <line key={d.id} data-kind="retry-delay" x1={x(d.from)} x2={x(d.to)} y1={markTop + LANE / 2} y2={markTop + LANE / 2}
            stroke="#e67700" strokeWidth="2" strokeDasharray="4 3"><title>{`retry delay ${Math.round((d.to - d.from) / 100) / 10} s`}</title></line>
        ))}
        {marks.filter((m) => visible(m.at)).map((m) => {
          const spec = MARKS[m.kind] ?? MARKS.logout;
          return (
            <g key={m.id} data-kind={m.kind}>
              <title>{`${clock(m.at)} ${m.text}`}</title>
              <Mark kind={m.kind} x={x(m.at)} y={markTop + spec.lane * LANE + LANE / 2} color={spec.color} />
            </g>
          );
        })}
        {shown.length === 0 && <text x={LEFT} y={barsTop + LANE / 2 + 4} fontSize="12" fill="#6b7385">no token yet</text>}
        {shown.map((t, i) => {
          const y = barsTop + i * LANE + (LANE - BAR) / 2;
          const current = t === latest;
          const x0 = x(t.issuedAt);
          const xr = x(t.refreshAt);
          const x1 = x(t.expiresAt);
          return (
            <g key={t.label} data-kind="token" data-token={t.label}
              aria-label={`${t.label}: issued ${clock(t.issuedAt)} (${t.reason}, from ${t.source}), refresh at ${clock(t.refreshAt)}, expires ${clock(t.expiresAt)}`}>
              <title>{`${t.label}: issued ${clock(t.issuedAt)} (${t.reason}, from ${t.source}); refresh at ${clock(t.refreshAt)}; expires ${clock(t.expiresAt)}`}</title>
              <text x={8} y={y + BAR - 3} fontSize="12" fill={current ? '#1c2230' : '#6b7385'}>{t.label}</text>
              <rect className="token-bar" x={x0} y={y} width={Math.max(2, xr - x0)} height={BAR} rx="3" fill={current ? '#3b5bdb' : '#91a7ff'} />
              <rect x={xr} y={y} width={Math.max(0, x1 - xr)} height={BAR} rx="3" fill={current ? '#fab005' : '#ffe8a3'} />
              <line x1={xr} x2={xr} y1={y - 3} y2={y + BAR + 3} stroke="#1c2230" strokeWidth="2"><title>{`refresh point ${clock(t.refreshAt)}`}</title></line>
              {t.source !== 'network' && <text x={x0 + 4} y={y + BAR - 4} fontSize="10" fill="#fff">{t.source}</text>}
            </g>
          );
        })}
        <line x1={x(now)} x2={x(now)} y1={AXIS - 4} y2={height} stroke="#c92a2a" strokeWidth="1.5" />
        <text x={x(now) + 3} y={height - 6} fontSize="11" fill="#c92a2a">now</text>
      </svg>
      <ul className="legend small">
        <li><svg width="26" height="12"><rect width="13" height="12" fill="#3b5bdb" /><rect x="13" width="13" height="12" fill="#fab005" /></svg> token: usable · past its refresh point</li>
        {['fetch', 'retry', 'fetch-failed', '401', 'login', 'tab'].map((k) => (
          <li key={k}><svg width="14" height="14"><Mark kind={k} x={7} y={7} color={MARKS[k].color} /></svg> {MARKS[k].label}</li>
        ))}
        <li><svg width="22" height="12"><line x1="0" x2="22" y1="6" y2="6" stroke="#e67700" strokeWidth="2" strokeDasharray="4 3" /></svg> retry delay</li>
        <li><svg width="18" height="12"><rect width="18" height="12" fill="url(#offline-hatch)" stroke="#ced4da" /></svg> offline</li>
      </ul>
    </section>
  );
}
