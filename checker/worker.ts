/**
 * A worker thread of `check --workers N`: builds the model from its source
 * module, warms it up, then expands each batch of packed states it is sent
 * (expand.ts) and sends the words back, transferring both buffers instead of
 * copying.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { check } from './explore.js';
import { Expander, Words } from './expand.js';
import type { Model } from './model.js';
import type { ModelSource } from './parallel.js';

const { source, maxDepth, warmStates, claims } = workerData as { source: ModelSource; maxDepth: number; warmStates: number; claims: Int32Array };
const mod = (await import(source.module)) as Record<string, (args: unknown) => Model<unknown, unknown>>;
const model = mod[source.export]!(source.args);
const expander = new Expander(model, maxDepth);
// A cold model expands states many times slower than a warm one (the HMM
// presets: about 5,000 states/s in the first few hundred ms, against 60,000
// and more once compiled), and batches are absorbed in order: a cold first
// batch would hold the main thread up. So the JIT warms up here on a search
// of the worker's own while the main thread still searches alone, and the
// worker says it is ready only after (handover.ts).
if (warmStates > 0) check(model, { maxStates: warmStates, liveness: false });

// The main thread hands back earlier output buffers with new batches, so
// that a long search does not allocate and grow one per batch.
parentPort!.on('message', (msg: { job: number; input: Int32Array; len: number; spare?: Int32Array }) => {
  // A batch the main thread took back (workerPool.ts): only the buffers go back.
  if (Atomics.compareExchange(claims, msg.job % claims.length, msg.job + 1, -(msg.job + 1)) !== msg.job + 1) {
    const buffers = msg.spare ? [msg.input.buffer, msg.spare.buffer] : [msg.input.buffer];
    parentPort!.postMessage({ job: msg.job, input: msg.input, spare: msg.spare }, buffers as ArrayBuffer[]);
    return;
  }
  const out = new Words(msg.spare);
  expander.expand(msg.input, msg.len, out);
  const result = out.buf.buffer;
  parentPort!.postMessage({ job: msg.job, out: out.buf, len: out.n, input: msg.input }, [result as ArrayBuffer, msg.input.buffer as ArrayBuffer]);
});
parentPort!.postMessage({ ready: true });
