/**
 * One sockstack workload alone, for profiling:
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof src/bench/profile.ts throughput 200000000 65536
 *   … profile.ts throughput 50000000 1500 csum | connect 20000 | establish 10000 200 | idle 2000 | lossy 10000000 reno
 *   … profile.ts http 60000 (Node's http over sockstack/node) | http-kernel 60000 (the same over the kernel loopback)
 * (For source line numbers in the profile, compile first:
 * `npx tsc -p tsconfig.json --noEmit false --outDir /tmp/bdist` and run the .js.)
 */
import { establishIdle, simConnectRate, simIdleTimers, simLossy, simThroughput } from "./sim.js";
import { kernelHttp, simHttp } from "./http.js";

const [what, a, b, c] = process.argv.slice(2);
const num = (s: string | undefined, d: number) => (s === undefined ? d : Number(s));
switch (what) {
  case "throughput": console.log(await simThroughput(num(a, 200e6), num(b, 65536), c !== "csum")); break;
  case "connect": console.log(await simConnectRate(num(a, 20000), 200)); break;
  case "establish": { const r = await establishIdle(num(a, 10000), 1, num(b, 200), Math.max(1, Math.ceil(num(a, 10000) / 16000))); console.log({ wall: r.wall }); break; }
  case "idle": console.log(await simIdleTimers(num(a, 2000), 7200)); break;
  case "lossy": console.log(await simLossy(num(a, 10e6), b === "cubic" ? "cubic" : "reno")); break;
  case "http": console.log(await simHttp(num(a, 60000))); break;
  case "http-kernel": console.log(await kernelHttp(num(a, 60000))); break;
  default: console.error("usage: src/bench/profile.ts throughput|connect|establish|idle|lossy|http|http-kernel [args]"); process.exitCode = 2;
}
