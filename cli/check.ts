/**
 * `hmmcheck check`: exhaustive check of one configuration (CLI.md).
 */
import {
  BitstateStore,
  checkAsync,
  checkCheckpointTarget,
  CheckpointError,
  checkpointFits,
  CheckpointMismatch,
  checkpointWriter,
  checkParallel,
  readCheckpoint,
  writeCheckpoint,
  type Checkpoint,
  type CheckpointOption,
  type CheckpointWriter,
  type ModelSource,
  type Stats,
} from '../checker/index.js';
import { hmmModel, MODEL_VERSION, symmetric } from '../model/index.js';
import { bool, list, num, parseArgs, str, UsageError, type FlagSpec } from './args.js';
import { buildCheckReport, type CheckReport } from '../report/checkReport.js';
import { formatOption } from './report.js';
import type { Io } from './io.js';
import { checkOutputPath } from './output.js';
import { deliverReport } from './deliverReport.js';
import { resolveTarget, TARGET_FLAGS } from './world.js';
import { progressEveryMs } from './progress.js';

const FLAGS: FlagSpec = {
  ...TARGET_FLAGS,
  'max-states': 'integer',
  'max-seconds': 'number',
  'max-depth': 'integer',
  strategy: 'string',
  'trace-out': 'string',
  workers: 'integer',
  exact: 'boolean',
  checkpoint: 'string',
  'checkpoint-every': 'number',
  resume: 'string',
  'max-memory': 'integer',
  shard: 'string',
  'no-symmetry': 'boolean',
  'no-liveness': 'boolean',
  bitstate: 'integer',
  json: 'boolean',
  out: 'string',
  quiet: 'boolean',
  format: 'string',
};

/** Room a search needs beyond what the process holds when it starts, for --max-memory. */
const MEMORY_HEADROOM_MIB = 32;

export const EXIT = { ok: 0, violated: 1, usage: 2, incomplete: 3 } as const;

function progressLine(s: Stats): string {
  const f = (x: number): string => x.toLocaleString('en-US');
  return `hmmcheck: ${f(s.states)} states, ${f(s.queued)} queued, depth ${s.depth}, ${f(s.statesPerSecond)} states/s, ${s.seconds.toFixed(0)} s`;
}

