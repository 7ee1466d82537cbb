/**
 * The worker thread of `sockstack fuzz`: runs the cases it is sent and
 * writes its progress to shared memory before each step, so the main
 * thread's watchdog can name the case, step and in-flight calls even when
 * the worker is stuck in a spin it cannot leave.
 *
 * Shared Int32Array layout: [0] heartbeat, [1] case, [2] step,
 * [8 + actor] the op actor `actor` is in (-1 when none).
 */
import { parentPort, workerData } from "node:worker_threads";
import { runCase, type CaseSpec } from "../fuzz/corpus.js";

const shared = new Int32Array(workerData.shared as SharedArrayBuffer);

parentPort!.on("message", (msg: { spec: CaseSpec }) => {
  const spec = msg.spec;
  Atomics.store(shared, 1, spec.case);
  Atomics.store(shared, 2, -1);
  for (let i = 8; i < shared.length; i++) Atomics.store(shared, i, -1);
  Atomics.add(shared, 0, 1);
  runCase(spec, {
    step: (i) => {
      Atomics.store(shared, 2, i);
      Atomics.add(shared, 0, 1);
    },
    actor: (a, op) => {
      if (8 + a < shared.length) Atomics.store(shared, 8 + a, op);
    },
  }).then(
    (outcome) => parentPort!.postMessage({ ok: true, outcome }),
    (e: unknown) => parentPort!.postMessage({ ok: false, error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e) }),
  );
});
parentPort!.postMessage({ ready: true });
