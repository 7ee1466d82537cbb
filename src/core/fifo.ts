/**
 * A first-in first-out queue with O(1) push and shift: an array read from
 * a moving head index, compacted when the consumed prefix dominates (so a
 * long-lived queue never holds more than about twice its live entries)
 * and reset when it empties. Consumed slots are cleared at once, so the
 * queue never keeps a shifted item alive.
 *
 * @example
 * const q = new Fifo<number>();
 * q.push(1); q.push(2);
 * q.shift(); // 1
 * q.length;  // 1
 */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** Number of queued items. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Appends `item`. */
  push(item: T): void {
    this.#items.push(item);
  }

  /**
   * Inserts `item` after the last queued item whose `key` is not greater
   * than its own — from the back, so an item that belongs at the end (the
   * usual case for deadlines) costs O(1).
   */
  insertByKey(item: T, key: (x: T) => number): void {
    const items = this.#items;
    const k = key(item);
    let i = items.length;
    while (i > this.#head && key(items[i - 1] as T) > k) i--;
    if (i === items.length) items.push(item);
    else items.splice(i, 0, item);
  }

  /** The first item, or undefined when empty. */
  peek(): T | undefined {
    return this.#head < this.#items.length ? this.#items[this.#head] : undefined;
  }

  /** Removes and returns the first item (undefined when empty). */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Forgets every item. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }

  /** The queued items, first to last. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i] as T;
  }
}
