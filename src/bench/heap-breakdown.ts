/**
 * Where the heap of an idle connection goes: establishes `n` idle
 * connections (sockstack on both ends), writes a V8 heap snapshot and
 * prints the retained-by-type table (self sizes grouped by constructor
 * name, per connection end). Run:
 *   node --import tsx --expose-gc src/bench/heap-breakdown.ts 5000
 */
import v8 from "node:v8";
import { readFileSync, rmSync } from "node:fs";
import { establishIdle } from "./sim.js";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: (string | string[])[] } };
  nodes: number[];
  strings: string[];
}

function countByType(file: string): Map<string, { count: number; bytes: number }> {
  const s = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const f = s.snapshot.meta.node_fields;
  const width = f.length;
  const iType = f.indexOf("type"), iName = f.indexOf("name"), iSize = f.indexOf("self_size");
  const types = s.snapshot.meta.node_types[iType] as string[];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]!]!;
    const name = type === "object" || type === "closure" ? `${type}:${s.strings[s.nodes[i + iName]!]}` : type;
    const e = out.get(name) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += s.nodes[i + iSize]!;
    out.set(name, e);
  }
  return out;
}

const n = Number(process.argv[2] ?? 5000);
const gc = (globalThis as { gc?: () => void }).gc!;
gc();
const f0 = v8.writeHeapSnapshot("/tmp/sockstack-heap-0.heapsnapshot");
const base = countByType(f0);
const r = await establishIdle(n, 1, 200, 1);
gc();
const f1 = v8.writeHeapSnapshot("/tmp/sockstack-heap-1.heapsnapshot");
const after = countByType(f1);
const rows = [...after].map(([k, v]) => {
  const b = base.get(k) ?? { count: 0, bytes: 0 };
  return { k, count: (v.count - b.count) / (2 * n), bytes: (v.bytes - b.bytes) / (2 * n) };
}).filter((x) => x.bytes > 1).sort((a, b) => b.bytes - a.bytes);
let total = 0;
for (const x of rows) total += x.bytes;
console.log(`${n} connections, ${r.net.hosts.size} hosts; per connection end: ${total.toFixed(0)} B (self sizes)`);
for (const x of rows.slice(0, 40)) console.log(`${x.bytes.toFixed(0).padStart(7)} B  ${x.count.toFixed(2).padStart(6)} obj  ${x.k}`);
if (process.env.KEEP) console.log(f0, f1); else {
rmSync(f0);
rmSync(f1);
}
