// Renders the HTML timeline of a startup race in headless Chromium (Debian `chromium`) and checks
// the picture itself: the lanes are drawn as bars and the red "started while a dependency was not
// serving" marker is there, on the app's lane. The PNG is decoded here with node's zlib.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseScenarioText } from '../../../src/scenario/index';
import { simulate } from '../../../src/simulator/index';
import { renderHtml, COLORS } from '../../../src/simulator/render/html';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function findChromium(): string | undefined {
  for (const c of [process.env.CHROMIUM_PATH, ...CANDIDATES]) {
    if (!c) continue;
    const r = spawnSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
    if (existsSync(c)) return c;
  }
  return undefined;
}

interface Image { width: number; height: number; px(x: number, y: number): [number, number, number] }

/** Minimal PNG decoder: 8-bit RGB or RGBA, non-interlaced (what Chromium writes). */
export function decodePng(buf: Buffer): Image {
  assert.equal(buf.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'not a PNG');
  let pos = 8, width = 0, height = 0, colorType = 0, bitDepth = 0, interlace = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') { width = data.readUInt32BE(0); height = data.readUInt32BE(4); bitDepth = data[8]!; colorType = data[9]!; interlace = data[12]!; }
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  assert.equal(bitDepth, 8); assert.equal(interlace, 0);
  assert.ok(colorType === 2 || colorType === 6, `colour type ${colorType}`);
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[y * stride + i - bpp]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = i >= bpp && y > 0 ? out[(y - 1) * stride + i - bpp]! : 0;
      const x = raw[src + i]!;
      let v: number;
      switch (f) {
        case 0: v = x; break;
        case 1: v = x + a; break;
        case 2: v = x + b; break;
        case 3: v = x + ((a + b) >> 1); break;
        case 4: { const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c); break; }
        default: throw new Error(`bad PNG filter ${f}`);
      }
      out[y * stride + i] = v & 0xff;
    }
  }
  return { width, height, px: (x, y) => { const o = y * stride + x * bpp; return [out[o]!, out[o + 1]!, out[o + 2]!]; } };
}

const rgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
const near = (p: [number, number, number], q: [number, number, number], tol = 10) => Math.abs(p[0] - q[0]) <= tol && Math.abs(p[1] - q[1]) <= tol && Math.abs(p[2] - q[2]) <= tol;

test('HTML timeline renders in headless Chromium: lanes drawn, need-unmet marker in red on the app lane', () => {
  const chromium = findChromium();
  assert.ok(chromium, 'headless Chromium is needed for this test and was not found: install it with `apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_PATH');
  const dir = mkdtempSync(join(tmpdir(), 'sidecarctl-shot-'));
  try {
    const { scenario } = parseScenarioText(readFileSync('../shared/scenarios/S3-cronjob-native-sidecar-no-probe.yaml', 'utf8'));
    const result = simulate(scenario);
    const html = join(dir, 'timeline.html');
    const png = join(dir, 'timeline.png');
    writeFileSync(html, renderHtml(result));
    const r = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`,
      `--screenshot=${png}`, '--window-size=1200,600', pathToFileURL(html).href], { encoding: 'utf8', timeout: 90_000 });
    assert.ok(existsSync(png), `chromium wrote no screenshot (exit ${r.status}): ${r.stderr?.slice(-2000)}`);
    const img = decodePng(readFileSync(png));
    assert.equal(img.width, 1200);

    // lanes: horizontal bands of long bars in the state colours
    const laneColours = (['waiting', 'starting', 'serving', 'terminating'] as const).map((k) => rgb(COLORS[k]));
    const bandRows: number[] = [];
    for (let y = 0; y < img.height; y++) {
      let n = 0;
      for (let x = 200; x < img.width; x++) if (laneColours.some((c) => near(img.px(x, y), c))) n++;
      if (n >= 200) bandRows.push(y);
    }
    const bands: [number, number][] = [];
    for (const y of bandRows) {
      const last = bands[bands.length - 1];
      if (last && y === last[1] + 1) last[1] = y; else bands.push([y, y]);
    }
    // (thin rows such as the anti-aliased axis line are not bars)
    const bars = bands.filter(([a, b]) => b - a >= 10);
    assert.equal(bars.length, result.lanes.length, `expected one bar band per container (${result.lanes.map((l) => l.name).join(', ')}), got ${JSON.stringify(bands)}`);

    // the red marker: enough pure-red pixels, crossing the second lane (sidecar-user, the app)
    const red = rgb(COLORS.needUnmet);
    let redCount = 0;
    const redRows = new Set<number>();
    for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (near(img.px(x, y), red, 16)) { redCount++; redRows.add(y); }
    assert.ok(redCount >= 60, `the need-unmet marker is missing (${redCount} red pixels)`);
    const appBand = bars[1]!;
    assert.ok([...redRows].some((y) => y >= appBand[0] && y <= appBand[1]), 'the red marker crosses the app lane');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
