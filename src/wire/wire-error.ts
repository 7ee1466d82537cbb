/**
 * Why a packet could not be parsed. Parsers return a WireError instead of
 * throwing: the stack drops the packet and counts the reason; tcpdump prints it.
 */

/** Reasons a parser may give. */
export type WireErrorReason =
  | "truncated"
  | "bad-version"
  | "bad-header-length"
  | "bad-total-length"
  | "bad-checksum"
  | "bad-length"
  | "bad-data-offset"
  | "bad-option"
  | "bad-type";

/**
 * A parse failure with its reason.
 * @example
 * import { parseIpv4 } from "./ipv4.js";
 * const r = parseIpv4(new Uint8Array(10)); // shorter than an IPv4 header
 * (r instanceof WireError ? r.reason : "") === "truncated"; // the stack counts it and drops the packet
 */
export class WireError {
  constructor(
    /** Machine-readable reason. */
    readonly reason: WireErrorReason,
    /** Which codec rejected it (`ipv4`, `tcp`, …). */
    readonly layer: string,
    /** Optional detail for humans. */
    readonly detail = "",
  ) {}

  /** `ipv4: bad-checksum (…)` */
  toString(): string {
    return `${this.layer}: ${this.reason}${this.detail ? ` (${this.detail})` : ""}`;
  }
}
