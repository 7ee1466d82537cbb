/**
 * SO_SNDBUF / SO_RCVBUF arithmetic of Linux's sock_setsockopt (C4): the
 * value is capped at wmem_max/rmem_max, doubled (the kernel reserves the
 * second half for bookkeeping overhead) and raised to a minimum;
 * getsockopt returns the doubled value.
 */
import type { Sysctls } from "../core/sysctl.js";

/** Linux TCP_SKB_MIN_TRUESIZE = 2048 + sizeof(struct sk_buff) rounded. */
const SKB_MIN_TRUESIZE = 2048 + 256;
/** SOCK_MIN_SNDBUF */
export const SOCK_MIN_SNDBUF = 2 * SKB_MIN_TRUESIZE;
/** SOCK_MIN_RCVBUF */
export const SOCK_MIN_RCVBUF = SKB_MIN_TRUESIZE;

/**
 * The stored SO_RCVBUF for a requested value.
 * @example rcvbufFor(4096, sysctls) === 8192
 */
export function rcvbufFor(requested: number, s: Sysctls): number {
  const v = Math.min(Math.max(requested, 0), s.rmem_max, 0x3fffffff);
  return Math.max(v * 2, SOCK_MIN_RCVBUF);
}

/**
 * The stored SO_SNDBUF for a requested value.
 * @example sndbufFor(1000, sysctls) === 4608
 */
export function sndbufFor(requested: number, s: Sysctls): number {
  const v = Math.min(Math.max(requested, 0), s.wmem_max, 0x3fffffff);
  return Math.max(v * 2, SOCK_MIN_SNDBUF);
}
