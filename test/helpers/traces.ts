/**
 * Traces for replay tests: random walks of the model written as hmmtrace,
 * optionally with some step kinds left out (as a partial recorder would), and
 * a one-call replay of a trace held in a string.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyStep, enabledSteps, initialState, STEP_KINDS, type HmmAction, type World } from '../../model/index.js';
import { counterexampleTrace } from '../../traces/hmm/fromActions.js';
import { replayFile, type ReplayFileOptions, type ReplayReport } from '../../traces/hmm/replayFile.js';
import { tempDir } from './tmp.js';

const dir = tempDir('replay');
let n = 0;

/** A random walk of `w` driven by `choices`, as the actions taken. */
export function walkActions(w: World, choices: readonly number[]): HmmAction[] {
  let s = initialState(w);
  const out: HmmAction[] = [];
  for (const c of choices) {
    const en = enabledSteps(w, s);
    if (en.length === 0) break;
    const a = en[c % en.length]!;
    s = applyStep(w, s, a, false);
    out.push(a);
  }
  return out;
}

/** Writes actions as a trace; `drop` lists step kinds the recorder does not log; `loop` makes it a lasso. */
export function traceText(w: World, actions: readonly HmmAction[], drop: readonly string[] = [], loop?: number): string {
  const { header, events } = counterexampleTrace(w, 'test walk', actions);
  const observed = STEP_KINDS.filter((k) => !drop.includes(k));
  const kept = events.filter((e) => !drop.includes(e.ev));
  // The cycle starts after as many logged events as the prefix has.
  const lasso = loop === undefined ? {} : { loop: events.slice(0, loop).filter((e) => !drop.includes(e.ev)).length };
  return [JSON.stringify({ ...header, observed, ...lasso }), ...kept.map((e) => JSON.stringify(e))].join('\n') + '\n';
}

export function writeTrace(text: string, name = `t${n++}.jsonl`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export async function replayText(text: string, options: ReplayFileOptions = {}): Promise<ReplayReport> {
  return (await replayFile(writeTrace(text), options)).report;
}
