/**
 * `sockstack/interop` (Node only): the stack in real time and against the
 * Linux kernel (src/node, docs/interop.md). A real-time host runs the same
 * stack code as the simulator on Node's event loop and the monotonic
 * clock; a {@link UdpTunDevice} paired with `socat` attaches it to a TUN
 * device, so curl, Python or `nc` talk to sockstack servers and clients;
 * the network-namespace helpers keep every run sealed (RFC 2544 addresses,
 * no route out). The echo, discard and HTTP servers are sockstack programs
 * the CLI and the interop tests serve. `sockstack/node` is reserved for the
 * `net`/`dgram` façade.
 *
 * @example
 * import { createRealtimeHost } from "sockstack/interop";
 * import { ms } from "sockstack";
 *
 * // A host in real time: no TUN device needed to try it.
 * const { host, driver } = createRealtimeHost({ name: "rt", seed: 1 });
 * host.spawn("ticker", async (p) => {
 *   const fd = p.socket("AF_INET", "SOCK_DGRAM");
 *   p.bind(fd, ["127.0.0.1", 7]);
 *   await p.sendto(fd, "ping", 0, ["127.0.0.1", 7]);
 *   const { data } = await p.recvfrom(fd, 100);
 *   console.log(new TextDecoder().decode(data));
 * });
 * await driver.sleep(ms(20)); // 20 real milliseconds
 * driver.stop();
 */

export { RealtimeDriver, monotonicMicros } from "./node/realtime-driver.js";
export type { RealtimeDriverOptions, RealtimeDriverStats, MonotonicClock } from "./node/realtime-driver.js";
export { createRealtimeHost } from "./node/realtime-host.js";
export type { RealtimeHostOptions, RealtimeHost } from "./node/realtime-host.js";
export { UdpTunDevice, BRIDGE_LOOPBACK } from "./node/udp-tun-device.js";
export type { UdpTunDeviceOptions, UdpTunDeviceStats, BridgeImpairments } from "./node/udp-tun-device.js";
export { attachTunHost, TUN_DEFAULTS } from "./node/tun-host.js";
export { openTapWire } from "./node/udp-tap-wire.js";
export type { TapWireOptions, TapWire } from "./node/udp-tap-wire.js";
export type { TunHostOptions, TunHost } from "./node/tun-host.js";
export { SocatBridge, startSocatBridge, socatArgs } from "./node/socat-bridge.js";
export type { SocatBridgeOptions } from "./node/socat-bridge.js";
export {
  INTEROP_RANGE, checkInteropAddress, interopUnavailableReason, createNetns, deleteNetns, netnsExists, runIn, assertSealed,
} from "./node/netns.js";
export { startEchoServer } from "./node/apps/echo-server.js";
export type { EchoServerOptions } from "./node/apps/echo-server.js";
export { startDiscardServer } from "./node/apps/discard-server.js";
export type { DiscardServerOptions } from "./node/apps/discard-server.js";
export { startHttpServer } from "./node/apps/http-server.js";
export type { HttpServerOptions } from "./node/apps/http-server.js";
export type { ServerHandle, ServerStats, ConnRecord, AppProto } from "./node/apps/app-server.js";
