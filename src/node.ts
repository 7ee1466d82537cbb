/**
 * `sockstack/node`: Node's `net`, `dgram`, `dns`, `http`, `tls`, `https`, `http2`, fetch and WebSocket over a simulated host,
 * explicitly (`nodeOn(host)`) or by interception (`nodeOn(host).run(fn)`)
 * (docs/node.md). Node only.
 */
export { nodeOn, type NodeOn } from "./node/facade/index.js";
export { SimSocket, SimServer, createNet, isIP, isIPv4, isIPv6, type SimNet, type SimSocketOptions, type SimConnectOptions, type SimServerOptions, type SimListenOptions, type AddressInfo } from "./node/facade/net.js";
export { createDns, type SimDns, type SimLookupOptions, type LookupAddress, type ResultOrder } from "./node/facade/dns.js";
export { nodeLoopAlive, runLikeNode } from "./node/facade/liveness.js";
export { FacadeContext } from "./node/facade/context.js";
export { nodeError, fromSysError, type NodeSystemError } from "./node/facade/errors.js";
export { createHttp, createFetch, facadeConnector, type SimHttp, type SimFetch, type SimFetchBinding, type UndiciConnect } from "./node/facade/http.js";
export { createTls, createHttps, type SimTls, type SimHttps, type SimTlsConnectOptions } from "./node/facade/tls.js";
export { onFacade, facadeListener, listenOnFacade, type FacadeServer } from "./node/facade/server-bridge.js";
export { createHttp2, http2DateFromGlobalClock, type SimHttp2 } from "./node/facade/http2.js";
export { createWebSocket, type SimWebSocketClass } from "./node/facade/websocket.js";
export { runOn, currentHost, installInterception, uninstallInterception, interceptionInstalled } from "./node/facade/intercept.js";
export { createDgram, SimDgramSocket, type SimDgram, type SimDgramOptions, type RemoteInfo, type DgramAddress } from "./node/facade/dgram.js";
export { virtualTimers, type VirtualTimers, type InstalledClock } from "./node/facade/virtual-timers.js";
export { seededMathRandom, type SeededRandom } from "./node/facade/seeded-random.js";
export { simulate, SimulationFailure, type SimulateContext, type SimulateOptions } from "./node/facade/simulate.js";
