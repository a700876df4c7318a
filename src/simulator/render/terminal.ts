// Terminal timeline: one lane per container, fitting 80 columns. Colour (ANSI) only when asked.
//
//   b05-poststart-blocks-next-container
//   Kubernetes 1.33 · Succeeded at 11.1 s
//                0s        2         4         6         8         10
//   regular-1   ▒█████████████████████████████████████████████████▏0
//   regular-2   ···········▒█████▏0
import type { ViewInput } from './lanes';
import { fmt, niceStep, timelineView, type LaneState, type LaneView } from './lanes';

export interface TerminalOptions {
  /** total width in columns (default 80) */
  readonly width?: number;
  /** ANSI colours */
  readonly color?: boolean;
}

const GLYPH: Record<LaneState, string> = { waiting: '·', starting: '▒', serving: '█', terminating: '▓', exited: ' ' };
const ANSI: Record<LaneState, string> = { waiting: '2', starting: '33', serving: '32', terminating: '35', exited: '0' };
const RED = '1;31';

export function renderTerminal(result: ViewInput, options: TerminalOptions = {}): string {
  const width = Math.max(40, options.width ?? 80);
  const color = options.color ?? false;
  const paint = (code: string, s: string): string => (color && s.trim() !== '' ? `\x1b[${code}m${s}\x1b[0m` : s);
  const v = timelineView(result);
  const nameW = Math.min(18, Math.max(4, ...v.lanes.map((l) => l.name.length)));
  const suffixW = 5; // room for the exit code
  const barW = width - nameW - 2 - suffixW;
  const scale = v.end / barW; // seconds per column
  const col = (t: number): number => Math.min(barW - 1, Math.max(0, Math.floor(t / scale)));
  const out: string[] = [];
  out.push(v.title);
  out.push(v.subtitle);

  // time axis
  const step = niceStep(v.end, Math.floor(barW / 8));
  const axis = Array<string>(barW + suffixW).fill(' ');
  for (let t = 0; t <= v.end + 1e-9; t += step) {
    const label = t === 0 ? '0s' : fmt(Math.round(t * 1000) / 1000);
    const c = col(t);
    if (c + label.length <= axis.length) for (let i = 0; i < label.length; i++) axis[c + i] = label[i]!;
  }
  out.push(`${' '.repeat(nameW + 2)}${axis.join('').trimEnd()}`);

  for (const lane of v.lanes) out.push(renderLane(lane, nameW, barW, col, paint));

  // pod Ready lane
  const ready = Array<string>(barW).fill(' ');
  for (const s of v.ready) if (s.ready) for (let c = col(s.from); c <= col(Math.max(s.from, s.to - 1e-9)); c++) ready[c] = '━';
  out.push(`${'Ready'.padEnd(nameW)}  ${paint('36', ready.join('').trimEnd())}`.trimEnd());

  const notes: string[] = [];
  for (const lane of v.lanes) {
    for (const m of lane.markers) {
      if (m.kind === 'needUnmet') notes.push(paint(RED, `✗ ${fmt(m.t)} s ${lane.name} ${m.label}`));
    }
  }
  out.push('');
  out.push(`${GLYPH.waiting} waiting  ${GLYPH.starting} starting  ${GLYPH.serving} serving  ${GLYPH.terminating} terminating   (1 column = ${Number(scale.toPrecision(2))} s)`);
  out.push('! started while a need was not serving  x probe failed  T SIGTERM  K SIGKILL');
  if (notes.length) out.push(...notes);
  if (result.assertions.length) {
    const failed = result.assertions.filter((a) => !a.holds);
    out.push(failed.length === 0
      ? paint('32', `expect: all ${result.assertions.length} assertions hold`)
      : paint(RED, `expect: ${failed.length} of ${result.assertions.length} assertions fail`));
    for (const a of failed) out.push(paint(RED, `  ✗ ${JSON.stringify(a.assertion)}${a.detail ? ` — ${a.detail}` : ''}`));
  }
  return out.join('\n') + '\n';
}

function renderLane(lane: LaneView, nameW: number, barW: number, col: (t: number) => number,
  paint: (code: string, s: string) => string): string {
  const cells: { ch: string; code: string }[] = Array.from({ length: barW }, () => ({ ch: ' ', code: '0' }));
  for (const s of lane.segments) {
    if (s.to <= s.from && s.state !== 'exited') continue;
    const a = col(s.from), b = s.to > s.from ? col(s.to - 1e-9) : a;
    for (let c = a; c <= b; c++) cells[c] = { ch: GLYPH[s.state], code: ANSI[s.state] };
  }
  let lastExit = '';
  for (const m of lane.markers) {
    const c = col(m.t);
    if (m.kind === 'needUnmet') cells[c] = { ch: '!', code: RED };
    else if (m.kind === 'probeFailed' && cells[c]!.ch !== '!') cells[c] = { ch: 'x', code: '33' };
    else if (m.kind === 'sigterm' && cells[c]!.ch !== '!') cells[c] = { ch: 'T', code: '35' };
    else if (m.kind === 'sigkill') cells[c] = { ch: 'K', code: RED };
    if (m.kind === 'exit') lastExit = String(m.code ?? 0);
  }
  // trailing blanks (exited) are trimmed, the last exit code follows the bar
  let endCol = barW;
  while (endCol > 0 && cells[endCol - 1]!.ch === ' ') endCol--;
  let bar = '';
  for (let c = 0; c < endCol; c++) bar += paint(cells[c]!.code, cells[c]!.ch);
  const name = lane.name.length > nameW ? `${lane.name.slice(0, nameW - 1)}…` : lane.name.padEnd(nameW);
  return `${name}  ${bar}${lastExit ? ` ${lastExit}` : ''}`.trimEnd();
}
