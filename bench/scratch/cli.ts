import { benchCommand } from "../../src/cli/bench.js";
process.exitCode = await benchCommand(process.argv.slice(2));
