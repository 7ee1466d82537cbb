import { establishIdle } from "../sim.js";
const n = Number(process.argv[2]);
const r = await establishIdle(n, Math.ceil(n / 60000), Number(process.argv[4] ?? 2000), Number(process.argv[3] ?? 1));
console.log(n, r.wall, r.net.driver.stats());
