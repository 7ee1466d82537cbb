/**
 * Blocking on several files at once, for select(2) and poll(2): a waiter is
 * registered on the wait queue of every file (Linux poll_wait adds one
 * entry per file to the poll table), the first wake-up or the timeout
 * resolves the wait, and every entry is removed again.
 */
import { Timer } from "../core/scheduler.js";
import type { StackContext } from "../core/stack-context.js";
import type { Micros } from "../core/time.js";
import type { Waiter } from "../core/wait-queue.js";
import type { Pollable } from "./file.js";

/**
 * Waits until one of the files' wait queues is woken with an event in its
 * mask, or `timeout` µs pass (negative = forever). Resolves true on a
 * wake-up, false on timeout. The caller re-polls afterwards: a wake-up
 * only says that something changed.
 */
export function waitMany(ctx: StackContext, items: readonly { file: Pollable; mask: number }[], timeout: Micros): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const regs: { file: Pollable; w: Waiter }[] = [];
    let timer: Timer | null = null;
    let done = false;
    const finish = (woken: boolean): void => {
      if (done) return;
      done = true;
      for (const r of regs) r.file.wq.remove(r.w);
      if (timer) ctx.scheduler.disarm(timer);
      ctx.notifyWake();
      resolve(woken);
    };
    for (const { file, mask } of items) {
      const w: Waiter = { mask, wake: () => finish(true) };
      file.wq.add(w);
      regs.push({ file, w });
    }
    if (timeout >= 0) {
      timer = new Timer(() => finish(false));
      ctx.scheduler.armIn(timer, timeout);
    }
  });
}
