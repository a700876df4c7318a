// Terminal and HTML timelines over every scenario: 80 columns, colour only when asked, the
// chart's lanes, markers and legend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseScenarioText } from '../../../src/scenario/index';
import { simulate, toResultJson } from '../../../src/simulator/index';
import { renderTerminal } from '../../../src/simulator/render/terminal';
import { renderHtml, renderSvg } from '../../../src/simulator/render/html';
import { scenarioFiles } from './scenario-files';

const results = scenarioFiles().map((f) => ({ f, r: simulate(parseScenarioText(readFileSync(f, 'utf8')).scenario) }));

test('terminal timeline: one lane per container, at most 80 columns, no colour unless asked', () => {
  for (const { f, r } of results) {
    const text = renderTerminal(r);
    for (const line of text.split('\n')) assert.ok([...line].length <= 80, `${f}: ${[...line].length} columns: ${line}`);
    assert.doesNotMatch(text, /\u001b/);
    for (const lane of r.lanes) assert.match(text, new RegExp(`^${lane.name.slice(0, 17).replace(/[-.]/g, '\\$&')}`, 'm'), `${f}: lane ${lane.name}`);
    const coloured = renderTerminal(r, { color: true });
    assert.match(coloured, /\u001b\[/);
    assert.equal(coloured.replace(/\u001b\[[0-9;]*m/g, ''), text, 'colour changes nothing but colour');
  }
});

test('terminal timeline of a race: the need-unmet moment is called out', () => {
  const r = results.find((x) => x.f.includes('S3-'))!.r;
  const text = renderTerminal(r);
  assert.match(text, /!/);
  assert.match(text, /✗ 0\.7 s sidecar-user started while slow-sidecar not serving/);
});

test('the renderers also take a plain result (e.g. from a real cluster), lanes from the events', () => {
  const r = toResultJson(results.find((x) => x.f.includes('E29'))!.r);
  const text = renderTerminal(r);
  for (const c of ['restartable-init-1', 'restartable-init-2', 'restartable-init-3', 'regular-1']) assert.match(text, new RegExp(c));
  assert.match(renderSvg(r), /data-container="regular-1"/);
});

test('SVG chart: lanes, state colours, signals, legend, time axis; escaped names', () => {
  for (const { f, r } of results) {
    const svg = renderSvg(r);
    assert.equal((svg.match(/<g class="lane"/g) ?? []).length, r.lanes.length, f);
    assert.match(svg, /<text[^>]*>\d+(\.\d+)? s<\/text>/, `${f}: time axis`);
    for (const label of ['waiting', 'starting', 'serving', 'terminating', 'exited', 'probe failed', 'SIGTERM', 'SIGKILL', 'pod Ready']) assert.ok(svg.includes(`>${label}</text>`), `${f}: legend ${label}`);
    const needs = r.events.filter((e) => e.type === 'NeedUnmet').length;
    assert.equal((svg.match(/class="need-unmet"/g) ?? []).length, needs, f);
    assert.equal((svg.match(/class="probe-failed"/g) ?? []).length, r.events.filter((e) => e.type === 'ProbeFailed').length, f);
  }
  const html = renderHtml({ ...toResultJson(results[0]!.r), scenario: '<script>alert(1)</script>' });
  assert.doesNotMatch(html, /<script>alert/);
});
