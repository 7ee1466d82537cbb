/**
 * The IPPROTO_IPV6 options of TCP and UDP sockets (Linux
 * do_ipv6_setsockopt / do_ipv6_getsockopt): what StreamSocket and
 * DgramSocket handle before their own options. On an AF_INET socket every
 * IPPROTO_IPV6 option is refused as Linux refuses it there (setsockopt
 * ENOPROTOOPT, getsockopt EOPNOTSUPP — ip_setsockopt / tcp_getsockopt on
 * an inet socket, measured on Linux 6.18).
 */
import { AF_INET6, SOL_IPV6 } from "./constants.js";
import { fail, intValue } from "./socket.js";
import type { OptionSpec, OptionValue } from "./options.js";

/** What the IPv6 option handlers reach of their socket. */
export interface Ipv6OptionSocket {
  readonly family: number;
  /** Holds a local port (bound, listening, connected): IPV6_V6ONLY can no longer change. */
  readonly portBound: boolean;
  v6only: boolean;
}

/** setsockopt at IPPROTO_IPV6; false when `o` is not an IPv6 option (the caller goes on). */
export function setIpv6Option(s: Ipv6OptionSocket, o: OptionSpec, value: OptionValue): boolean {
  if (o.level !== SOL_IPV6) return false;
  const sc = "setsockopt";
  if (s.family !== AF_INET6) fail("ENOPROTOOPT", sc);
  switch (o.name) {
    case "IPV6_V6ONLY": {
      const v = intValue(value, sc);
      // Linux do_ipv6_setsockopt: only before the socket has a port (inet_num).
      if (s.portBound) fail("EINVAL", sc);
      s.v6only = v !== 0;
      return true;
    }
  }
  return false;
}

/** getsockopt at IPPROTO_IPV6; undefined when `o` is not an IPv6 option. */
export function getIpv6Option(s: Ipv6OptionSocket, o: OptionSpec): OptionValue | undefined {
  if (o.level !== SOL_IPV6) return undefined;
  if (s.family !== AF_INET6) fail("EOPNOTSUPP", "getsockopt");
  switch (o.name) {
    case "IPV6_V6ONLY": return s.v6only ? 1 : 0;
  }
  return undefined;
}
