/**
 * A wait queue (Linux `wait_queue_head_t`): the one place where blocked
 * callers, poll/select and epoll register interest in a socket's events.
 * Protocol code calls {@link WaitQueue.wake} with the events that just became
 * true (data arrived → POLLIN, space freed → POLLOUT, …); each waiter whose
 * mask intersects them is called. Waiters marked `exclusive` (a blocked
 * `accept`, `EPOLLEXCLUSIVE`) are woken one at a time, like Linux's
 * exclusive wake-ups (avoids the thundering herd).
 */

/** One registered interest. */
export interface Waiter {
  /** Events of interest (POLL* bits). */
  mask: number;
  /** Wake at most one exclusive waiter per wake-up. */
  exclusive?: boolean;
  /** Called with the events that occurred (intersected with nothing: all of them). */
  wake(events: number): void;
}

/** A list of waiters. Allocates nothing until the first waiter arrives. */
export class WaitQueue {
  #waiters: Waiter[] | null = null;

  /** Registers `w`. */
  add(w: Waiter): void {
    (this.#waiters ??= []).push(w);
  }

  /** Unregisters `w` (no-op when absent). */
  remove(w: Waiter): void {
    const ws = this.#waiters;
    if (!ws) return;
    const i = ws.indexOf(w);
    if (i >= 0) ws.splice(i, 1);
    if (ws.length === 0) this.#waiters = null;
  }

  /** Number of registered waiters. */
  get size(): number {
    return this.#waiters?.length ?? 0;
  }

  /**
   * Wakes the waiters interested in `events`: every non-exclusive one and
   * the first exclusive one. Waiters may remove themselves while being woken.
   */
  wake(events: number): void {
    const ws = this.#waiters;
    if (!ws) return;
    if (ws.length === 1) {
      // The common case (one blocked caller): no snapshot copy needed.
      const w = ws[0]!;
      if ((w.mask & events) !== 0) w.wake(events);
      return;
    }
    let exclusiveDone = false;
    for (const w of ws.slice()) {
      if ((w.mask & events) === 0) continue;
      if (w.exclusive) {
        if (exclusiveDone) continue;
        exclusiveDone = true;
      }
      w.wake(events);
    }
  }
}
