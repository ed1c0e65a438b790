// The HTML report's script: reads the embedded JSON, draws the pool's lanes
// (zoomable; leases narrower than two pixels are merged at low zoom, so a
// run of 10,000 test cases stays a few thousand SVG elements) and the tables.
// Every text goes in through textContent: names from the data never become markup.
#include "harness/report_html/html_report.hpp"

namespace testdb::detail {

const char* const kHtmlScript = R"TESTDB(
'use strict';
(function () {
const D = JSON.parse(document.getElementById('testdb-data').textContent);
const R = D.report || {};
const T = R.timeline || null;
const app = document.getElementById('app');
const NS = 'http://www.w3.org/2000/svg';
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = String(text);
  return e;
}
function sv(tag, attrs, title) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (title) { const t = document.createElementNS(NS, 'title'); t.textContent = title; e.appendChild(t); }
  return e;
}
function section(title, id) {
  const s = el('section', {id: id}); s.appendChild(el('h2', {}, title)); app.appendChild(s); return s;
}
function table(parent, id, head, rows) {
  const t = el('table', {id: id}); const tr = el('tr');
  head.forEach(h => tr.appendChild(el('th', {}, h))); t.appendChild(tr);
  rows.forEach(r => { const row = el('tr');
    r.forEach(c => row.appendChild(typeof c === 'number' ? el('td', {class: 'num'}, c) : el('td', {}, c)));
    t.appendChild(row); });
  parent.appendChild(t);
}
const secs = us => (us / 1e6).toFixed(us < 1e7 ? 3 : 1) + ' s';
const fixed = (v, n) => (typeof v === 'number' ? v.toFixed(n) : '?');
function version(v) {
  if (!v) return 'unknown';
  const major = Math.floor(v / 10000);
  return major >= 10 ? major + '.' + (v % 10000) : major + '.' + Math.floor(v / 100) % 100 + '.' + v % 100;
}
function colour(i) { return 'hsl(' + ((i * 137.508) % 360).toFixed(0) + ',62%,52%)'; }

const tests = R.tests || {total: 0, failed: 0};
const pool = R.pool || {};
const facts = R.facts || {};
document.title = 'testdb report ' + (R.run_token || '');
app.appendChild(el('h1', {}, 'testdb run ' + (R.run_token || '(no run token)')));
app.appendChild(el('p', {id: 'summary'}, (tests.total - tests.failed) + '/' + tests.total +
  ' tests passed in ' + fixed(R.seconds, 2) + ' s' + (D.verdict ? ' \u2014 ' + D.verdict : '')));

if (R.startup_error || D.error) {
  const s = section('The run failed', 'run-error'); s.className = 'error';
  if (R.startup_error) {
    s.appendChild(el('p', {}, R.startup_error.kind + ' at start' +
      (R.startup_error.url ? ' (url ' + R.startup_error.url + ')' : '')));
    s.appendChild(el('pre', {}, R.startup_error.message));
  }
  if (D.error) s.appendChild(el('pre', {}, D.error));
}

const f = section('Run', 'facts');
table(f, 'facts-table', ['fact', 'value'], [
  ['tier', facts.tier || 'unknown'], ['connection_limit', String(R.connection_limit || 0)],
  ['pool_timeout', facts.pool_timeout_seconds !== undefined ? facts.pool_timeout_seconds + ' s' : 'unknown'],
  ['server version', version(facts.server_version)], ['run token', R.run_token || ''],
  ['url', facts.url || '(embedded server)'], ['shard', facts.shard || 'not sharded'],
  ['pool', 'peak ' + (pool.peak_in_use || 0) + '/' + (R.connection_limit || 0) + ', ' +
    (pool.acquires || 0) + ' leases, ' + (pool.waits || 0) + ' waits (max ' + fixed(pool.max_wait_ms, 1) +
    ' ms), ' + (pool.timeouts || 0) + ' timeouts, ' + (pool.replaced || 0) + ' replaced, ' +
    (pool.rolled_back || 0) + ' given back in a transaction']]);

function drawTimeline() {
  const sec = section('Connections over time', 'timeline-section');
  if (!T) { sec.appendChild(el('p', {class: 'note'}, 'No lease timeline was recorded (TESTDB_RECORD_LEASES=0, or the run ended before its pool existed).')); return; }
  const cols = {}; T.columns.forEach((c, i) => { cols[c] = i; });
  const ev = T.events.map(r => ({asked: r[cols.asked_us], granted: r[cols.granted_us],
    returned: r[cols.returned_us], label: T.labels[r[cols.label]], fileIx: r[cols.file],
    file: T.files[r[cols.file]], line: r[cols.line], slot: r[cols.slot], end: r[cols.end],
    tx: r[cols.in_transaction]}));
  const end = Math.max(T.taken_us, 1);
  const lanes = [];
  for (let i = 0; i < T.connection_limit; ++i) lanes.push([]);
  ev.forEach(e => { if (e.granted >= 0 && e.slot >= 0 && e.slot < lanes.length) lanes[e.slot].push(e); });
  lanes.forEach(l => l.sort((a, b) => a.granted - b.granted));
  const steps = [];
  ev.forEach(e => { const until = e.granted >= 0 ? e.granted : e.returned;
    if (until > e.asked) { steps.push([e.asked, 1]); steps.push([until, -1]); } });
  steps.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const timeouts = ev.filter(e => e.end === 'timed_out');
  if (T.dropped > 0) sec.appendChild(el('p', {class: 'note', id: 'dropped'}, T.dropped +
    ' leases past the cap of ' + T.cap + ' events were counted, not drawn (they waited ' +
    secs(T.dropped_wait_us) + ' in all); timeouts, leaks and broken connections are still marked.'));
  const controls = el('div', {class: 'controls'});
  const holder = el('div', {id: 'timeline-holder'});
  sec.appendChild(controls); sec.appendChild(holder);
  let view = [0, end];
  function button(text, fn) { const b = el('button', {type: 'button'}, text);
    b.addEventListener('click', () => { fn(); render(); }); controls.appendChild(b); }
  function zoom(k) { const mid = (view[0] + view[1]) / 2; const half = Math.max((view[1] - view[0]) * k / 2, 50);
    view = [Math.max(0, mid - half), Math.min(end, mid + half)]; }
  function pan(k) { const w = view[1] - view[0]; const s = Math.max(0, Math.min(end - w, view[0] + w * k)); view = [s, s + w]; }
  button('whole run', () => { view = [0, end]; }); button('zoom in', () => zoom(0.5));
  button('zoom out', () => zoom(2)); button('\u25c0', () => pan(-0.5)); button('\u25b6', () => pan(0.5));
  if (timeouts.length) button('first timeout', () => { const t = timeouts[0].returned; const w = Math.max(2 * (t - timeouts[0].asked), 1000);
    view = [Math.max(0, t - w), Math.min(end, t + w / 4)]; });
  const range = el('span', {class: 'note'}); controls.appendChild(range);
  const W = 1100, left = 120, laneH = 22, gap = 6, waitH = 44, actH = 70;
  function render() {
    holder.textContent = '';
    const t0 = view[0], t1 = view[1], px = (W - left - 10) / (t1 - t0);
    const X = t => left + (Math.min(Math.max(t, t0), t1) - t0) * px;
    range.textContent = ' showing ' + secs(t0) + ' \u2013 ' + secs(t1) + ' of ' + secs(end);
    const top = 18, waitTop = top + lanes.length * (laneH + gap) + 4, H = waitTop + waitH + 8;
    const s = sv('svg', {id: 'timeline', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H});
    const axis = sv('g', {class: 'axis'});
    for (let k = 0; k <= 6; ++k) { const t = t0 + (t1 - t0) * k / 6, x = X(t);
      axis.appendChild(sv('line', {x1: x, x2: x, y1: top - 4, y2: H})); const tx = sv('text', {x: k === 6 ? x - 2 : x + 2, y: 11, 'text-anchor': k === 6 ? 'end' : 'start'}); tx.textContent = secs(t); axis.appendChild(tx); }
    s.appendChild(axis);
    lanes.forEach((lane, i) => {
      const y = top + i * (laneH + gap);
      const busy = lane.reduce((sum, e) => sum + ((e.returned >= 0 ? e.returned : end) - e.granted), 0);
      const g = sv('g', {class: 'lane', 'data-slot': i});
      g.appendChild(sv('rect', {class: 'lane-bg', x: left, y: y, width: W - left - 10, height: laneH},
        'connection ' + i + ': ' + lane.length + ' leases, held ' + (100 * busy / end).toFixed(1) + '% of the run'));
      const name = sv('text', {x: 4, y: y + 15}); name.textContent = 'connection ' + i; g.appendChild(name);
      let agg = null;
      const flush = () => { if (agg) g.appendChild(sv('rect', {class: 'bar agg', x: agg.x0, y: y + 3, width: Math.max(agg.x1 - agg.x0, 1), height: laneH - 6},
        agg.n + ' leases (zoom in to see each)')); agg = null; };
      lane.forEach(e => {
        const to = e.returned >= 0 ? e.returned : end;
        if (to < t0 || e.granted > t1) return;
        const x0 = X(e.granted), x1 = X(to);
        if (x1 - x0 < 2 && e.end === 'returned' && !e.tx) {
          if (agg && x0 - agg.x1 < 2) { agg.x1 = Math.max(agg.x1, x1); agg.n += 1; } else { flush(); agg = {x0: x0, x1: x1, n: 1}; }
          return;
        }
        flush();
        const cls = 'bar' + (e.end === 'leaked' ? ' leaked' : '') + (e.tx ? ' in-tx' : '');
        g.appendChild(sv('rect', {class: cls, x: x0, y: y + 3, width: Math.max(x1 - x0, 1), height: laneH - 6, fill: colour(e.fileIx), 'data-file': e.file + ':' + e.line},
          '"' + e.label + '" at ' + e.file + ':' + e.line + ', held ' + secs(to - e.granted) + ', waited ' + secs(e.granted - e.asked) +
          (e.tx ? ', given back inside a transaction' : '') + (e.end !== 'returned' ? ', ' + e.end : '')));
        if (e.end === 'broken') { const m = sv('g', {class: 'marker broken'}, 'broken connection replaced after "' + e.label + '" at ' + e.file + ':' + e.line);
          m.appendChild(sv('path', {d: 'M' + (x1 - 5) + ' ' + (y + 2) + 'l10 ' + (laneH - 4) + 'm0 -' + (laneH - 4) + 'l-10 ' + (laneH - 4)})); g.appendChild(m); }
        if (e.end === 'leaked') { const m = sv('g', {class: 'marker leaked'}, 'leaked lease of "' + e.label + '" at ' + e.file + ':' + e.line);
          m.appendChild(sv('path', {d: 'M' + x0 + ' ' + y + 'l6 0l-6 8z'})); g.appendChild(m); }
      });
      flush();
      s.appendChild(g);
    });
    const wg = sv('g', {class: 'waiting'});
    wg.appendChild(sv('rect', {class: 'waiting-bg', x: left, y: waitTop, width: W - left - 10, height: waitH}, 'callers waiting for a connection'));
    const wl = sv('text', {x: 4, y: waitTop + 16}); wl.textContent = 'waiting callers'; wg.appendChild(wl);
    let n = 0, peak = 0, d = 'M' + left + ' ' + (waitTop + waitH);
    steps.forEach(st => { peak = Math.max(peak, n + st[1]); n += st[1]; });
    n = 0;
    const yOf = k => waitTop + waitH - (peak ? k / peak : 0) * (waitH - 4);
    steps.forEach(st => { const x = X(st[0]); d += 'L' + x + ' ' + yOf(n); n += st[1]; d += 'L' + x + ' ' + yOf(n); });
    d += 'L' + (W - 10) + ' ' + yOf(n) + 'L' + (W - 10) + ' ' + (waitTop + waitH) + 'Z';
    wg.appendChild(sv('path', {class: 'waiting-band', d: d}, 'at most ' + peak + ' callers waiting at once'));
    timeouts.forEach(e => { if (e.returned < t0 || e.returned > t1) return;
      const m = sv('g', {class: 'marker timeout', 'data-caller': e.label}, 'PoolTimeout: "' + e.label + '" at ' + e.file + ':' + e.line + ' waited ' + secs(e.returned - e.asked) + ' and gave up');
      const x = X(e.returned); m.appendChild(sv('path', {d: 'M' + (x - 7) + ' ' + (waitTop + waitH) + 'l7 -14l7 14z'})); wg.appendChild(m); });
    s.appendChild(wg);
    holder.appendChild(s);
    drawActivity(holder, X, t0, t1);
  }
  function drawActivity(parent, X, t0, t1) {
    const samples = (D.activity && D.activity.samples) || [];
    if (!samples.length) return;
    const limit = D.activity.limit || 0;
    const top = Math.max(limit, ...samples.map(p => p[1])) + 1;
    const s = sv('svg', {id: 'server-connections', width: W, height: actH + 20, viewBox: '0 0 ' + W + ' ' + (actH + 20)});
    const y = k => 8 + actH - k / top * actH;
    const label = sv('text', {x: 4, y: 20}); label.textContent = 'server connections'; s.appendChild(label);
    let d = '';
    samples.forEach(p => { const t = (p[0] - T.origin_unix_ms) * 1000; if (t < t0 || t > t1) return; d += (d ? 'L' : 'M') + X(t) + ' ' + y(p[1]); });
    if (d) s.appendChild(sv('path', {class: 'activity-line', d: d}, 'backends of this run, as testdb run sampled pg_stat_activity'));
    if (limit) { s.appendChild(sv('line', {class: 'limit-line', x1: left, x2: W - 10, y1: y(limit), y2: y(limit)}, 'connection_limit ' + limit));
      const lt = sv('text', {x: 4, y: y(limit) + 4}); lt.textContent = 'limit ' + limit; s.appendChild(lt); }
    parent.appendChild(s);
  }
  render();
  const legend = el('p', {id: 'legend', class: 'note'}, 'colour = the caller\u2019s file:');
  T.files.slice(0, 40).forEach((file, i) => { legend.appendChild(el('span', {class: 'swatch', style: 'background:' + colour(i)})); legend.appendChild(document.createTextNode(file)); });
  sec.appendChild(legend);
}
drawTimeline();

const files = R.files || [];
table(section('Test files', 'files'), 'files-table', ['file', 'tests', 'failed', 'seconds'],
  files.map(x => [x.file, x.tests, x.failed, fixed(x.seconds, 2)]));
table(section('Slowest test cases', 'slowest'), 'slowest-table', ['test case', 'file', 'seconds'],
  (R.slowest || []).map(x => [x.name, x.file, fixed(x.seconds, 3)]));
const fs = section('Failures', 'failures');
if (!(R.failures || []).length) fs.appendChild(el('p', {class: 'note'}, 'none'));
(R.failures || []).forEach(x => { fs.appendChild(el('h3', {}, x.name + ' \u2014 ' + x.file + ':' + x.line)); fs.appendChild(el('pre', {}, x.message)); });
if (tests.failed > (R.failures || []).length) fs.appendChild(el('p', {class: 'note'}, (tests.failed - R.failures.length) + ' more failed test cases are not listed.'));
const ls = section('Leaks and leftovers', 'leaks');
(R.leaks || []).forEach(m => ls.appendChild(el('pre', {class: 'leak'}, m)));
(R.leftovers || []).forEach(l => ls.appendChild(el('p', {class: 'leftover'}, l.rows + ' rows left in ' + l.table)));
if (!(R.leaks || []).length && !(R.leftovers || []).length) ls.appendChild(el('p', {class: 'note'}, 'none'));
if ((R.stale_swept || []).length) ls.appendChild(el('p', {class: 'note'}, 'tenants of crashed runs removed at start: ' + R.stale_swept.join(', ')));
document.body.setAttribute('data-rendered', 'yes');
})();
)TESTDB";

}  // namespace testdb::detail
