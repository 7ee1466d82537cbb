/**
 * `Math.random` from the simulation's seed: libraries draw message ids,
 * back-off jitter and cache-busting tokens from it (mqtt's first packet id,
 * socket.io's reconnection jitter and `t=` token), so the same seed must
 * give the same draws for the same packets. node:crypto's random functions
 * (`randomBytes`, `randomUUID`, WebCrypto) are not replaced: libraries
 * capture them at load, and security code must not get predictable bytes
 * (docs/node.md, "What is deterministic").
 */
import { Rng } from "../../core/rng.js";

/** What {@link seededMathRandom} returns. */
export interface SeededRandom {
  /** Restores the real `Math.random`. */
  uninstall(): void;
}

let active = false;

/**
 * Replaces `Math.random` with a generator seeded from `seed` (xoshiro128**,
 * the stack's own, in its own stream: the network's draws are unchanged).
 * One at a time, like virtual timers.
 * @example
 * const r = seededMathRandom(7);
 * try { Math.random(); } finally { r.uninstall(); }
 */
export function seededMathRandom(seed: number): SeededRandom {
  if (active) throw new Error("sockstack/node: Math.random is already seeded by another simulation (uninstall it first)");
  const real = Math.random;
  // A stream apart from the network's: "Math" in ASCII mixed into the seed.
  const rng = new Rng((seed ^ 0x4d617468) >>> 0);
  Math.random = () => rng.float();
  active = true;
  return {
    uninstall() {
      Math.random = real;
      active = false;
    },
  };
}
