// A self-contained HTML page with an SVG Gantt chart of a result: one lane per container, states
// coloured, probe failures, signals and exits marked, and in red the moment a container started
// while a container it needs was not serving. No scripts, no external resources.
import { fmt, niceStep, timelineView, type LaneState, type Marker, type ViewInput } from './lanes';

/** Colours of the chart (exported for tests that look at rendered pixels). */
export const COLORS = {
  waiting: '#c9ced6',
  starting: '#f2b632',
  serving: '#2e9e4f',
  terminating: '#8a63c9',
  exited: '#f3f4f6',
  needUnmet: '#e60026',
  probeFailed: '#ff8c00',
  sigterm: '#4b2a86',
  sigkill: '#111111',
  ready: '#1f7ab8',
  grid: '#e3e6ea',
  text: '#1d232b',
} as const;

const ROLE_LABEL = { init: 'init', sidecar: 'sidecar', main: 'main', unknown: '' } as const;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));
}

export interface HtmlOptions {
  /** chart width in px (default 1100) */
  readonly width?: number;
}

export function renderSvg(result: ViewInput, options: HtmlOptions = {}): string {
  const v = timelineView(result);
  const W = options.width ?? 1100;
  const left = 190, right = 30, top = 64, laneH = 34, barH = 18;
  const plotW = W - left - right;
  const lanesH = (v.lanes.length + 1) * laneH;
  const legendY0 = top + lanesH + 34;
  const H = legendY0 + 64;
  const x = (t: number): number => left + (t / v.end) * plotW;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="13" role="img" aria-label="${esc(`Timeline of ${v.title}`)}">`);
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="16" y="26" font-size="17" font-weight="600" fill="${COLORS.text}">${esc(v.title)}</text>`);
  parts.push(`<text x="16" y="46" fill="#56606b">${esc(v.subtitle)}</text>`);

  // time axis and grid
  const step = niceStep(v.end, 12);
  const axisY = top + lanesH;
  for (let t = 0; t <= v.end + 1e-9; t += step) {
    const tx = x(t).toFixed(1);
    parts.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${axisY}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    parts.push(`<text x="${tx}" y="${axisY + 16}" text-anchor="middle" fill="#56606b" font-size="12">${fmt(Math.round(t * 1000) / 1000)} s</text>`);
  }
  parts.push(`<line x1="${left}" y1="${axisY}" x2="${left + plotW}" y2="${axisY}" stroke="#8b949e" stroke-width="1"/>`);

  v.lanes.forEach((lane, i) => {
    const y = top + i * laneH;
    const by = y + (laneH - barH) / 2;
    parts.push(`<g class="lane" data-container="${esc(lane.name)}">`);
    const label = lane.name.length > 22 ? `${lane.name.slice(0, 21)}…` : lane.name;
    const role = ROLE_LABEL[lane.role];
    parts.push(`<text x="16" y="${y + laneH / 2 + (role ? 0 : 4)}" fill="${COLORS.text}" font-weight="600">${esc(label)}<title>${esc(lane.name)}</title></text>`);
    if (role) parts.push(`<text x="16" y="${y + laneH / 2 + 12}" fill="#8b949e" font-size="10">${role}</text>`);
    for (const s of lane.segments) {
      if (s.to <= s.from) continue;
      const w = Math.max(1, x(s.to) - x(s.from));
      parts.push(`<rect class="seg ${s.state}" x="${x(s.from).toFixed(1)}" y="${by}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[s.state]}"${s.state === 'exited' ? ' stroke="#d5d9de" stroke-width="0.5"' : ''}><title>${esc(`${lane.name} run ${s.run}: ${s.state} ${fmt(s.from)}–${fmt(s.to)} s`)}</title></rect>`);
    }
    for (const m of lane.markers) parts.push(marker(m, x(m.t), by, barH, lane.name));
    parts.push(`</g>`);
  });

  // pod Ready lane
  const ry = top + v.lanes.length * laneH;
  parts.push(`<text x="16" y="${ry + laneH / 2 + 4}" fill="${COLORS.text}" font-style="italic">pod Ready</text>`);
  for (const s of v.ready) {
    if (!s.ready || s.to <= s.from) continue;
    parts.push(`<rect class="ready" x="${x(s.from).toFixed(1)}" y="${ry + laneH / 2 - 3}" width="${Math.max(1, x(s.to) - x(s.from)).toFixed(1)}" height="6" fill="${COLORS.ready}"><title>Ready ${fmt(s.from)}–${fmt(s.to)} s</title></rect>`);
  }

  // legend (wraps to a second row when needed)
  let lx = 16;
  let ly = legendY0;
  const item = (draw: (x: number, y: number) => string, label: string, wLabel: number): void => {
    if (lx + 22 + wLabel > W - 16) { lx = 16; ly += 24; }
    parts.push(draw(lx, ly));
    parts.push(`<text x="${lx + 22}" y="${ly + 4}" fill="${COLORS.text}" font-size="12">${esc(label)}</text>`);
    lx += 22 + wLabel;
  };
  for (const st of ['waiting', 'starting', 'serving', 'terminating', 'exited'] as LaneState[]) {
    item((X, Y) => `<rect x="${X}" y="${Y - 7}" width="16" height="12" fill="${COLORS[st]}" stroke="#b8bec6" stroke-width="0.5"/>`, st, st.length * 7 + 14);
  }
  item((X, Y) => `<path d="M ${X} ${Y - 7} l 8 12 l 8 -12 z" fill="${COLORS.probeFailed}"/>`, 'probe failed', 92);
  item((X, Y) => `<rect x="${X + 6}" y="${Y - 8}" width="3" height="16" fill="${COLORS.sigterm}"/>`, 'SIGTERM', 64);
  item((X, Y) => `<rect x="${X + 6}" y="${Y - 8}" width="3" height="16" fill="${COLORS.sigkill}"/>`, 'SIGKILL', 60);
  item((X, Y) => `<circle cx="${X + 8}" cy="${Y - 1}" r="6" fill="${COLORS.needUnmet}"/>`, 'started while a dependency was not serving', 300);
  item((X, Y) => `<rect x="${X}" y="${Y - 3}" width="16" height="6" fill="${COLORS.ready}"/>`, 'pod Ready', 70);
  parts.push('</svg>');
  return parts.join('\n');
}

