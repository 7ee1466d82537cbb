#!/usr/bin/env node
// The `sockstack` command. The TypeScript sources are compiled to dist/ by
// `npm ci` / `npm install` (the package's `prepare` script).
import { main } from "../dist/cli/main.js";

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err instanceof Error ? err.stack ?? err.message : String(err)); process.exitCode = 1; },
);
