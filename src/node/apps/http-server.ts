/**
 * A small HTTP/1.1 origin server (RFC 9112) over sockstack syscalls — not
 * Node's http: request line and header parsing, Content-Length bodies,
 * `Expect: 100-continue`, persistent connections (closed on
 * `Connection: close` or an error), and a few resources for interop tests:
 *
 * - `GET /` → a greeting;
 * - `GET /bytes/N` → N bytes of the interop pattern (pattern.ts; streamed, any size);
 * - `POST /echo` → the body back (streamed as it arrives);
 * - `POST /sha256` → `<hex sha256> <length>\n` of the body (streamed in);
 * - anything else → 404 / 405; malformed requests → 400, chunked bodies → 411.
 */
import { createHash } from "node:crypto";
import type { Host } from "../../host/host.js";
import type { Process } from "../../sys/process.js";
import { PATTERN_BLOCK as PATTERN } from "./pattern.js";
import { ConnMeter, ServerBase, sendAll, type AppFamily, type ServerHandle } from "./app-server.js";

/** Largest request head accepted (RFC 9112 leaves it to the server; 431 beyond). */
export const MAX_HEAD = 16384;

const enc = new TextEncoder();
const dec = new TextDecoder("latin1");

/** A parsed request head. */
export interface RequestHead {
  method: string;
  target: string;
  version: string;
  /** Header fields, names lower-cased (repeated fields joined with ", "). */
  headers: Map<string, string>;
}

/**
 * Parses a request head (without the final CRLF CRLF). Returns null when
 * malformed (RFC 9112 §3: method SP request-target SP HTTP-version).
 */
export function parseRequestHead(text: string): RequestHead | null {
  const lines = text.split("\r\n");
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) (HTTP\/1\.[01])$/.exec(lines[0] ?? "");
  if (!m) return null;
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const c = l.indexOf(":");
    if (c <= 0 || /\s/.test(l[c - 1]!)) return null; // RFC 9112 §5.1: no whitespace before the colon
    const name = l.slice(0, c).toLowerCase();
    const value = l.slice(c + 1).trim();
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
  }
  return { method: m[1]!, target: m[2]!, version: m[3]!, headers };
}

/** Reads from a socket with a pushback buffer. */
class Reader {
  #buf: Uint8Array = new Uint8Array(0);
  eof = false;
  constructor(readonly p: Process, readonly fd: number, readonly meter: ConnMeter) {}

