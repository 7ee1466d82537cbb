/**
 * A network interface of a host: a link Device plus its IPv4 addresses
 * (Linux `ip addr`). `lo` holds 127.0.0.1/8.
 */
import type { Device } from "../link/device.js";
import { formatIpv4Address, inPrefix, prefixMask, type Ipv4Address } from "../wire/ipv4-address.js";

/** An address assigned to an interface. */
export interface InterfaceAddress {
  addr: Ipv4Address;
  prefixLen: number;
}

/** One interface. */
export class NetInterface {
  readonly addresses: InterfaceAddress[] = [];

  constructor(
    /** ifindex, 1 for lo as on Linux. */
    readonly index: number,
    readonly device: Device,
  ) {}

  /** The interface name (the device's). */
  get name(): string {
    return this.device.name;
  }

  /** The device MTU. */
  get mtu(): number {
    return this.device.mtu;
  }

  /** True when `a` is one of this interface's addresses. */
  hasAddress(a: Ipv4Address): boolean {
    for (const x of this.addresses) if (x.addr === a) return true;
    return false;
  }

  /** True when `a` is this interface's subnet broadcast address. */
  isBroadcast(a: Ipv4Address): boolean {
    for (const x of this.addresses) {
      if (x.prefixLen < 31 && ((x.addr | ~prefixMask(x.prefixLen)) >>> 0) === a) return true;
    }
    return false;
  }

  /** The first address in the same subnet as `a`, else the primary address, else 0. */
  sourceFor(a: Ipv4Address): Ipv4Address {
    for (const x of this.addresses) if (inPrefix(a, x.addr, x.prefixLen)) return x.addr;
    return this.addresses[0]?.addr ?? 0;
  }

  /** `eth0 10.0.0.1/24` */
  toString(): string {
    return `${this.name} ${this.addresses.map((x) => `${formatIpv4Address(x.addr)}/${x.prefixLen}`).join(" ")}`;
  }
}
