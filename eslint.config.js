// Lint configuration. The import rule below enforces the layer direction of
// DESIGN.md: a folder of src/ may import only from folders below it, and
// only node/ and cli/ may import Node built-ins (the core runs in a browser).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

/** Layers from bottom to top; peers on one line may not import each other. README.md's layer table follows it (test/docs). */
export const LAYERS = [
  ["core"],
  ["wire"],
  ["link"],
  ["ip"],
  ["ip6"],
  ["net"],
  ["icmp", "udp", "tcp"],
  ["socket"],
  ["sys"],
  ["host"],
  ["sim"],
  ["tools"],
  ["demo"],
  ["lab"],
  ["conformance"],
  ["fuzz"],
  ["node"],
  ["bench"],
  ["sweep"],
  ["cli"],
];
const NODE_ONLY = new Set(["node", "cli", "bench", "sweep"]);
/** Lower folders a layer still may not import: the transports reach IP only through src/net (src/net/README.md). */
const ALSO_FORBIDDEN = { tcp: ["ip"], udp: ["ip"] };

function layerRules(folder) {
  const rank = LAYERS.findIndex((l) => l.includes(folder));
  const forbidden = LAYERS.flatMap((l, i) => (i > rank || (i === rank) ? l.filter((f) => f !== folder) : []))
    .concat(ALSO_FORBIDDEN[folder] ?? []);
  const patterns = [
    {
      group: forbidden.flatMap((f) => [`../${f}/*`, `../../${f}/*`]).concat(["../index.js"]),
      message: `layer rule (DESIGN.md): src/${folder} may not import from this layer`,
    },
  ];
  if (!NODE_ONLY.has(folder)) {
    patterns.push({ group: ["node:*"], message: "only src/node and src/cli may import Node built-ins" });
  }
  return {
    files: [`src/${folder}/**/*.ts`],
    ignores: ["src/**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", { patterns }] },
  };
}

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "off",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    files: ["scripts/**", "test/**", "examples/**", "src/bench/**", "src/sweep/**", "src/**/*.test.ts", "src/node/**", "src/cli/**"],
    languageOptions: { globals: { ...globals.node } },
  },
  ...LAYERS.flat().map(layerRules),
  {
    // examples/ reads as a user's program: the package by its name, nothing from inside src/.
    files: ["examples/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [{ group: ["../src/*", "../../src/*", "sockstack/*/*"], message: "examples import the package as a user does: from \"sockstack\" (tsconfig.json maps it to src/)" }] }] },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/node/**", "src/cli/**", "src/bench/**", "src/sweep/**", "src/**/*.test.ts"],
    rules: {
      "no-restricted-globals": ["error",
        { name: "setTimeout", message: "no ambient time in the stack (DESIGN.md principle 2)" },
        { name: "setInterval", message: "no ambient time in the stack (DESIGN.md principle 2)" },
        { name: "process", message: "Node-only: keep it in src/node or src/cli" },
      ],
      "no-restricted-properties": ["error",
        { object: "Math", property: "random", message: "use the host's seeded Rng" },
        { object: "Date", property: "now", message: "use the host's Clock" },
      ],
    },
  },
);
