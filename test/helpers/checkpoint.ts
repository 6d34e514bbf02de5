/**
 * Where each part of a checkpoint file lies (checker/checkpoint.ts, format 2),
 * found by reading the file as a stranger would: so that tests can damage one
 * part at a time.
 */

/** Byte ranges [start, end) by name: 'magic', 'checksum', 'header', then each array by its name. */
export function checkpointRegions(bytes: Uint8Array): Map<string, readonly [number, number]> {
  const out = new Map<string, readonly [number, number]>();
  let at = 0;
  for (const name of ['magic', 'checksum', 'header']) {
    const nl = bytes.indexOf(10, at);
    if (nl < 0) throw new Error(`checkpointRegions: no ${name} line`);
    out.set(name, [at, nl]);
    at = nl + 1;
  }
  const [hs, he] = out.get('header')!;
  const head = JSON.parse(Buffer.from(bytes.subarray(hs, he)).toString('utf8')) as { arrays: { name: string; type: string; length: number }[] };
  for (const a of head.arrays) {
    const size = a.length * (a.type === 'i32' ? 4 : 2);
    out.set(a.name, [at, at + size]);
    at += size;
  }
  if (at !== bytes.length) throw new Error(`checkpointRegions: ${bytes.length - at} bytes after the arrays`);
  return out;
}

/** A copy of `bytes` with the byte in the middle of `region` inverted. */
export function flipByteIn(bytes: Uint8Array, region: readonly [number, number]): Buffer {
  const [start, end] = region;
  if (end <= start) throw new Error('flipByteIn: an empty region');
  const copy = Buffer.from(bytes);
  const at = start + Math.floor((end - start) / 2);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}
