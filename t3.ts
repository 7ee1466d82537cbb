import { LabSession } from "./src/lab/session.ts";
const s = new LabSession(1, { scenario: "bulk" });
const t0 = Date.now();
await s.advanceTo(Infinity);
console.log(s.now(), s.packets().length, Date.now() - t0, "ms");
