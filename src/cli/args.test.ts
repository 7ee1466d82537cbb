import { test } from "node:test";
import assert from "node:assert/strict";
import { UsageError, parseArgs } from "./args.js";

const SPEC = {
  count: { kind: "int", short: "c", min: 1, metavar: "COUNT" },
  interval: { kind: "number", short: "i", min: 0 },
  name: { kind: "string" },
  json: { kind: "flag" },
  quiet: { kind: "flag", short: "q" },
  numeric: { kind: "flag", short: "n" },
} as const;

test("long options with a separate or attached value, flags and positionals in any order", () => {
  const a = parseArgs(["10.0.0.2", "--count", "3", "--interval=0.5", "--json", "--name=x", "extra"], SPEC);
  assert.deepEqual(a.options, { count: 3, interval: 0.5, name: "x", json: true, quiet: false, numeric: false });
  assert.deepEqual(a.positionals, ["10.0.0.2", "extra"]);
});

test("short options: -c 5, -c5, clustered flags -nq, and a cluster ending in a valued option", () => {
  assert.equal(parseArgs(["-c", "5"], SPEC).options.count, 5);
  assert.equal(parseArgs(["-c5"], SPEC).options.count, 5);
  const a = parseArgs(["-nq"], SPEC);
  assert.equal(a.options.numeric, true);
  assert.equal(a.options.quiet, true);
  const b = parseArgs(["-nc7"], SPEC);
  assert.equal(b.options.numeric, true);
  assert.equal(b.options.count, 7);
});

test("-- ends option parsing; a negative number is a positional", () => {
  const a = parseArgs(["--", "--json", "-c"], SPEC);
  assert.equal(a.options.json, false);
  assert.deepEqual(a.positionals, ["--json", "-c"]);
  assert.deepEqual(parseArgs(["-5"], SPEC).positionals, ["-5"]);
});

test("defaults: flags false, valued options undefined", () => {
  const a = parseArgs([], SPEC);
  assert.equal(a.options.json, false);
  assert.equal(a.options.count, undefined);
  assert.deepEqual(a.positionals, []);
});

test("errors are one-line UsageErrors saying why", () => {
  const cases: [string[], string][] = [
    [["--bogus"], "unknown option --bogus"],
    [["-x"], "unknown option -x"],
    [["--count"], "option --count needs a value (COUNT)"],
    [["-c"], "option -c needs a value (COUNT)"],
    [["-c", "x"], "option -c: 'x' is not a number"],
    [["-c", "1.5"], "option -c: '1.5' is not an integer"],
    [["-c", "0"], "option -c: 0 is below the minimum 1"],
    [["--json=1"], "option --json takes no value"],
    [["--name="], "option --name needs a non-empty value"],
  ];
  for (const [argv, msg] of cases) {
    assert.throws(() => parseArgs(argv, SPEC), (e: unknown) => e instanceof UsageError && e.message === msg, argv.join(" "));
  }
});

test("max bound and shortOnly options", () => {
  const spec = { ttl: { kind: "int", short: "t", max: 255, shortOnly: true } } as const;
  assert.throws(() => parseArgs(["-t", "256"], spec), /-t: 256 is above the maximum 255/);
  assert.throws(() => parseArgs(["--ttl", "3"], spec), /unknown option --ttl/);
  assert.equal(parseArgs(["-t", "3"], spec).options.ttl, 3);
});
