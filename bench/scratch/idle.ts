import { simIdleTimers, simThroughput } from "../sim.js";
const which = process.argv[2];
if (which === "idle") console.log(await simIdleTimers(Number(process.argv[3] ?? 2000), 7200));
else console.log(await simThroughput(Number(process.argv[3] ?? 100e6), Number(process.argv[4] ?? 65536), process.argv[5] !== "csum"));
