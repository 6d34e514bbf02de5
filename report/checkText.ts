/**
 * The terminal rendering of a check result: verdict first, then for each
 * violation the invariant and its sentence and the counterexample step by
 * step (thread, kernel step with arguments, what it changed), then the
 * statistics and the coverage. Each counterexample comes twice: first as
 * the race diagram (the slice that matters, one column per thread), then in
 * full with every change.
 */
import { findVariant } from '../model/index.js';
import { driverSuffix, type CheckReport } from './checkReport.js';
import { CYCLE_START, cycleEnd, isLasso, lassoSummary } from './lasso.js';
import { raceDiagram, wrap } from './raceDiagram.js';
import { PLAIN, type Style } from './style.js';

const HIDDEN = ['.left', '.pc', '.hmm_pfns_seq'];

const n = (x: number): string => x.toLocaleString('en-US');

const SYMMETRY_WORDS: Record<string, string> = {
  on: 'on (states that differ only in which frame of a kind holds what count once; --no-symmetry turns it off)',
  off: 'off (--no-symmetry)',
  'not applicable': 'not applicable (this configuration forks or evicts, which choose frames by number)',
};

const STOP_WORDS: Record<string, string> = {
  'max-states': 'the --max-states bound was reached',
  'max-seconds': 'the --max-seconds bound was reached',
  'max-depth': 'the --max-depth bound cut the search',
  'max-memory': 'the --max-memory bound was reached',
  bitstate: 'the search ran to its end on a bitstate table, which may have dropped states',
  interrupted: 'interrupted',
};

/** One change of a step, as the reports print it ("key: before -> after", "key = new", "key cleared"). */
export function changeLine(c: { readonly key: string; readonly before?: string | undefined; readonly after?: string | undefined }, arrow = '->'): string {
  return c.before === undefined ? `${c.key} = ${c.after}` : c.after === undefined ? `${c.key} cleared` : `${c.key}: ${c.before} ${arrow} ${c.after}`;
}

