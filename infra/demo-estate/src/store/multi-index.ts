/**
 * A secondary index from a value to the keys holding it, lean for the usual case of one key per
 * value: a million single keys cost one map entry each, not one Set each.
 */
export class MultiIndex<K> {
  private readonly entries = new Map<string, K | Set<K>>();

  add(value: string, key: K): void {
    const held = this.entries.get(value);
    if (held === undefined) this.entries.set(value, key);
    else if (held instanceof Set) held.add(key);
    else if (held !== key) this.entries.set(value, new Set([held, key]));
  }

  remove(value: string, key: K): void {
    const held = this.entries.get(value);
    if (held === undefined) return;
    if (held instanceof Set) {
      held.delete(key);
      if (held.size === 0) this.entries.delete(value);
    } else if (held === key) this.entries.delete(value);
  }

  /** Keys holding `value`, in the order they were added. */
  get(value: string): K[] {
    const held = this.entries.get(value);
    if (held === undefined) return [];
    return held instanceof Set ? [...held] : [held];
  }
}
