/**
 * `sockstack bench [NAME…] [--quick] [--json[=FILE]] [--list]`: the
 * benchmarks of `bench/` (sockstack on the simulated network next to its
 * kernel counterpart, Node's `net` over 127.0.0.1, in the same run). The
 * benchmark code lives outside `src/` (it is not part of the library), so
 * this command loads it from the source tree at run time; it needs the
 * repository checkout and the tsx loader (`npm run bench` is the same).
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
  // A computed specifier: the compiler must not follow it (bench/ is outside the library's rootDir).
  const url = new URL(["..", "..", "bench", "main.ts"].join("/"), import.meta.url).href;
  let mod: BenchModule;
  try {
    mod = (await import(url)) as BenchModule;
  } catch (e) {
    io.err(`sockstack bench: cannot load the benchmarks (${(e as Error).message.split("\n")[0]})`);
    io.err("sockstack bench runs from a source checkout with tsx: npm run bench -- [NAME…] [--quick] [--json]");
    return 2;
  }
  return mod.runBench(args, io);
}
