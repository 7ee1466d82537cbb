/**
 * Node's TLSSocket over a façade socket: the one patch of `tls.TLSSocket`
 * that both the façade's `tls` and `http` (https agents) need, in a module
 * of its own so neither imports the other for it.
 */
import * as tls from "node:tls";
import { SimSocket } from "./net.js";

let tlsPatched = false;

/**
 * Node's TLSSocket takes a `net.Socket` without a libuv handle for one
 * still connecting (`connecting = socket.connecting || !socket._handle`,
 * then it waits for `'connect'` before reading): true of a façade socket
 * for ever, so a server-side or already-connected façade socket would
 * never be read. After Node's own `_init`, a TLSSocket over a façade
 * socket takes the façade socket's real `connecting`. Installed once per
 * process; TLSSockets over anything else are untouched.
 */
export function patchTlsSocketInit(): void {
  if (tlsPatched) return;
  tlsPatched = true;
  const proto = tls.TLSSocket.prototype as unknown as { _init(socket: unknown, wrap: unknown): void; connecting: boolean };
  const init = proto._init;
  proto._init = function (this: typeof proto, socket: unknown, wrap: unknown) {
    init.call(this, socket, wrap);
    if (socket instanceof SimSocket) {
      this.connecting = socket.connecting;
      // The addresses are the façade socket's (the TLS handle over a JS stream has none).
      const self = this as unknown as { _getpeername(): object; _getsockname(): object };
      self._getpeername = () => (socket.remoteAddress === undefined ? {} : { address: socket.remoteAddress, family: socket.remoteFamily, port: socket.remotePort });
      self._getsockname = () => socket.address();
      // The peer's FIN while the handshake is still running: over a kernel socket Node's TLS sees
      // the EOF, ends and closes the connection (a server reports tlsClientError "socket hang up",
      // a client "Client network socket disconnected before secure TLS connection was
      // established"). Over a JS stream Node's TLS never acts on that EOF, so the connection stayed
      // in CLOSE-WAIT for ever (and a server's close() never called back). End the transport as
      // the kernel path does: it closes, and Node's TLSSocket follows its transport's 'close'.
      const tlsSocket = this as unknown as { _secureEstablished: boolean; destroyed: boolean };
      socket.once("end", () => {
        if (!tlsSocket._secureEstablished && !tlsSocket.destroyed && !socket.destroyed) socket.end();
      });
    }
  };
}

