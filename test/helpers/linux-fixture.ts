/**
 * Replaying a kernel probe's JSON fixture: the recorded value of a case,
 * a sockstack call's outcome in the probe's terms, and their comparison
 * (errnos compared by number, so ENOTSUP = EOPNOTSUPP).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { SysError } from "../../src/core/sys-error.js";
import { errnoNumber, type ErrnoCode } from "../../src/core/errno.js";

/**
 * The fixture at `url` as a lookup: `linux(key)` fails when the key is
 * missing, so a renamed probe case fails loudly, not silently.
 * @example const linux = linuxFixture(new URL("./ipv6-options-linux.json", import.meta.url));
 */
export function linuxFixture(url: URL): (key: string) => unknown {
  const data = JSON.parse(readFileSync(url, "utf8")) as Record<string, unknown>;
  return (key) => {
    assert.ok(key in data, `the fixture has "${key}"`);
    return data[key];
  };
}

/** A call's result as the probes record it: the value, "ok" for undefined, or the errno's name. */
export async function outcome(f: () => unknown): Promise<unknown> {
  try {
    const r = await f();
    return r === undefined ? "ok" : r;
  } catch (e) {
    if (e instanceof SysError) return e.code;
    throw e;
  }
}

/** Asserts sockstack's outcome equals Linux's; two errno names are equal when their numbers are. */
export function sameOutcome(got: unknown, want: unknown, what: string): void {
  if (typeof want === "string" && typeof got === "string" && want !== "ok" && got !== "ok") {
    assert.equal(errnoNumber(got as ErrnoCode), errnoNumber(want as ErrnoCode), `${what}: Linux ${want}, sockstack ${got}`);
  } else {
    assert.deepEqual(got, want, `${what}: Linux ${JSON.stringify(want)}, sockstack ${JSON.stringify(got)}`);
  }
}
