/**
 * Per stored state, the id of the state it was first reached from and the
 * index of the action taken (stateright's `Path` links): what rebuilds a
 * counterexample. Every visited store keeps them the same way: 4 bytes of
 * parent and 2 of action index per state, in typed arrays that double.
 */
const MAX_ACTIONS = 0xffff;

export class PathLinks {
  private parents = new Int32Array(1024);
  private actions = new Uint16Array(1024);

  /** Records the links of state `id` (ids are dense: 0, 1, 2, ...). */
  set(id: number, parent: number, action: number): void {
    if (id >= this.parents.length) {
      const p = new Int32Array(this.parents.length * 2);
      p.set(this.parents);
      this.parents = p;
      const a = new Uint16Array(this.actions.length * 2);
      a.set(this.actions);
      this.actions = a;
    }
    this.parents[id] = parent;
    this.actions[id] = action;
  }

  /** Throws before anything is stored when an action index does not fit. */
  static check(action: number): void {
    if (action > MAX_ACTIONS) throw new RangeError(`action index ${action} does not fit the store's 16 bits`);
  }

  parentOf(id: number): number {
    return this.parents[id]!;
  }

  actionOf(id: number): number {
    return this.actions[id]!;
  }

  /** The first `count` links, for a checkpoint (views: save them before the search goes on). */
  snapshot(count: number): { parents: Int32Array; actions: Uint16Array } {
    return { parents: this.parents.subarray(0, count), actions: this.actions.subarray(0, count) };
  }

  restore(parents: Int32Array, actions: Uint16Array): void {
    this.parents = new Int32Array(Math.max(1024, parents.length * 2));
    this.parents.set(parents);
    this.actions = new Uint16Array(this.parents.length);
    this.actions.set(actions);
  }
}
