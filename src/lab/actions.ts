/**
 * What a learner does to the lab's running network — link impairments (the
 * sliders), a partition and its healing, a killed server, a rebooted client,
 * a line typed into a process's stdin — and the timeline entry that records
 * it at its virtual instant (what a replay re-applies): the types, the link
 * patch of a set of impairments, and the one-line description the page's
 * "what you did" pane prints.
 *
 * @example
 * describeAction({ t: 1_000_000, action: { kind: "partition", link: 0 } }); // "1.000 s  link 0 partitioned"
 */
import type { Micros } from "../core/time.js";
import type { LinkConfigInput } from "../sim/impairments.js";

/**
 * Impairments the lab applies to the link, both directions (the sliders).
 * Omitted fields keep what the link has (the lecture's: 50 µs latency,
 * MTU 1500, nothing else).
 */
export interface LabImpairments {
  /** One-way latency, µs. */
  latencyUs?: number;
  /** Uniform jitter, ± µs. */
  jitterUs?: number;
  /** Loss probability, 0–1. */
  loss?: number;
  /** Duplication probability, 0–1. */
  duplicate?: number;
  /** Reordering probability, 0–1. */
  reorder?: number;
  /** Rate, bits/s; 0 = unlimited. */
  rate?: number;
  /** Link MTU, bytes. */
  mtu?: number;
}

/** Something the learner does to the running network (a button or slider of the page). */
export type LabAction =
  /** Impairments of link `link` (its index in the network's links, as the topology numbers them), or of every link when absent. */
  | { kind: "configure"; impairments: LabImpairments; link?: number }
  /** Cuts link `link` (every link when absent). */
  | { kind: "partition"; link?: number }
  /** Reconnects link `link` (every link when absent). */
  | { kind: "heal"; link?: number }
  /** SIGKILL every process of the host (its fds close as exit closes them). */
  | { kind: "kill"; host: string }
  /** The host reboots: a fresh kernel on the same addresses (Network.reboot). */
  | { kind: "reboot"; host: string }
  /** A line typed into a process's terminal (its stdin; the newline is added), or the end of input (`line` null: Ctrl-D). */
  | { kind: "stdin"; host: string; pid: number; line: string | null };

/** An action at the virtual instant it was taken (after everything due at that instant ran). */
export interface LabTimedAction {
  t: Micros;
  action: LabAction;
}

/** The link configuration patch of `imp`. */
export function linkPatch(imp: LabImpairments): LinkConfigInput {
  const { latencyUs, jitterUs, loss, duplicate, reorder, rate, mtu } = imp;
  return {
    ...(latencyUs !== undefined ? { latency: latencyUs } : {}),
    ...(jitterUs !== undefined ? { jitter: jitterUs } : {}),
    ...(loss !== undefined ? { loss } : {}),
    ...(duplicate !== undefined ? { duplicate } : {}),
    ...(reorder !== undefined ? { reorder } : {}),
    ...(rate !== undefined ? { rate } : {}),
    ...(mtu !== undefined ? { mtu } : {}),
  };
}

/** A copy of `a` (the timeline keeps its own, whatever the caller does with the object it passed). */
export function copyAction(a: LabAction): LabAction {
  return a.kind === "configure" ? { ...a, impairments: { ...a.impairments } } : { ...a };
}

/** A probability as a percentage with one decimal (`0.2` → `20.0%`). */
export const percent = (p: number | undefined): string => `${((p ?? 0) * 100).toFixed(1)}%`;

/** How the "what you did" pane names the link an action acts on: `link 1`, or `every link`. */
export const linkName = (link: number | undefined): string => (link === undefined ? "every link" : `link ${link}`);

/** `a` as one line of the "what you did" pane: its instant and what it did. */
export function describeAction(a: LabTimedAction): string {
  const at = `${(a.t / 1e6).toFixed(3)} s`;
  const x: LabAction = a.action;
  switch (x.kind) {
    case "configure": {
      // The fields the action set (the page's sliders set them all), in the sliders' order.
      const i = x.impairments;
      const parts = [
        i.latencyUs !== undefined || i.jitterUs !== undefined ? `${i.latencyUs ?? "same"} µs ±${(i.jitterUs ?? 0) / 1000} ms` : null,
        i.loss !== undefined ? `loss ${percent(i.loss)}` : null,
        i.reorder !== undefined ? `reorder ${percent(i.reorder)}` : null,
        i.duplicate !== undefined ? `dup ${percent(i.duplicate)}` : null,
        i.rate !== undefined ? (i.rate ? `${i.rate / 1e6} Mbit/s` : "no rate limit") : null,
        i.mtu !== undefined ? `mtu ${i.mtu}` : null,
      ].filter((p) => p !== null);
      return `${at}  ${linkName(x.link)}: ${parts.join(", ")}`;
    }
    case "partition": return `${at}  ${linkName(x.link)} partitioned`;
    case "heal": return `${at}  ${linkName(x.link)} healed`;
    case "kill": return `${at}  kill -9 every process on ${x.host}`;
    case "reboot": return `${at}  ${x.host} reboots`;
    case "stdin": return x.line === null ? `${at}  Ctrl-D on ${x.host}'s pid ${x.pid} (end of input)` : `${at}  typed into ${x.host}'s pid ${x.pid}: ${x.line}`;
  }
}
