/**
 * epoll(7) (E8, H4, D7): an epoll instance is an open file holding an
 * interest list keyed by (open file, fd) and a ready list. Each interest
 * registers a persistent waiter on the watched file's wait queue — the
 * same queue blocked syscalls wait on — whose callback moves the item to
 * the ready list (Linux ep_poll_callback). `epoll_wait` re-polls each ready
 * item and reports the events that are true now, so its cost is O(ready),
 * not O(watched).
 *
 * The Linux semantics people trip over, all reproduced:
 * - level-triggered items are reported on every epoll_wait while ready
 *   (re-queued at the tail, so busy fds take turns);
 * - edge-triggered (EPOLLET) items are reported once per wake-up: data left
 *   unread is not reported again until *new* data arrives — drain to EAGAIN;
 * - EPOLLONESHOT disables the item after one report until EPOLL_CTL_MOD
 *   re-arms it;
 * - EPOLLEXCLUSIVE registers an exclusive waiter: one wake-up wakes one
 *   epoll instance (no thundering herd); it is only valid with ADD and with
 *   EPOLLIN/EPOLLOUT/EPOLLET/EPOLLWAKEUP/EPOLLERR/EPOLLHUP;
 * - an item is keyed by the open file *and* the fd: closing an fd leaves
 *   the item in place while another fd (dup, fork) still refers to the
 *   file — events keep arriving with the old fd's data, and EPOLL_CTL_DEL
 *   through the other fd gives ENOENT. It goes away with the last reference.
 * - EPOLLERR and EPOLLHUP are always reported, asked for or not.
 *
 * Not modelled: loop/depth checks of nested epoll sets beyond adding an
 * instance to itself (ELOOP), EPOLLWAKEUP (accepted, no effect).
 */
import { POLLERR, POLLHUP, POLLIN, POLLRDNORM } from "../core/poll-events.js";
import { Timer } from "../core/scheduler.js";
import type { StackContext } from "../core/stack-context.js";
import { SysError } from "../core/sys-error.js";
import type { Micros } from "../core/time.js";
import { WaitQueue, type Waiter } from "../core/wait-queue.js";
import type { OpenFile, Pollable } from "./file.js";

/** epoll event bits (Linux values; EPOLLIN … EPOLLRDHUP equal the POLL* bits). */
export const EPOLLIN = 0x001;
export const EPOLLPRI = 0x002;
export const EPOLLOUT = 0x004;
export const EPOLLERR = 0x008;
export const EPOLLHUP = 0x010;
export const EPOLLRDNORM = 0x040;
export const EPOLLRDBAND = 0x080;
export const EPOLLWRNORM = 0x100;
export const EPOLLWRBAND = 0x200;
export const EPOLLMSG = 0x400;
export const EPOLLRDHUP = 0x2000;
export const EPOLLEXCLUSIVE = 1 << 28;
export const EPOLLWAKEUP = 1 << 29;
export const EPOLLONESHOT = 1 << 30;
/** 1 << 31 as an unsigned number (JS `1 << 31` is negative; both work in bit tests). */
export const EPOLLET = 0x80000000;
/** epoll_ctl operations. */
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
/** epoll_create1 flag (= O_CLOEXEC). */
export const EPOLL_CLOEXEC = 0o2000000;

/** Names → values for the string forms (`"EPOLLIN|EPOLLET"`). */
export const EPOLL_CONSTANTS: Readonly<Record<string, number>> = {
  EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDNORM, EPOLLRDBAND, EPOLLWRNORM, EPOLLWRBAND, EPOLLMSG,
  EPOLLRDHUP, EPOLLEXCLUSIVE, EPOLLWAKEUP, EPOLLONESHOT, EPOLLET, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLL_CLOEXEC,
};

/** The names an `events` word may use (`"EPOLLIN|EPOLLET"`): events and control bits, not operations. */
export const EPOLL_EVENT_CONSTANTS: Readonly<Record<string, number>> = {
  EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDNORM, EPOLLRDBAND, EPOLLWRNORM, EPOLLWRBAND, EPOLLMSG,
  EPOLLRDHUP, EPOLLEXCLUSIVE, EPOLLWAKEUP, EPOLLONESHOT, EPOLLET,
};

