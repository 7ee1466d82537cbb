/**
 * The AsyncLocalStorage of interception (intercept.ts): which simulated
 * host's façade the running code belongs to. Apart, so that the timers of
 * the façade and of virtual time can carry it without importing the
 * interception machinery.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { NodeOn } from "./index.js";

/** The façade of the host whose `run` the current async context descends from. */
export const hostStore = new AsyncLocalStorage<NodeOn>();

/**
 * `fn`, to run in the interception context current now (as a real timer's
 * callback does); `fn` itself when there is none — the common case costs
 * nothing (AsyncResource.bind costs a resource and a deprecation wrapper
 * per call, measurable on the http benchmark's per-request socket timers).
 */
export function bindHostContext<A extends unknown[], R>(fn: (...a: A) => R): (...a: A) => R {
  const on = hostStore.getStore();
  if (on === undefined) return fn;
  return (...a: A) => hostStore.run(on, fn, ...a);
}
