/**
 * A worker thread of `check --workers N`: builds the model from its source
 * module, then expands each batch of packed states it is sent (expand.ts)
 * and sends the words back, transferring both buffers instead of copying.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Expander, Words } from './expand.js';
import type { Model } from './model.js';
import type { ModelSource } from './parallel.js';

const { source, maxDepth } = workerData as { source: ModelSource; maxDepth: number };
const mod = (await import(source.module)) as Record<string, (args: unknown) => Model<unknown, unknown>>;
const model = mod[source.export]!(source.args);
const expander = new Expander(model, maxDepth);

// The main thread hands back earlier output buffers with new batches, so
// that a long search does not allocate and grow one per batch.
parentPort!.on('message', (msg: { job: number; input: Int32Array; len: number; spare?: Int32Array }) => {
  const out = new Words(msg.spare);
  expander.expand(msg.input, msg.len, out);
  const result = out.buf.buffer;
  parentPort!.postMessage({ job: msg.job, out: out.buf, len: out.n, input: msg.input }, [result as ArrayBuffer, msg.input.buffer as ArrayBuffer]);
});
parentPort!.postMessage({ ready: true });
