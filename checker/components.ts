/**
 * Strongly connected components of a part of the progress graph
 * (liveness.ts), by Tarjan's algorithm, iterative so that deep graphs do not
 * overflow the stack.
 */

/** The recorded graph as the livelock search reads it: state v's edges are first[v] .. first[v] + deg[v]. */
export interface Csr {
  readonly first: Int32Array;
  readonly deg: Uint16Array;
  readonly to: Int32Array;
  readonly by: Uint8Array;
  readonly act: Uint16Array;
}

/**
 * The components of the subgraph of states 0 .. n-1 with `inside(v)`, each
 * as sorted ids. Single states are included; the caller tells a self-loop
 * from a trivial component. Its arrays are indexed by state id: it runs on
 * the whole graph, once per thread, so it is `tarjan` with the slot of a
 * state its id, written out (through the indirection the search of small
 * took about 15% longer).
 */
export function* components(n: number, g: Csr, inside: (v: number) => boolean): Generator<Int32Array> {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const callV: number[] = [];
  const callK: number[] = [];
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1 || !inside(root)) continue;
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    callV.push(root);
    callK.push(g.first[root]!);
    while (callV.length > 0) {
      const top = callV.length - 1;
      const v = callV[top]!;
      const k = callK[top]!;
      if (k < g.first[v]! + g.deg[v]!) {
        callK[top] = k + 1;
        const x = g.to[k]!;
        if (!inside(x)) continue;
        if (index[x] === -1) {
          index[x] = low[x] = next++;
          stack.push(x);
          onStack[x] = 1;
          callV.push(x);
          callK.push(g.first[x]!);
        } else if (onStack[x] === 1 && index[x]! < low[v]!) low[v] = index[x]!;
        continue;
      }
      callV.pop();
      callK.pop();
      if (callV.length > 0) {
        const parent = callV[callV.length - 1]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let x: number;
        do {
          x = stack.pop()!;
          onStack[x] = 0;
          comp.push(x);
        } while (x !== v);
        yield Int32Array.from(comp).sort();
      }
    }
  }
}

/**
 * The components of the states of `comp` (a component, sorted ids) with
 * `keep(v)`, each as sorted ids. Its arrays are indexed by position among
 * the states kept, so that a small part of a graph of millions of states
 * costs what its own size does.
 */
export function* subComponents(comp: Int32Array, g: Csr, keep: (v: number) => boolean): Generator<Int32Array> {
  const ids: number[] = [];
  const local = new Map<number, number>();
  for (const v of comp) {
    if (!keep(v)) continue;
    local.set(v, ids.length);
    ids.push(v);
  }
  yield* tarjan(ids.length, g, (i) => ids[i]!, (v) => local.get(v) ?? -1);
}

/**
 * Tarjan's algorithm on n slots: slot i is state `id(i)`, and state v is
 * slot `slot(v)`, or -1 when it is outside the subgraph.
 */
function* tarjan(n: number, g: Csr, id: (i: number) => number, slot: (v: number) => number): Generator<Int32Array> {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const callV: number[] = [];
  const callK: number[] = [];
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1 || slot(id(root)) !== root) continue;
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    callV.push(root);
    callK.push(g.first[id(root)]!);
    while (callV.length > 0) {
      const top = callV.length - 1;
      const v = callV[top]!;
      const k = callK[top]!;
      const s = id(v);
      if (k < g.first[s]! + g.deg[s]!) {
        callK[top] = k + 1;
        const x = slot(g.to[k]!);
        if (x < 0) continue;
        if (index[x] === -1) {
          index[x] = low[x] = next++;
          stack.push(x);
          onStack[x] = 1;
          callV.push(x);
          callK.push(g.first[id(x)]!);
        } else if (onStack[x] === 1 && index[x]! < low[v]!) low[v] = index[x]!;
        continue;
      }
      callV.pop();
      callK.pop();
      if (callV.length > 0) {
        const parent = callV[callV.length - 1]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let x: number;
        do {
          x = stack.pop()!;
          onStack[x] = 0;
          comp.push(id(x));
        } while (x !== v);
        yield Int32Array.from(comp).sort();
      }
    }
  }
}
