/**
 * Failures the fuzzers find that other open work is fixing, by issue item,
 * so a short CI pass can stay green now and turn strict as fixes land:
 * the CI test (test/fuzz.test.ts) fails on any failure no entry here
 * explains, and on an entry that no longer shows up (remove it then).
 *
 * Each entry says how to recognise its failures. Remove an entry when its
 * fix is merged; the fuzzers then hold the fix in place.
 */
import type { FuzzFailure } from "./harness.js";

/** One known, not yet fixed, class of failure. */
export interface KnownIssue {
  /** `issue11-item1` … */
  id: string;
  /** What it is, in one line. */
  title: string;
  /** True for the failures it explains. */
  matches(f: FuzzFailure): boolean;
}

/** The known classes (issue 11 items being fixed by other work). */
export const KNOWN_ISSUES: readonly KnownIssue[] = [
  // Issue 11 items 1–5 and 8, then the TCP self-connect spin (tcp-self-connect-close), were listed
  // here until their fixes landed; the corpus keeps their reproducers (test/fuzz-corpus/).
];

/** The known issue that explains `f`, if any (the first that matches). */
export function classify(f: FuzzFailure): KnownIssue | undefined {
  return KNOWN_ISSUES.find((k) => k.matches(f));
}
