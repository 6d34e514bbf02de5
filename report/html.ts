/**
 * The HTML report: one self-contained file (no network: a Content Security
 * Policy forbids every fetch), a swimlane timeline with one lane per thread
 * (CPU threads, device-fault threads, migrators) and, beside each thread that
 * invalidates, a lane for its invalidation path (invalidate_range_start, the
 * drivers' invalidate callbacks, the PTE changes under it,
 * invalidate_range_end: mm/mmu_notifier.c runs them in the invalidating
 * task), every step with its kernel name and arguments. Clicking a step shows the full state
 * after it, what it changed and immer's patches; the violating step carries
 * the invariant's sentence; filters by page and by thread.
 *
 * Safety: every string from a trace or a configuration reaches the page as
 * JSON inside a <script type="application/json"> block with <, >, & and the
 * line separators escaped, and is put into the DOM with textContent only,
 * never as markup. The only markup built from data is the page title, which
 * is HTML-escaped. The policy lets only the page's own script run (by hash).
 */
import { createHash } from 'node:crypto';
import { driverLabel, driverSuffix, type CheckReport } from './checkReport.js';
import type { ReplayReport } from '../traces/hmm/replayFile.js';
import { eventFootprint } from './raceDiagram.js';
import { isLasso, lassoSummary } from './lasso.js';
import { citedLines } from './replayText.js';
import { neutralize, safeJson } from './safe.js';