export async function runCheck(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs('check', argv, FLAGS);
  if (args.positionals.length > 0) throw new UsageError(`check: unexpected argument "${args.positionals[0]}"`);
  const shard = shardOption(str(args, 'shard'));
  // Shard 0 is the plain breadth-first search; the others search depth-first
  // in their own shuffled orders, so that bounded shards cover different parts.
  const strategy = str(args, 'strategy') ?? (shard && shard.index > 0 ? 'dfs' : 'bfs');
  const orderSeed = shard && shard.index > 0 ? shard.index : undefined;
  const bitstate = num(args, 'bitstate');
  if (bitstate !== undefined && !(bitstate >= 1)) throw new UsageError(`check: --bitstate: expected a table size of at least 1 MiB, found ${bitstate}`);
  if (strategy !== 'bfs' && strategy !== 'dfs') throw new UsageError(`check: --strategy: expected bfs or dfs, found "${strategy}"`);
  const workers = num(args, 'workers') ?? 1;
  if (workers < 1 || workers > 64) throw new UsageError(`check: --workers: expected 1 to 64, found ${workers}`);
  const exact = bool(args, 'exact');
  if (workers > 1 && strategy !== 'bfs') throw new UsageError('check: --workers above 1 needs --strategy bfs (the workers share one breadth-first queue)');
  if (workers > 1 && exact) throw new UsageError('check: --workers above 1 needs fingerprints; drop --exact');
  if (workers > 1 && (shard || bitstate !== undefined)) throw new UsageError('check: --shard and --bitstate run on one thread; drop --workers');
  if (bitstate !== undefined && exact) throw new UsageError('check: give --bitstate or --exact, not both');
  const target = resolveTarget(str(args, 'preset'), str(args, 'config'), list(args, 'variant'), str(args, 'kernel'), str(args, 'driver'), 'check');
  const json = bool(args, 'json');
  const format = formatOption('check', str(args, 'format'));
  const showProgress = !bool(args, 'quiet') && (!json || io.stderrIsTTY);
  const maxStates = num(args, 'max-states');
  const maxSeconds = num(args, 'max-seconds');
  const maxDepth = num(args, 'max-depth');
  const maxMemory = num(args, 'max-memory');
  const checkpointFile = str(args, 'checkpoint');
  const out = str(args, 'out');
  const traceOut = str(args, 'trace-out');
  // Before the search: a result that cannot be saved must not cost its hours first.
  checkOutputPath('check', '--out', out);
  checkOutputPath('check', '--trace-out', traceOut);
  const every = num(args, 'checkpoint-every') ?? 60;
  if (!(every > 0)) throw new UsageError(`check: --checkpoint-every: expected a number of seconds above 0, found ${every}`);
  if (checkpointFile !== undefined && (exact || bitstate !== undefined)) throw new UsageError(`check: --checkpoint saves fingerprints; drop --${exact ? 'exact' : 'bitstate'}`);
  if (checkpointFile !== undefined) checkpointArg('--checkpoint', checkpointFile, () => checkCheckpointTarget(checkpointFile));
  // Only this hmmcheck with this model resumes what it saved.
  const writer = checkpointWriter(MODEL_VERSION);
  const symmetry = !bool(args, 'no-symmetry');
  const identity = JSON.stringify({ config: target.world.config, variants: target.variants, symmetry });
  const model = hmmModel(target.world, { freeze: false, symmetry });
  const resumeFile = str(args, 'resume');
  let resume: Checkpoint | undefined;
  if (resumeFile !== undefined) {
    if (exact || bitstate !== undefined) throw new UsageError(`check: --resume continues a fingerprint search; drop --${exact ? 'exact' : 'bitstate'}`);
    // Refuse a damaged checkpoint, or one of another search or version, now, with the file named, not deep in the search.
    resume = checkpointArg('--resume', resumeFile, () => {
      const cp = readCheckpoint(resumeFile, writer);
      checkpointFits(cp, model, identity, strategy);
      return cp;
    });
  }
  if (maxMemory !== undefined) {
    // The bound is on the whole process: what node, the model and a resumed
    // checkpoint already hold counts, and a search needs room beyond that.
    const least = Math.ceil(process.memoryUsage.rss() / 1048576) + MEMORY_HEADROOM_MIB;
    if (maxMemory < least) {
      throw new UsageError(`check: --max-memory ${maxMemory}: hmmcheck already takes ${least - MEMORY_HEADROOM_MIB} MiB before the search starts; give at least ${least} (MiB)`);
    }
  }
  let checkpointSaved = false;
  const checkpoint: CheckpointOption | undefined =
    checkpointFile === undefined ? undefined : { everySeconds: every, save: (cp) => void (checkpointSaved = saveCheckpoint(io, checkpointFile, cp, writer)) };
  const controller = new AbortController();
  const stop = io.onInterrupt(() => controller.abort());
  let result;
  try {
    const source: ModelSource = {
      module: new URL('../model/index.js', import.meta.url).href,
      export: 'hmmModelFromConfig',
      args: { config: target.world.config, variants: [...target.variants], symmetry },
    };
    const options = {
      strategy,
      exact,
      ...(bool(args, 'no-liveness') ? { liveness: false, livenessOff: 'turned off by --no-liveness' } : {}),
      ...(orderSeed !== undefined ? { orderSeed } : {}),
      ...(bitstate !== undefined ? { store: new BitstateStore(model.pack!.bind(model), bitstate * 1048576) } : {}),
      identity,
      ...(resume ? { resume } : {}),
      ...(checkpoint ? { checkpoint } : {}),
      ...(maxMemory !== undefined ? { maxMemoryMiB: maxMemory } : {}),
      ...(maxStates !== undefined ? { maxStates } : {}),
      ...(maxSeconds !== undefined ? { maxSeconds } : {}),
      ...(maxDepth !== undefined ? { maxDepth } : {}),
      signal: controller.signal,
      ...(showProgress ? { onProgress: (s: Stats) => io.err(progressLine(s) + '\n'), progressEveryMs: progressEveryMs() } : {}),
    } as const;
    result = workers > 1 ? await checkParallel(model, source, { ...options, workers }) : await checkAsync(model, options);
  } finally {
    stop();
  }
  const built = buildCheckReport(target.world, target, result);
  const report: CheckReport = {
    ...built,
    strategy,
    symmetry: !symmetry ? 'off' : symmetric(target.world) ? 'on' : 'not applicable',
    ...(shard ? { shard: { index: shard.index, count: shard.count, strategy, ...(orderSeed !== undefined ? { orderSeed } : {}) } } : {}),
  };
  if (checkpointFile !== undefined && checkpointSaved && ['interrupted', 'max-seconds', 'max-memory'].includes(result.stoppedBy ?? '')) {
    io.err(`hmmcheck: progress saved in ${checkpointFile}; go on with the same command and --resume ${checkpointFile}\n`);
  }
  deliverReport(io, 'check', report, { out, traceOut, json, format });
  return EXIT[report.outcome];
}

/**
 * A checkpoint that cannot be saved (the disk filled up, the folder removed)
 * costs the ability to resume, not the search: say so and go on. The save
 * leaves the previous checkpoint whole.
 */
function saveCheckpoint(io: Io, file: string, cp: Checkpoint, writer: CheckpointWriter): boolean {
  try {
    writeCheckpoint(file, cp, writer);
    return true;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { detail?: string };
    io.err(`hmmcheck: could not save the checkpoint ${file} (${err.detail ?? err.code ?? err.message}); the search goes on without it\n`);
    return false;
  }
}

/** Runs `f`; a checkpoint it cannot use is a one-line error naming the flag and the file (exit 2). */
function checkpointArg<T>(flag: string, file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CheckpointError) throw new UsageError(`check: ${flag} ${file}: ${e.detail}`);
    if (e instanceof CheckpointMismatch) throw new UsageError(`check: ${flag} ${file}: ${e.message}`);
    throw e;
  }
}

/** `--shard i/N`: shard i (0-based) of N, checked. */
function shardOption(value: string | undefined): { index: number; count: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) throw new UsageError(`check: --shard: expected i/N with 0 <= i < N (for example 0/4), found "${value}"`);
  return { index, count };
}