export function renderCheckText(r: CheckReport, st: Style = PLAIN): string {
  const lines: string[] = [];
  const what = r.preset ? `preset ${r.preset}` : `config ${r.configFile}`;
  const variants = r.variants.length > 0 ? `, variant ${r.variants.join(', ')}` : '';
  // The default kernel goes unsaid; any other is part of what was checked.
  const kernel = r.kernel !== undefined && r.kernel !== 'latest' ? `, kernel ${r.kernel}` : '';
  lines.push(`hmmcheck ${r.verb}: ${what}${variants}${kernel}${driverSuffix(r.driver)}`);
  const stats = r.stats;
  const sim = r.simulation;
  if (sim && r.outcome === 'incomplete') {
    lines.push(
      `outcome: ${st.warn('incomplete')}: ${r.stoppedBy === 'interrupted' ? 'interrupted; ' : ''}no invariant violated in ${n(sim.runs)} random walks of at most ${sim.depth} steps (seed ${sim.seed}); ` +
        'a simulation covers only what it walked, NOT the state space',
    );
  } else if (r.outcome === 'ok') {
    const live = r.progress?.checked ? ', no deadlock and no livelock' : ' and no deadlock';
    lines.push(`outcome: ${st.good('ok')}: no invariant violated${live} in ${n(stats.states)} distinct states (the whole state space)`);
  } else if (r.outcome === 'incomplete') {
    lines.push(
      `outcome: ${st.warn('incomplete')}: ${STOP_WORDS[r.stoppedBy ?? ''] ?? 'stopped early'} after ${n(stats.states)} distinct states; ` +
        'nothing was violated so far, but the state space was NOT covered',
    );
  } else {
    lines.push(`outcome: ${st.bad('violated')}`);
  }
  for (const v of r.violations) {
    lines.push('');
    const what2 = v.kind === 'deadlock' ? `${v.invariant} (deadlock)` : v.kind === 'liveness' ? `${v.invariant} (livelock)` : v.invariant;
    lines.push(`${st.bad(what2)}: ${v.sentence}`);
    if (isLasso(v)) lines.push(...wrap(`counterexample: ${v.steps} steps, ${lassoSummary(v)}`, 78));
    else {
      const last = v.kind === 'step' ? 'the last step breaks it' : 'the state after the last step breaks it';
      lines.push(`counterexample: ${v.steps} steps (${sim ? `shrunk by fast-check from a random walk, seed ${sim.seed}` : r.strategy === 'dfs' ? 'found depth-first: maybe not the shortest' : 'shortest'}), ${last}`);
    }
    lines.push('');
    for (const l of raceDiagram(v, 78).trimEnd().split('\n')) lines.push(l === '' ? '' : `  ${l}`);
    lines.push('');
    lines.push('every step, with what it changed:');
    const tw = Math.max(6, ...v.counterexample.map((s) => s.thread.length));
    for (const s of v.counterexample) {
      if (isLasso(v) && s.n === v.loopStart + 1) lines.push(`       ${st.warn(CYCLE_START)}`);
      lines.push(`  ${String(s.n).padStart(3)}  ${s.thread.padEnd(tw)}  ${st.strong(s.text)}`);
      for (const c of s.changes) {
        // The step itself says where the thread went and what it used up.
        if (HIDDEN.some((h) => c.key.endsWith(h))) continue;
        lines.push(`       ${' '.repeat(tw)}    ${st.dim(changeLine(c))}`);
      }
    }
    if (isLasso(v)) lines.push(`       ${st.warn(cycleEnd(v))}`);
    lines.push(`  path: ${v.path}`);
  }
  lines.push('');
  if (sim) {
    lines.push(`${n(sim.runs)} walks, ${n(stats.transitions)} steps, longest ${stats.depth}, ${stats.seconds.toFixed(2)} s, ${n(stats.statesPerSecond)} steps/s, ${n(sim.shrinks)} shrinks`);
    lines.push(`repeat it: hmmcheck simulate ${r.preset ? `--preset ${r.preset}` : `--config ${r.configFile}`}${r.variants.map((v) => ` --variant ${v}`).join('')} --seed ${sim.seed} --runs ${sim.runs} --depth ${sim.depth}`);
  } else lines.push(
    `states ${n(stats.states)}  transitions ${n(stats.transitions)}  depth ${stats.depth}  ` +
      `${stats.seconds.toFixed(2)} s  ${n(stats.statesPerSecond)} states/s  ${stats.bytesPerState} B/state`,
  );
  if (!sim && stats.store === 'fingerprint') lines.push(fingerprintNote(stats.collisionProbability));
  if (!sim && r.symmetry) lines.push(`frame symmetry: ${SYMMETRY_WORDS[r.symmetry]}`);
  if (!sim && stats.store === 'bitstate') {
    lines.push(`states stored as bits (--bitstate): not exhaustive; at the end a new state was dropped with probability about ${stats.collisionProbability.toExponential(1)}`);
  }
  if (r.shard) {
    lines.push(`shard ${r.shard.index}/${r.shard.count}: ${r.shard.strategy}${r.shard.orderSeed !== undefined ? `, action order shuffled with seed ${r.shard.orderSeed}` : ''} (hmmcheck merge combines the shards' --out files)`);
  }
  lines.push(`invariants checked: ${r.invariants.map((i) => i.id).join(', ')}`);
  if (r.progress && !r.progress.checked) lines.push(`${r.progress.id} (livelocks) not checked: ${r.progress.why ?? 'unknown'}`);
  if (r.progress?.checked && r.progress.bytesPerState !== undefined) {
    lines.push(`${r.progress.id} (livelocks) checked on the recorded graph: ${r.progress.bytesPerState} B/state more (--no-liveness skips it)`);
  }
  const fired = r.coverage.filter((c) => c.count > 0).map((c) => `${c.kind} ${n(c.count)}`);
  lines.push(`steps fired: ${fired.join(', ')}`);
  if (r.outcome === 'ok' && r.neverFired.length > 0) {
    lines.push(`${st.warn('WARNING')}: steps this configuration can take never fired (a bug in the model or the configuration): ${r.neverFired.join(', ')}`);
  }
  if (r.notInConfig.length > 0) lines.push(`steps outside this configuration: ${r.notInConfig.join(', ')}`);
  // A variant that needs threads this world lacks verifies here: say where it shows.
  if (r.outcome === 'ok') {
    for (const id of r.variants) {
      const v = findVariant(id);
      if (v && v.preset !== r.preset) lines.push(`note: variant ${id} is shown on preset ${v.preset}: hmmcheck check --preset ${v.preset} --variant ${id}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** What storing fingerprints costs in certainty, in one line (TLC prints the same estimate). */
export function fingerprintNote(p: number): string {
  return `states stored as 64-bit fingerprints: a collision merged two states with probability about ${p.toExponential(1)} (--exact stores whole states)`;
}