function marker(m: Marker, mx: number, by: number, barH: number, lane: string): string {
  const X = mx.toFixed(1);
  const title = `<title>${esc(`${lane}: ${m.label} at ${fmt(m.t)} s`)}</title>`;
  switch (m.kind) {
    case 'needUnmet':
      return `<g class="need-unmet">${title}<rect x="${(mx - 2).toFixed(1)}" y="${by - 9}" width="4" height="${barH + 18}" fill="${COLORS.needUnmet}"/><circle cx="${X}" cy="${by - 9}" r="7" fill="${COLORS.needUnmet}"/><text x="${(mx + 10).toFixed(1)}" y="${by - 5}" fill="${COLORS.needUnmet}" font-size="12" font-weight="600">${esc(m.label)}</text></g>`;
    case 'probeFailed':
      return `<path class="probe-failed" d="M ${(mx - 5).toFixed(1)} ${by - 8} l 5 8 l 5 -8 z" fill="${COLORS.probeFailed}">${title}</path>`;
    case 'sigterm':
      return `<rect class="sigterm" x="${(mx - 1.5).toFixed(1)}" y="${by - 4}" width="3" height="${barH + 8}" fill="${COLORS.sigterm}">${title}</rect>`;
    case 'sigkill':
      return `<rect class="sigkill" x="${(mx - 1.5).toFixed(1)}" y="${by - 4}" width="3" height="${barH + 8}" fill="${COLORS.sigkill}">${title}</rect>`;
    case 'exit':
      return `<text class="exit" x="${(mx + 3).toFixed(1)}" y="${by + barH + 12}" font-size="10" fill="${m.code === 0 ? '#56606b' : '#b3261e'}">${esc(String(m.code ?? 0))}${title}</text>`;
    case 'preStop':
      return `<path class="prestop" d="M ${X} ${by + barH} l -4 6 l 8 0 z" fill="${COLORS.terminating}">${title}</path>`;
    case 'postStart':
      return `<path class="poststart" d="M ${X} ${by + barH} l -4 6 l 8 0 z" fill="${COLORS.starting}">${title}</path>`;
  }
}

/** The full page: the chart, then the assertions of `expect` and the events as a table. */
export function renderHtml(result: ViewInput, options: HtmlOptions = {}): string {
  const svg = renderSvg(result, options);
  const rows = result.assertions.map((a) =>
    `<li class="${a.holds ? 'ok' : 'fail'}">${a.holds ? '✓' : '✗'} <code>${esc(JSON.stringify(a.assertion))}</code>${a.detail && !a.holds ? ` — ${esc(a.detail)}` : ''}</li>`).join('\n');
  const events = result.events.map((e) =>
    `<tr><td>${e.t}</td><td>${esc(e.container)}</td><td>${e.run}</td><td>${esc(e.type)}</td><td>${esc([e.exitCode ?? '', e.signal ?? '', e.probe ?? '', (e.unmet ?? []).join(' '), e.reason ?? ''].filter((x) => x !== '').join(' '))}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(result.scenario)} — pod lifecycle timeline</title>
<style>
body { margin: 0; padding: 16px 24px; font: 14px system-ui, -apple-system, "Segoe UI", sans-serif; color: ${COLORS.text}; background: #fff; }
h2 { font-size: 15px; margin: 20px 0 8px; }
ul { list-style: none; padding: 0; margin: 0; }
li.ok { color: #1d6b35; } li.fail { color: #b3261e; font-weight: 600; }
code { font: 12px ui-monospace, monospace; }
table { border-collapse: collapse; font: 12px ui-monospace, monospace; }
td { padding: 1px 10px 1px 0; border-bottom: 1px solid #eef0f2; }
details { margin-top: 12px; }
</style>
</head>
<body>
${svg}
${result.assertions.length ? `<h2>expect</h2>\n<ul>\n${rows}\n</ul>` : ''}
<details><summary>events (${result.events.length})</summary>
<table><tr><th align="left">t (s)</th><th align="left">container</th><th align="left">run</th><th align="left">event</th><th align="left"></th></tr>
${events}
</table></details>
</body>
</html>
`;
}
