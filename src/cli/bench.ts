/**
 * `sockstack bench [NAME…] [--quick] [--json[=FILE]] [--list]`: the
 * benchmarks of `src/bench/` (sockstack on the simulated network next to
 * its kernel counterpart, Node's `net` over 127.0.0.1, in the same run).
 * They are built into `dist/bench/` with the rest (not exported by the
 * package), so the command works from the installed package as from a
 * clone (`npm run bench` runs the TypeScript sources through tsx).
 */
import type { CliIo } from "./io.js";
import { processIo } from "./io.js";

interface BenchModule {
  runBench(args: readonly string[], io: CliIo): Promise<number>;
}

/**
 * Runs the benchmarks; resolves to the exit status (0, 1 when a benchmark
 * failed, 2 for a bad command line or when the bench sources are missing).
 * @example const status = await benchCommand(["throughput-lo", "--quick"]);
 */
export async function benchCommand(args: string[], io: CliIo = processIo()): Promise<number> {
  // Loaded on demand: the other commands never pay for the benchmarks' imports.
  const mod: BenchModule = await import("../bench/main.js");
  return mod.runBench(args, io);
}
