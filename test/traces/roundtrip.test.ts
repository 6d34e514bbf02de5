/**
 * Writing then reading a trace gives back the same header and events, in
 * memory, through a file and through gzip.
 */
import fc from 'fast-check';

import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTraceText, readTrace, writeTraceFile, writeTraceText, type TraceItem } from '../../traces/index.js';
import { eventsArb, headerArb } from './samples.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('roundtrip');

test('write then parse gives the same header and events, events on lines 2..n+1', () => {
  fc.assert(
    fc.property(headerArb, eventsArb, (header, events) => {
      const items = parseTraceText(writeTraceText(header, events));
      assert.equal(items[0], { kind: 'header', line: 1, header });
      assert.equal(
        items.slice(1),
        events.map((event, i) => ({ kind: 'event', line: i + 2, event })),
      );
    }),
    { numRuns: 300 },
  );
});

test('through files, plain and gzip', async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(headerArb, eventsArb, fc.boolean(), async (header, events, gz) => {
      const path = join(dir, `t${n++}.jsonl${gz ? '.gz' : ''}`);
      await writeTraceFile(path, header, events);
      const items: TraceItem[] = [];
      for await (const item of readTrace(path)) items.push(item);
      assert.equal(items, parseTraceText(writeTraceText(header, events), path));
    }),
    { numRuns: 40 },
  );
});

test.run();
