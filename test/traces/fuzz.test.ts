/**
 * Thousands of corrupted traces: each either still parses or fails with a
 * TraceInputError of the form `file:line: field: expected X, found Y` whose
 * line exists. Nothing else may escape (no TypeError, no stack trace).
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTraceText, TraceInputError, writeTraceText } from '../../traces/index.js';
import { eventsArb, headerArb } from './samples.js';

const WRONG = [null, true, -1, 1.5, 'x', [], {}, [1], { a: 1 }];

type Corruption = (lines: string[], r: number, s: number) => string[];

const CORRUPTIONS: Record<string, Corruption> = {
  deleteChar(lines, r, s) {
    const i = r % lines.length;
    const l = lines[i]!;
    lines[i] = l.slice(0, s % (l.length + 1)) + l.slice((s % (l.length + 1)) + 1);
    return lines;
  },
  insertChar(lines, r, s) {
    const i = r % lines.length;
    const l = lines[i]!;
    const at = s % (l.length + 1);
    lines[i] = l.slice(0, at) + '{}[]",:x0 '[s % 10] + l.slice(at);
    return lines;
  },
  truncateLine(lines, r, s) {
    const i = r % lines.length;
    lines[i] = lines[i]!.slice(0, s % lines[i]!.length);
    return lines;
  },
  swapLines(lines, r, s) {
    const i = r % lines.length;
    const j = s % lines.length;
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    return lines;
  },
  wrongType(lines, r, s) {
    const i = 1 + (r % Math.max(1, lines.length - 1));
    if (i >= lines.length) return lines;
    const o = JSON.parse(lines[i]!) as Record<string, unknown>;
    const keys = Object.keys(o);
    o[keys[s % keys.length]!] = WRONG[s % WRONG.length];
    lines[i] = JSON.stringify(o);
    return lines;
  },
  unknownEvent(lines, r) {
    const i = 1 + (r % Math.max(1, lines.length - 1));
    if (i < lines.length) lines[i] = lines[i]!.replace(/"ev":"([a-z_]+)"/, '"ev":"$1x"');
    return lines;
  },
  dropField(lines, r, s) {
    const i = 1 + (r % Math.max(1, lines.length - 1));
    if (i >= lines.length) return lines;
    const o = JSON.parse(lines[i]!) as Record<string, unknown>;
    delete o[Object.keys(o)[s % Object.keys(o).length]!];
    lines[i] = JSON.stringify(o);
    return lines;
  },
  eventBeforeHeader(lines) {
    return ['{"ev":"exit","tid":"cpu0","mm":0}', ...lines];
  },
};

const MESSAGE = /^fuzz\.jsonl:(\d+): (?:[\w.[\]]+|.*?\[".*?"\]): expected .+, found .+$/s;

test('corrupted traces parse or fail with file:line: field: expected X, found Y', () => {
  let runs = 0;
  let errors = 0;
  fc.assert(
    fc.property(headerArb, eventsArb, fc.constantFrom(...Object.keys(CORRUPTIONS)), fc.nat(), fc.nat(), (header, events, how, r, s) => {
      const lines = writeTraceText(header, events).trimEnd().split('\n');
      const bad = CORRUPTIONS[how]!(lines, r, s);
      runs++;
      try {
        parseTraceText(bad.join('\n'), 'fuzz.jsonl');
      } catch (e) {
        if (!(e instanceof TraceInputError)) throw e;
        errors++;
        const m = MESSAGE.exec(e.message);
        assert.ok(m, e.message);
        const line = Number(m![1]);
        assert.ok(line >= 1 && line <= bad.length, `line ${line} of ${bad.length}`);
      }
    }),
    { numRuns: 3000 },
  );
  assert.ok(errors > runs / 2, `only ${errors} of ${runs} corruptions were caught: the fuzzer does not bite`);
});

test.run();