/** Control bits that are not events (Linux EP_PRIVATE_BITS). */
const EP_PRIVATE_BITS = (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE) >>> 0;
/** What EPOLLEXCLUSIVE may be combined with (Linux EPOLLEXCLUSIVE_OK_BITS). */
const EXCLUSIVE_OK_BITS = (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE) >>> 0;
/** The readiness bits of an events word. */
const EVENT_BITS = 0xffff;

/** struct epoll_event: the events and the caller's data (by default the fd). */
export interface EpollEvent<T = number> {
  events: number;
  data: T;
}

/** A file that can be watched. */
type Watched = OpenFile & Pollable;

class Item {
  readonly waiter: Waiter;
  constructor(
    readonly ep: EpollFile,
    readonly fd: number,
    readonly file: Watched,
    public events: number,
    public data: unknown,
  ) {
    this.waiter = { mask: 0, wake: (ev) => ep.callback(this, ev) };
    this.setEvents(events);
  }
  setEvents(events: number): void {
    this.events = events >>> 0;
    this.waiter.mask = this.events & EVENT_BITS;
    this.waiter.exclusive = (this.events & EPOLLEXCLUSIVE) !== 0;
  }
}

/** Which epoll instances watch a file (so its last close can remove it). */
const watchers = new WeakMap<OpenFile, Set<EpollFile>>();

/**
 * Called when the last reference to `file` is closed: it leaves every
 * epoll interest list (Linux eventpoll_release).
 */
export function epollFileReleased(file: OpenFile): void {
  const set = watchers.get(file);
  if (!set) return;
  watchers.delete(file);
  for (const ep of set) ep.forget(file);
}

/** An epoll instance: the open file behind an epoll fd. */
export class EpollFile {
  readonly kind = "eventpoll";
  /** What lsof prints as the name of an epoll fd. */
  readonly path = "anon_inode:[eventpoll]";
  refs = 0;
  /** Waiters: blocked epoll_wait callers (exclusive) and pollers of this fd (nested epoll, select). */
  readonly wq = new WaitQueue();
  #items = new Map<OpenFile, Map<number, Item>>();
  /** The ready list in FIFO order (a Set keeps insertion order). */
  #ready = new Set<Item>();
  #count = 0;

  constructor(readonly ctx: StackContext) {}

  /** Number of items in the interest list. */
  get size(): number {
    return this.#count;
  }

  /** The interest list as (fd, events) pairs, for lsof-style views. */
  interests(): { fd: number; events: number }[] {
    const out: { fd: number; events: number }[] = [];
    for (const m of this.#items.values()) for (const it of m.values()) out.push({ fd: it.fd, events: it.events });
    return out;
  }

  /** epoll_ctl(2) on an already resolved target file. */
  ctl(op: number, fd: number, file: Watched, event: EpollEvent<unknown> | null): void {
    const sc = "epoll_ctl";
    if (op !== EPOLL_CTL_ADD && op !== EPOLL_CTL_DEL && op !== EPOLL_CTL_MOD) throw new SysError("EINVAL", sc);
    if (op !== EPOLL_CTL_DEL && !event) throw new SysError("EFAULT", sc);
    if (file === this) throw new SysError("EINVAL", sc);
    let events = event ? event.events >>> 0 : 0;
    if (op !== EPOLL_CTL_DEL && events & EPOLLEXCLUSIVE) {
      if (op === EPOLL_CTL_MOD) throw new SysError("EINVAL", sc);
      if (file instanceof EpollFile || (events & ~EXCLUSIVE_OK_BITS) !== 0) throw new SysError("EINVAL", sc);
    }
    const item = this.#items.get(file)?.get(fd);
    switch (op) {
      case EPOLL_CTL_ADD: {
        if (item) throw new SysError("EEXIST", sc);
        events |= POLLERR | POLLHUP;
        const it = new Item(this, fd, file, events, event!.data);
        let m = this.#items.get(file);
        if (!m) this.#items.set(file, (m = new Map()));
        m.set(fd, it);
        this.#count++;
        let w = watchers.get(file);
        if (!w) watchers.set(file, (w = new Set()));
        w.add(this);
        file.wq.add(it.waiter);
        if (file.poll() & it.events & EVENT_BITS) this.#makeReady(it);
        return;
      }
      case EPOLL_CTL_MOD: {
        if (!item) throw new SysError("ENOENT", sc);
        if (item.events & EPOLLEXCLUSIVE) throw new SysError("EINVAL", sc);
        item.setEvents(events | POLLERR | POLLHUP);
        item.data = event!.data;
        if (file.poll() & item.events & EVENT_BITS) this.#makeReady(item);
        return;
      }
      default: {
        if (!item) throw new SysError("ENOENT", sc);
        this.#remove(item);
      }
    }
  }

  #remove(it: Item): void {
    it.file.wq.remove(it.waiter);
    this.#ready.delete(it);
    const m = this.#items.get(it.file)!;
    m.delete(it.fd);
    this.#count--;
    if (m.size === 0) {
      this.#items.delete(it.file);
      watchers.get(it.file)?.delete(this);
    }
  }

