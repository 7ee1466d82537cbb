/**
 * Memory benchmarks run in a child process of their own (a fresh heap, `gc`
 * exposed, a larger heap limit for the million): `node --import tsx
 * --expose-gc src/bench/child.ts <job> <n>`. Progress lines go to stderr; the
 * last stdout line is the {@link Measurement} as JSON.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Measurement } from "./harness.js";
import { establishIdle } from "./sim.js";
import { kernelHeapPerConnection } from "./kernel.js";
import { fragExpire, fragFlood, oooFlood } from "./memory-limits.js";
import { TcpState } from "../tcp/tcp-state.js";
import type { Host } from "../host/host.js";

function gcNow(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error("bench child: run with --expose-gc");
  return () => {
    g();
    g();
  };
}

/** Linux `ss -s` TCP line from the tables (tools' ssSummary needs a full snapshot). */
function ssLine(h: Host): string {
  let estab = 0, tw = 0, other = 0;
  // Counted from the table (tools/ss.ts ssSummary builds a full snapshot and is quadratic in sockets).
  for (const t of h.tcp.tables.connections()) {
    if (t.state === TcpState.ESTABLISHED) estab++;
    else if (t.state === TcpState.TIME_WAIT) tw++;
    else other++;
  }
  const total = estab + other + tw;
  return `TCP: ${total - tw} (estab ${estab}, closed 0, orphaned 0, timewait ${tw})`;
}

/** Heap bytes per established idle connection end, sockstack on both ends. */
async function memory(n: number): Promise<Measurement> {
  const gc = gcNow();
  gc();
  const before = process.memoryUsage().heapUsed;
  const r = await establishIdle(n, Math.ceil(n / 60000), 200, Math.max(1, Math.ceil(n / 16000)));
  gc();
  const after = process.memoryUsage().heapUsed;
  const per = (after - before) / (2 * n);
  const cEnds = [...r.clients].reduce((a, c) => a + c.tcp.tables.size, 0);
  return {
    value: per,
    extra: { connections: n, heap_MB: (after - before) / 1e6, establish_s: r.wall, client_ends: cEnds, server_ss: ssLine(r.server) },
  };
}

/** One million established connections to one server host. */
async function million(n: number): Promise<Measurement> {
  const gc = gcNow();
  gc();
  const before = process.memoryUsage().heapUsed;
  const hosts = Math.ceil(n / 64000);
  const r = await establishIdle(n, hosts, 1024, 64, (k) => process.stderr.write(`  million: ${k.toLocaleString("en-US")} established\n`));
  gc();
  const after = process.memoryUsage().heapUsed;
  return {
    value: r.wall,
    extra: {
      connections: n, client_hosts: hosts, heap_GB: (after - before) / 1e9, B_per_end: (after - before) / (2 * n),
      rss_GB: process.memoryUsage().rss / 1e9, virtual_s: r.net.now() / 1e6, server_ss: ssLine(r.server),
    },
  };
}

async function kernelMemory(n: number): Promise<Measurement> {
  return kernelHeapPerConnection(n, gcNow());
}

const JOBS: Record<string, (n: number) => Promise<Measurement>> = {
  memory, million, "kernel-memory": kernelMemory,
  "frag-flood": (n) => fragFlood(n, gcNow()),
  "frag-expire": (n) => fragExpire(n, gcNow()),
  "ooo-flood": (n) => oooFlood(n, gcNow()),
};

/**
 * Runs `job` with `n` in a child Node process with `flags` (e.g.
 * `--max-old-space-size=20000`); resolves to its measurement.
 */
export function runInChild(job: string, n: number, flags: string[] = [], progress?: (line: string) => void): Promise<Measurement> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, "--expose-gc", ...flags, self, job, String(n)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => void (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      const s = d.toString();
      err += s;
      for (const line of s.split("\n")) if (line.startsWith("  ") && progress) progress(line);
    });
    child.on("close", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !last.startsWith("{")) reject(new Error(`bench child ${job} ${n} exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(last) as Measurement);
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [job, n] = process.argv.slice(2);
  const fn = JOBS[job ?? ""];
  if (!fn) {
    process.stderr.write(`bench child: unknown job ${job}\n`);
    process.exit(2);
  }
  const m = await fn(Number(n));
  process.stdout.write(`${JSON.stringify(m)}\n`);
  process.exit(0);
}
