// Resolves the package's own name to its TypeScript sources, so a doc
// example written as a user writes it (`import { Network } from "sockstack"`,
// `from "sockstack/tools"`) runs from a clone without a build:
//   node --import tsx --import ./test/docs/register-src.mjs example.ts
// Each subpath of package.json `exports` ("./dist/X.js") maps to src/X.ts;
// anything else under the package name is refused, as the exports map does.
import { register } from "node:module";

register(new URL("./resolve-src.mjs", import.meta.url));
