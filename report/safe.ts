/**
 * Text from a trace or a configuration (a `source`, a `note`, an actor's
 * name, a field's value in an error) is shown to a person on a terminal. A
 * control character in it would be obeyed, not shown: an escape sequence
 * could clear the screen, rewrite the verdict line or hide text, a bidi
 * override could reorder what is read. So every such character is shown as
 * its escape (`\x1b`, `\u202e`) instead, in text and Markdown reports, in
 * messages on standard error, and in JSON (which escapes C0 itself but not
 * DEL, C1 or the bidi controls). Newlines and tabs that hmmcheck itself
 * writes pass through.
 */

/** C0 but tab and newline, DEL, C1, the bidi embeddings, overrides and isolates, and the Unicode line separators. */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, and newline and tab too: for single-line values inside a report. */
const UNSAFE_IN_LINE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** UNSAFE_IN_LINE without the global flag, whose `test` keeps no position between calls. */
const ANY_UNSAFE_IN_LINE = new RegExp(UNSAFE_IN_LINE.source);

function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** `s` with every control character shown as its escape; newlines and tabs kept. */
export function neutralize(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

/** `s` on one line: newlines and tabs escaped too. */
export function neutralizeLine(s: string): string {
  return s.replace(UNSAFE_IN_LINE, escapeChar);
}

/**
 * A copy of a report with every string in it shown safely, for the text and
 * Markdown renderers (whose own layout, colours and newlines come after).
 */
export function neutralizeDeep<T>(x: T): T {
  if (typeof x === 'string') return (ANY_UNSAFE_IN_LINE.test(x) ? neutralizeLine(x) : x) as T;
  if (Array.isArray(x)) return x.map((v) => neutralizeDeep(v)) as T;
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[neutralizeLine(k)] = neutralizeDeep(v);
    return out as T;
  }
  return x;
}

/** JSON text in which DEL, C1 and the bidi and line-separator characters are \u escapes (the same value, parsed). */
export function safeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A free-text field (a trace's `source`) cut to what a report line can carry, saying how much was left out. */
export function clip(s: string, max = 500): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${(s.length - max).toLocaleString('en-US')} more characters)`;
}
