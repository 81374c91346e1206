/** A binary min-heap ordered by `at`, then by insertion order (so equal times keep FIFO order). */
export class EventHeap<T> {
  readonly #items: { at: number; order: number; value: T }[] = [];
  #counter = 0;

  get size(): number {
    return this.#items.length;
  }

  /** The earliest time in the heap, or `undefined` when empty. */
  peekTime(): number | undefined {
    return this.#items[0]?.at;
  }

  push(at: number, value: T): void {
    const items = this.#items;
    items.push({ at, order: this.#counter++, value });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the earliest entry. */
  pop(): { at: number; value: T } | undefined {
    const items = this.#items;
    const top = items[0];
    if (!top) return undefined;
    const last = items.pop() as (typeof items)[number];
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && this.#less(left, smallest)) smallest = left;
        if (right < items.length && this.#less(right, smallest)) smallest = right;
        if (smallest === i) break;
        this.#swap(i, smallest);
        i = smallest;
      }
    }
    return { at: top.at, value: top.value };
  }

  clear(): void {
    this.#items.length = 0;
  }

  #less(a: number, b: number): boolean {
    const x = this.#items[a] as { at: number; order: number };
    const y = this.#items[b] as { at: number; order: number };
    return x.at < y.at || (x.at === y.at && x.order < y.order);
  }

  #swap(a: number, b: number): void {
    const items = this.#items;
    const tmp = items[a] as (typeof items)[number];
    items[a] = items[b] as (typeof items)[number];
    items[b] = tmp;
  }
}