  async #fill(): Promise<boolean> {
    const d = await this.p.recv(this.fd, 262144);
    if (d.length === 0) {
      this.eof = true;
      return false;
    }
    this.meter.in(d);
    if (this.#buf.length === 0) this.#buf = d;
    else {
      const n = new Uint8Array(this.#buf.length + d.length);
      n.set(this.#buf);
      n.set(d, this.#buf.length);
      this.#buf = n;
    }
    return true;
  }

  /** The head up to CRLF CRLF (consumed), null at EOF before one, "too-big" beyond {@link MAX_HEAD}. */
  async head(): Promise<string | null | "too-big"> {
    let from = 0;
    for (;;) {
      const b = this.#buf;
      for (let i = Math.max(0, from - 3); i + 3 < b.length; i++) {
        if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) {
          const text = dec.decode(b.subarray(0, i));
          this.#buf = b.subarray(i + 4);
          return text;
        }
      }
      if (b.length > MAX_HEAD) return "too-big";
      from = b.length;
      if (!(await this.#fill())) return null;
    }
  }

  /** Up to `max` body bytes (buffered first), or empty at EOF. */
  async some(max: number): Promise<Uint8Array> {
    if (this.#buf.length === 0 && !(await this.#fill())) return new Uint8Array(0);
    const n = Math.min(max, this.#buf.length);
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }
}

function responseHead(status: number, reason: string, length: number, extra: string[] = [], close = false): Uint8Array {
  const lines = [
    `HTTP/1.1 ${status} ${reason}`,
    `Date: ${new Date().toUTCString()}`,
    "Server: sockstack",
    `Content-Length: ${length}`,
    ...extra,
  ];
  if (close) lines.push("Connection: close");
  return enc.encode(lines.join("\r\n") + "\r\n\r\n");
}

async function simple(p: Process, fd: number, status: number, reason: string, body: string, close = false): Promise<number> {
  const b = enc.encode(body);
  await sendAll(p, fd, responseHead(status, reason, b.length, ["Content-Type: text/plain"], close));
  await sendAll(p, fd, b);
  return b.length;
}

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  port: number;
  /** `AF_INET` (0.0.0.0, the default) or `AF_INET6` (`::`, dual-stack). */
  family?: AppFamily;
}

/**
 * Starts the HTTP server on `host` (0.0.0.0:port, or [::]:port for `AF_INET6`).
 * @example const srv = startHttpServer(host, { port: 80 }); // curl http://198.18.0.2/bytes/1000
 */
export function startHttpServer(host: Host, o: HttpServerOptions): ServerHandle {
  const s = new ServerBase(host, "httpd", o.port, "tcp", o.family);
  const p = s.process;
  s.serveTcp(async (fd, m) => {
    try {
      await serveConnection(p, fd, new Reader(p, fd, m), m);
    } finally {
      s.stats.bytesIn += m.record.bytesIn;
      s.stats.bytesOut += m.record.bytesOut;
    }
  });
  return s;
}

async function serveConnection(p: Process, fd: number, r: Reader, m: ConnMeter): Promise<void> {
  for (;;) {
    const text = await r.head();
    if (text === null) return;
    if (text === "too-big") {
      m.record.bytesOut += await simple(p, fd, 431, "Request Header Fields Too Large", "request head too large\n", true);
      return;
    }
    const req = parseRequestHead(text);
    if (!req) {
      m.record.bytesOut += await simple(p, fd, 400, "Bad Request", "bad request\n", true);
      return;
    }
    const h = req.headers;
    const close = (h.get("connection") ?? "").toLowerCase().split(/\s*,\s*/).includes("close") || req.version === "HTTP/1.0";
    if (h.has("transfer-encoding")) {
      m.record.bytesOut += await simple(p, fd, 411, "Length Required", "chunked request bodies are not supported\n", true);
      return;
    }
    const cl = h.get("content-length");
    const length = cl === undefined ? 0 : Number(cl);
    if (!Number.isSafeInteger(length) || length < 0 || (cl !== undefined && !/^\d+$/.test(cl))) {
      m.record.bytesOut += await simple(p, fd, 400, "Bad Request", "bad content-length\n", true);
      return;
    }
    if (length > 0 && (h.get("expect") ?? "").toLowerCase() === "100-continue") {
      await sendAll(p, fd, enc.encode("HTTP/1.1 100 Continue\r\n\r\n"));
    }
    const path = req.target.split("?")[0]!;
    const bytesM = /^\/bytes\/(\d{1,12})$/.exec(path);
    if (req.method === "GET" && path === "/") {
      await drain(r, length);
      m.record.bytesOut += await simple(p, fd, 200, "OK", "hello from sockstack\n", close);
    } else if (req.method === "GET" && bytesM) {
      await drain(r, length);
      const n = Number(bytesM[1]);
      await sendAll(p, fd, responseHead(200, "OK", n, ["Content-Type: application/octet-stream"], close));
      for (let off = 0; off < n; off += PATTERN.length) {
        const k = Math.min(PATTERN.length, n - off);
        await sendAll(p, fd, k === PATTERN.length ? PATTERN : PATTERN.subarray(0, k));
      }
      m.record.bytesOut += n;
    } else if (req.method === "POST" && path === "/echo") {
      await sendAll(p, fd, responseHead(200, "OK", length, ["Content-Type: application/octet-stream"], close));
      let left = length;
      while (left > 0) {
        const d = await r.some(left);
        if (d.length === 0) throw new Error("body truncated");
        left -= d.length;
        await sendAll(p, fd, d);
      }
      m.record.bytesOut += length;
    } else if (req.method === "POST" && path === "/sha256") {
      const hash = createHash("sha256");
      let left = length;
      while (left > 0) {
        const d = await r.some(left);
        if (d.length === 0) throw new Error("body truncated");
        left -= d.length;
        hash.update(d);
      }
      m.record.bytesOut += await simple(p, fd, 200, "OK", `${hash.digest("hex")} ${length}\n`, close);
    } else if (path === "/" || path === "/echo" || path === "/sha256" || bytesM) {
      await drain(r, length);
      m.record.bytesOut += await simple(p, fd, 405, "Method Not Allowed", "method not allowed\n", close);
    } else {
      await drain(r, length);
      m.record.bytesOut += await simple(p, fd, 404, "Not Found", "not found\n", close);
    }
    if (close) {
      p.shutdown(fd, "SHUT_WR");
      // Linux-friendly close: read until the client closes, so unread data does not turn our FIN into a RST.
      while ((await r.some(65536)).length) { /* discard */ }
      return;
    }
  }
}

async function drain(r: Reader, n: number): Promise<void> {
  while (n > 0) {
    const d = await r.some(n);
    if (d.length === 0) throw new Error("body truncated");
    n -= d.length;
  }
}
