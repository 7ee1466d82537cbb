/**
 * The scenario registry: every `sockstack demo` scenario with its name,
 * one-line summary (English and Chinese) and the SEEDS.md ids it shows.
 * Browser-safe (no Node built-ins): the CLI prints from it and the web lab
 * can use it as its menu.
 *
 * @example
 * SCENARIOS.map((s) => `${s.name}: ${s.summary.zh} [${s.seeds.join(" ")}]`);
 * findScenario("time-wait")?.seeds; // ["F6", "C5", "E6"]
 */
import type { DemoScenario } from "./context.js";
import { backlogDemo } from "./scenarios/backlog.js";
import { closeWaitLeakDemo } from "./scenarios/close-wait-leak.js";
import { dualStackDemo } from "./scenarios/dual-stack.js";
import { ethernetDemo } from "./scenarios/ethernet.js";
import { fdsDemo } from "./scenarios/fds.js";
import { fourTupleDemo } from "./scenarios/four-tuple.js";
import { halfCloseDemo } from "./scenarios/half-close.js";
import { heartbeatDemo } from "./scenarios/heartbeat.js";
import { handshakeDemo } from "./scenarios/handshake-and-close.js";
import { ioModelsDemo } from "./scenarios/io-models.js";
import { keepaliveDemo } from "./scenarios/keepalive.js";
import { kernelStructuresDemo } from "./scenarios/kernel-structures.js";
import { lectureDemo } from "./scenarios/lecture.js";
import { manyConnectionsDemo } from "./scenarios/many-connections.js";
import { nagleDemo } from "./scenarios/nagle.js";
import { reorderDemo } from "./scenarios/reorder.js";
import { rstDemo } from "./scenarios/rst.js";
import { synFloodDemo } from "./scenarios/syn-flood.js";
import { timeoutsDemo } from "./scenarios/timeouts.js";
import { windowDemo } from "./scenarios/window.js";
import { timeWaitDemo } from "./scenarios/time-wait.js";
import { udpDemo } from "./scenarios/udp.js";

/** Every scenario, the default (`lecture`) first. */
export const SCENARIOS: readonly DemoScenario[] = [
  lectureDemo,
  backlogDemo,
  handshakeDemo,
  timeWaitDemo,
  rstDemo,
  halfCloseDemo,
  closeWaitLeakDemo,
  nagleDemo,
  windowDemo,
  reorderDemo,
  keepaliveDemo,
  heartbeatDemo,
  timeoutsDemo,
  synFloodDemo,
  fdsDemo,
  ioModelsDemo,
  kernelStructuresDemo,
  fourTupleDemo,
  manyConnectionsDemo,
  udpDemo,
  ethernetDemo,
  dualStackDemo,
];

/** The scenario named `name`, or undefined. */
export function findScenario(name: string): DemoScenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

/** Every seed id some scenario shows, sorted. */
export function scenarioSeedIds(): string[] {
  return [...new Set(SCENARIOS.flatMap((s) => s.seeds))].sort();
}