  #makeReady(it: Item): void {
    if (this.#ready.has(it)) return;
    this.#ready.add(it);
    this.wq.wake(POLLIN | POLLRDNORM);
  }

  /** The wait-queue callback of an item (Linux ep_poll_callback). @internal */
  callback(it: Item, events: number): void {
    if ((it.events & EVENT_BITS & events) === 0) return; // disabled by EPOLLONESHOT, or not interested
    this.#makeReady(it);
  }

  /** Drops every item of a file whose last reference closed. @internal */
  forget(file: OpenFile): void {
    const m = this.#items.get(file);
    if (!m) return;
    for (const it of [...m.values()]) this.#remove(it);
  }

  /**
   * Takes up to `max` events off the ready list (Linux ep_send_events):
   * each item is polled again; level-triggered items go back to the tail,
   * edge-triggered ones wait for the next wake-up, one-shot ones are disabled.
   */
  collect<T>(max: number): EpollEvent<T>[] {
    const out: EpollEvent<T>[] = [];
    if (this.#ready.size === 0) return out;
    for (const it of [...this.#ready]) {
      if (out.length >= max) break;
      this.#ready.delete(it);
      const revents = it.file.poll() & it.events & EVENT_BITS;
      if (!revents) continue;
      out.push({ events: revents, data: it.data as T });
      if (it.events & EPOLLONESHOT) it.setEvents(it.events & EP_PRIVATE_BITS);
      else if (!(it.events & EPOLLET)) this.#ready.add(it);
    }
    return out;
  }

  /** epoll_wait(2): up to `max` events; waits up to `timeout` µs (negative = forever, 0 = poll). */
  async wait<T>(max: number, timeout: Micros): Promise<EpollEvent<T>[]> {
    const sched = this.ctx.scheduler;
    const deadline = timeout >= 0 ? sched.now() + timeout : -1;
    for (;;) {
      const evs = this.collect<T>(max);
      if (evs.length) return evs;
      const left = deadline < 0 ? -1 : deadline - sched.now();
      if (deadline >= 0 && left <= 0) return evs;
      await this.#block(left);
    }
  }

  /** One exclusive wait on this instance's queue (Linux ep_poll adds itself exclusively). */
  #block(timeout: Micros): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: Timer | null = null;
      const w: Waiter = {
        mask: POLLIN,
        exclusive: true,
        wake: () => {
          this.wq.remove(w);
          if (timer) this.ctx.scheduler.disarm(timer);
          this.ctx.notifyWake();
          resolve();
        },
      };
      this.wq.add(w);
      if (timeout >= 0) {
        timer = new Timer(() => {
          this.wq.remove(w);
          this.ctx.notifyWake();
          resolve();
        });
        this.ctx.scheduler.armIn(timer, timeout);
      }
    });
  }

  /** Readiness of the epoll fd itself: POLLIN when an item is ready. */
  poll(): number {
    for (const it of this.#ready) if (it.file.poll() & it.events & EVENT_BITS) return POLLIN | POLLRDNORM;
    return 0;
  }

  /** Last close: every registration leaves its file's wait queue. */
  release(): void {
    for (const m of [...this.#items.values()]) for (const it of [...m.values()]) this.#remove(it);
  }
}