/** Escapes text for an HTML text node or attribute value. */
export function htmlEscape(s: string): string {
  // Control characters and bidi overrides are shown as their escapes, as on a terminal (safe.ts).
  return neutralize(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON that cannot end its <script> element or open a comment inside it, with no raw control character. */
export function scriptJson(x: unknown): string {
  return safeJson(x)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The steps of the invalidation path (mm/mmu_notifier.c, and what runs inside its brackets). */
const INVALIDATION_PATH = new Set(['invalidate_range_start', 'invalidate', 'invalidate_range_end', 'zap_pte_range', 'change_pte_range', 'copy_page_range', 'try_to_migrate', 'flush_tlb_range']);

const laneOf = (thread: string, step: string): string => (INVALIDATION_PATH.has(step) ? `${thread} invalidation` : thread);

interface Lane {
  readonly n: number;
  readonly thread: string;
  /** The thread, or its invalidation path. */
  readonly lane: string;
  readonly text: string;
  readonly pages: number[];
  readonly changes: readonly { key: string; before?: string; after?: string }[];
  readonly patches: readonly unknown[];
  readonly state: Readonly<Record<string, string>> | null;
  readonly event: unknown;
  /** 'cycle': a step of a livelock's cycle (the lasso's loop). */
  readonly mark: '' | 'violation' | 'cited' | 'cycle';
}

interface Timeline {
  readonly title: string;
  readonly verdict: string;
  readonly invariant: string;
  readonly sentence: string;
  readonly steps: readonly Lane[];
  readonly footer: string;
}


function checkTimelines(r: CheckReport): Timeline[] {
  const what = r.preset ? `preset ${r.preset}` : `config ${r.configFile}`;
  const kernel = r.kernel !== undefined && r.kernel !== 'latest' ? `, kernel ${r.kernel}` : '';
  const title = `hmmcheck ${r.verb}: ${what}${r.variants.length > 0 ? `, variant ${r.variants.join(', ')}` : ''}${kernel}${driverSuffix(r.driver)}`;
  const s = r.stats;
  const footer = `${s.states.toLocaleString('en-US')} states, ${s.transitions.toLocaleString('en-US')} transitions, depth ${s.depth}, ${s.seconds.toFixed(2)} s`;
  if (r.violations.length === 0) {
    return [{ title, verdict: r.outcome, invariant: '', sentence: r.outcome === 'ok' ? 'no invariant violated and no deadlock in the whole state space' : 'the state space was NOT covered', steps: [], footer }];
  }
  return r.violations.map((v) => ({
    title,
    verdict: r.outcome,
    invariant: v.invariant,
    sentence: isLasso(v) ? `${v.sentence}: ${lassoSummary(v)}` : v.sentence,
    footer: `${footer}; path ${v.path}`,
    steps: v.counterexample.map((st, i) => ({
      n: st.n,
      thread: st.thread,
      lane: laneOf(st.thread, st.step),
      text: st.text,
      pages: [...eventFootprint(st.event).pages],
      changes: st.changes,
      patches: st.patches ?? [],
      state: st.state ?? null,
      event: st.event,
      mark: i === v.counterexample.length - 1 ? 'violation' : isLasso(v) && st.n > v.loopStart ? 'cycle' : '',
    })),
  }));
}

/** "; judged under kernel K and driver D", as the terminal report says it. */
function judgedUnder(r: ReplayReport): string {
  if (r.kernel === undefined) return '';
  return `; judged under kernel ${r.kernel}${r.driver === undefined ? '' : ` and driver ${driverLabel(r.driver)}`}`;
}

function replayTimelines(r: ReplayReport): Timeline[] {
  const cited = citedLines(r);
  return [
    {
      title: `hmmcheck replay: ${r.file}`,
      verdict: r.outcome === 'valid' ? 'valid' : r.line !== null ? `${r.outcome} at line ${r.line}` : r.outcome,
      invariant: r.invariant ?? '',
      sentence: r.invariant ? `${r.sentence ?? ''} (${r.reason})` : r.reason,
      footer: `${r.events.toLocaleString('en-US')} events${judgedUnder(r)}${r.source ? `; source: ${r.source}` : ''}${r.imported ? `; ${r.imported.note}` : ''}${r.allowed.length > 0 ? `; the model allows here instead: ${r.allowed.join('; ')}` : ''}`,
      steps: r.context.map((c) => {
        const e = c.event as Record<string, unknown>;
        const { ev, tid, ...args } = e;
        return {
          n: c.line,
          thread: String(tid),
          lane: laneOf(String(tid), String(ev)),
          text: `${String(ev)} ${JSON.stringify(args)}`,
          pages: [...eventFootprint(e).pages],
          changes: [],
          patches: [],
          state: null,
          event: e,
          mark: c.line === r.line ? 'violation' : cited.has(c.line) ? 'cited' : '',
        };
      }),
    },
  ];
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222}
header{padding:12px 16px;background:#f4f4f4;border-bottom:1px solid #ddd}
h1{font-size:18px;margin:0 0 4px}
#banner{padding:8px 16px;background:#fde8e8;border-bottom:1px solid #f5b5b5;display:none}
#banner.ok{background:#e8f6e8;border-color:#b5dfb5}
#controls{padding:8px 16px;border-bottom:1px solid #ddd}
#controls label{margin-right:12px}
main{display:flex;align-items:flex-start}
#timeline{flex:3;overflow:auto;padding:8px}
#detail{flex:2;padding:8px 16px;border-left:1px solid #ddd;position:sticky;top:0;max-height:100vh;overflow:auto}
table.lanes{border-collapse:collapse}
table.lanes th{position:sticky;top:0;background:#fff;border-bottom:2px solid #999;padding:4px 8px;text-align:left;font-family:monospace}
table.lanes td{border-bottom:1px solid #eee;padding:2px 8px;vertical-align:top;min-width:12em}
td.num{color:#888;font-family:monospace;text-align:right;min-width:2em}
button.step{font:12px monospace;text-align:left;background:#eef3fb;border:1px solid #c9d6ee;border-radius:3px;padding:2px 6px;cursor:pointer;white-space:pre-wrap;max-width:32em}
tr.violation button.step{background:#fbd5d5;border-color:#e08080;font-weight:bold}
tr.cited button.step{background:#fff2c6;border-color:#e0c060}
tr.cycle td.num,tr.violation td.num{border-left:3px solid #2a5bd7}
tr.selected button.step{outline:2px solid #2a5bd7}
tr.hidden,th.hidden,td.hidden{display:none}
#detail h2{font-size:15px;margin:8px 0}
#detail pre{background:#f7f7f7;padding:6px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}
table.facts td{font:12px monospace;padding:1px 6px;border-bottom:1px solid #f0f0f0}
tr.changed td{background:#fff4c2}
footer{padding:8px 16px;color:#666;font-size:12px;border-top:1px solid #ddd}
`;

/** The page's own code: it reads the JSON block and builds the DOM with textContent only. */
const SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('hmmcheck-data').textContent);
  var current = 0;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function render() {
    var tl = data.timelines[current];
    document.getElementById('verdict').textContent = tl.verdict;
    var banner = document.getElementById('banner');
    banner.style.display = 'block';
    banner.className = tl.invariant ? '' : 'ok';
    banner.textContent = (tl.invariant ? tl.invariant + ': ' : '') + tl.sentence;
    document.getElementById('footer').textContent = tl.footer;
    var threads = [];
    var pages = [];
    tl.steps.forEach(function (s) {
      if (threads.indexOf(s.lane) < 0) threads.push(s.lane);
      s.pages.forEach(function (p) { if (pages.indexOf(p) < 0) pages.push(p); });
    });
    pages.sort(function (a, b) { return a - b; });
    var filters = document.getElementById('thread-filters');
    clear(filters);
    threads.forEach(function (t, i) {
      var label = el('label');
      var box = el('input');
      box.type = 'checkbox';
      box.checked = true;
      box.setAttribute('data-thread', String(i));
      box.addEventListener('change', applyFilters);
      label.appendChild(box);
      label.appendChild(document.createTextNode(' ' + t));
      filters.appendChild(label);
    });
    var pageSel = document.getElementById('page-filter');
    clear(pageSel);
    var all = el('option', '', 'all pages');
    all.value = '';
    pageSel.appendChild(all);
    pages.forEach(function (p) { var o = el('option', '', 'page ' + p); o.value = String(p); pageSel.appendChild(o); });
    var table = el('table', 'lanes');
    var head = el('tr');
    head.appendChild(el('th', '', '#'));
    threads.forEach(function (t, i) { var th = el('th', 'lane-' + i, t); head.appendChild(th); });
    table.appendChild(head);
    tl.steps.forEach(function (s, k) {
      var tr = el('tr', s.mark);
      tr.setAttribute('data-step', String(k));
      tr.setAttribute('data-thread', String(threads.indexOf(s.lane)));
      tr.setAttribute('data-pages', s.pages.join(','));
      tr.appendChild(el('td', 'num', String(s.n)));
      threads.forEach(function (t, i) {
        var td = el('td', 'lane-' + i);
        if (t === s.lane) {
          var b = el('button', 'step', s.text);
          b.addEventListener('click', function () { select(k); });
          td.appendChild(b);
        }
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    var box = document.getElementById('timeline');
    clear(box);
    box.appendChild(table);
    if (tl.steps.length > 0) select(tl.steps.length - 1);
    else clear(document.getElementById('detail'));
  }
  function select(k) {
    var tl = data.timelines[current];
    var s = tl.steps[k];
    var rows = document.querySelectorAll('table.lanes tr[data-step]');
    for (var i = 0; i < rows.length; i++) rows[i].classList.toggle('selected', rows[i].getAttribute('data-step') === String(k));
    var d = document.getElementById('detail');
    clear(d);
    d.appendChild(el('h2', '', 'step ' + s.n + ': ' + s.lane));
    d.appendChild(el('pre', 'step-text', s.text));
    if (s.mark === 'violation' && tl.invariant) d.appendChild(el('p', 'violation', tl.invariant + ' broken: ' + tl.sentence));
    if (s.changes.length > 0) {
      d.appendChild(el('h2', '', 'what it changed'));
      var ul = el('ul', 'changes');
      s.changes.forEach(function (c) {
        var t = c.before === undefined ? c.key + ' = ' + c.after : c.after === undefined ? c.key + ' cleared' : c.key + ': ' + c.before + ' \\u2192 ' + c.after;
        ul.appendChild(el('li', '', t));
      });
      d.appendChild(ul);
    }
    if (s.patches.length > 0) {
      d.appendChild(el('h2', '', 'immer patches'));
      d.appendChild(el('pre', 'patches', s.patches.map(function (p) { return JSON.stringify(p); }).join('\\n')));
    }
    if (s.state) {
      d.appendChild(el('h2', '', 'state after the step'));
      var changed = {};
      s.changes.forEach(function (c) { changed[c.key] = true; });
      var ft = el('table', 'facts');
      Object.keys(s.state).forEach(function (key) {
        var tr = el('tr', changed[key] ? 'changed' : '');
        tr.appendChild(el('td', '', key));
        tr.appendChild(el('td', '', s.state[key]));
        ft.appendChild(tr);
      });
      d.appendChild(ft);
    } else {
      d.appendChild(el('h2', '', 'event'));
      d.appendChild(el('pre', 'event', JSON.stringify(s.event, null, 1)));
    }
  }
  function applyFilters() {
    var page = document.getElementById('page-filter').value;
    var shown = {};
    var boxes = document.querySelectorAll('#thread-filters input');
    for (var i = 0; i < boxes.length; i++) shown[boxes[i].getAttribute('data-thread')] = boxes[i].checked;
    Object.keys(shown).forEach(function (t) {
      var cells = document.querySelectorAll('.lane-' + t);
      for (var j = 0; j < cells.length; j++) cells[j].classList.toggle('hidden', !shown[t]);
    });
    var rows = document.querySelectorAll('table.lanes tr[data-step]');
    for (var r = 0; r < rows.length; r++) {
      // Steps on no page (the driver lock, read_begin) stay: they are about every page.
      var attr = rows[r].getAttribute('data-pages');
      var onPage = page === '' || attr === '' || attr.split(',').indexOf(page) >= 0;
      rows[r].classList.toggle('hidden', !onPage || !shown[rows[r].getAttribute('data-thread')]);
    }
  }
  document.getElementById('page-filter').addEventListener('change', applyFilters);
  var vs = document.getElementById('violation-select');
  if (data.timelines.length > 1) {
    data.timelines.forEach(function (tl, i) { var o = el('option', '', tl.invariant); o.value = String(i); vs.appendChild(o); });
    vs.addEventListener('change', function () { current = Number(vs.value); render(); });
  } else vs.style.display = 'none';
  render();
})();
`;

/** Only the page's own script may run, even if markup were ever injected. */
const SCRIPT_HASH = `sha256-${createHash('sha256').update(SCRIPT).digest('base64')}`;

export function renderHtml(r: CheckReport | ReplayReport): string {
  const timelines = r.verb === 'replay' ? replayTimelines(r) : checkTimelines(r);
  const title = timelines[0]!.title;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src '${SCRIPT_HASH}'">
<title>${htmlEscape(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${htmlEscape(title)}</h1><div>outcome: <strong id="verdict"></strong> <select id="violation-select" aria-label="violation"></select></div></header>
<div id="banner"></div>
<div id="controls"><label>page <select id="page-filter" aria-label="page"></select></label> lanes: <span id="thread-filters"></span></div>
<main><div id="timeline"></div><aside id="detail"></aside></main>
<footer id="footer"></footer>
<script type="application/json" id="hmmcheck-data">${scriptJson({ timelines })}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
