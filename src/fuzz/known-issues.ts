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
  {
    id: "issue11-item1",
    title: "a blocking recv spins after an urgent byte (POLLPRI level already set)",
    matches: (f) => f.kind === "hang" && /\burgent\b|\bMSG_OOB\b|\bURG\b/.test(f.message),
  },
  {
    id: "issue11-item2",
    title: "connect_ex after a refused connect spins (POLLHUP level already set)",
    matches: (f) => f.kind === "hang" && /\bconnect(_ex)?\(/.test(f.message),
  },
  {
    id: "issue11-item3",
    title: "AF_UNIX recv with MSG_WAITALL / SO_RCVLOWAT / a NaN length spins",
    matches: (f) => f.kind === "hang" && /\b(recv|recvfrom|recvmsg|read|readv|recvLine|recvExactly|sendall|send)\(/.test(f.message),
  },
  {
    id: "issue11-item4",
    title: "recvExactly(huge, MSG_PEEK) re-reads the same datagram forever",
    matches: (f) => f.kind === "hang" && /recvExactly\(.*MSG_PEEK/.test(f.message),
  },
  {
    id: "issue11-item5",
    title: "IP reassembly charges payload bytes only (zero-length fragment floods exceed ipfrag_high_thresh)",
    matches: (f) => f.kind === "memory" && /reassembly/.test(f.message),
  },
  {
    id: "issue11-item6",
    title: "the TCP out-of-order queue charges payload only (per-segment cost not bounded by rcvbuf)",
    matches: (f) => f.kind === "memory" && /out-of-order/.test(f.message),
  },
  {
    id: "issue11-item8",
    title: "syscall arguments of the wrong JS type throw TypeError instead of EFAULT/EINVAL",
    matches: (f) => f.kind === "type-escape" || (f.kind === "exception" && /TypeError/.test(f.message)),
  },
];

/** The known issue that explains `f`, if any (the first that matches). */
export function classify(f: FuzzFailure): KnownIssue | undefined {
  return KNOWN_ISSUES.find((k) => k.matches(f));
}
