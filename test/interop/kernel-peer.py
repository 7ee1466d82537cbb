#!/usr/bin/env python3
"""Kernel-side peers for the sockstack interop tests (issue 7).

Each subcommand uses the Linux kernel's own TCP/IP stack through Python's
socket module, prints ONE JSON line on stdout and exits; every blocking call
has a timeout. Run only inside the interop network namespace: the tests pass
addresses of 198.18.0.0/24 or 2001:2::/64 (IPv6 across the bridge) and this
script refuses anything else. Servers take an optional last argument, the
address to bind (default 198.18.0.1; an IPv6 one makes an AF_INET6 socket).

Payload pattern everywhere: byte i of a stream is (i * 7 + i // 251) & 255,
so a transfer is checked byte-exactly by its SHA-256.
"""
import hashlib, json, socket, struct, sys, threading, time

TIMEOUT = 30.0


def out(obj):
    print(json.dumps(obj), flush=True)


def check_addr(host):
    if not (host.startswith("198.18.0.") or (host.startswith("2001:2::") and host.count(":") <= 7)):
        raise SystemExit(f"refusing address {host}: interop uses 198.18.0.0/24 and 2001:2::/64 only")


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def pattern(offset, n):
    return bytes(((i * 7 + i // 251) & 255) for i in range(offset, offset + n))


def pat_bytes(n):
    # Fast path: (i*7 + i//251) & 255 has period 251*256 (i → i + 64256 adds 7*64256 + 256 ≡ 0 mod 256).
    period = 251 * 256
    block = pattern(0, period)
    reps = n // period + 1
    return (block * reps)[:n]


def sha(b):
    return hashlib.sha256(b).hexdigest()


# ---- ICMP ---------------------------------------------------------------

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def cmd_ping(host, count, interval, wait):
    """Echo requests on a raw socket: ICMP, or ICMPv6 for an IPv6 address (the kernel sums ICMPv6)."""
    check_addr(host)
    v6 = ":" in host
    count, interval, wait = int(count), float(interval), float(wait)
    if v6:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = 0x5353
    rtts, exact, sent = [], 0, 0
    for seq in range(1, count + 1):
        body = struct.pack("!I", seq) + bytes(range(52))
        if v6:
            hdr = struct.pack("!BBHHH", 128, 0, 0, ident, seq)
        else:
            hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
            hdr = struct.pack("!BBHHH", 8, 0, csum(hdr + body), ident, seq)
        t0 = time.monotonic()
        s.sendto(hdr + body, (host, 0))
        sent += 1
        deadline = t0 + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                d, a = s.recvfrom(65535)
            except socket.timeout:
                break
            ihl = 0 if v6 else (d[0] & 15) * 4  # a raw ICMPv6 socket gets no IP header
            t, c, _, rid, rseq = struct.unpack("!BBHHH", d[ihl:ihl + 8])
            if a[0] == host and t == (129 if v6 else 0) and rid == ident and rseq == seq:
                rtts.append((time.monotonic() - t0) * 1000)
                # The kernel verified an ICMPv6 checksum before delivering the reply.
                if d[ihl + 8:] == body and (v6 or csum(d[ihl:]) == 0):
                    exact += 1
                break
        if seq < count:
            time.sleep(interval)
    out({"sent": sent, "received": len(rtts), "exact": exact, "rtt_ms": [round(r, 3) for r in rtts]})


# ---- UDP ----------------------------------------------------------------

def cmd_udp_client(host, port, retries, wait, *sizes):
    """Connected UDP socket: sends each size (pattern), waits for the echo, retries on loss."""
    check_addr(host)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, int(port)))
    res = []
    for n in map(int, sizes):
        msg = pat_bytes(n)
        ok, tries = False, 0
        while not ok and tries <= int(retries):
            tries += 1
            s.send(msg)
            s.settimeout(float(wait))
            try:
                while True:
                    d = s.recv(65535)
                    if d == msg:
                        ok = True
                        break
            except socket.timeout:
                pass
            except ConnectionRefusedError:
                break
        res.append({"size": n, "ok": ok, "tries": tries})
    out({"local": "%s:%d" % s.getsockname(), "results": res})


def cmd_udp_echo_server(port, count, idle):
    """Echoes datagrams until `count` were echoed or nothing arrived for `idle` seconds."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("198.18.0.1", int(port)))
    print("READY", flush=True)
    n, peers = 0, set()
    s.settimeout(float(idle))
    try:
        while n < int(count):
            d, a = s.recvfrom(65535)
            check_addr(a[0])
            s.sendto(d, a)
            peers.add("%s:%d" % a)
            n += 1
    except socket.timeout:
        pass
    out({"echoed": n, "peers": sorted(peers)})


def cmd_udp_blast(host, port, count, size):
    check_addr(host)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    msg = pat_bytes(int(size))
    t0 = time.monotonic()
    for _ in range(int(count)):
        while True:
            try:
                s.sendto(msg, (host, int(port)))
                break
            except BlockingIOError:
                time.sleep(0.0005)
    out({"sent": int(count), "bytes": int(count) * int(size), "seconds": time.monotonic() - t0})


def cmd_udp_sink(port, idle):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("198.18.0.1", int(port)))
    print("READY", flush=True)
    n = b = 0
    t0 = t1 = None
    s.settimeout(10)
    try:
        while True:
            d = s.recv(65535)
            t1 = time.monotonic()
            if t0 is None:
                t0 = t1
                s.settimeout(float(idle))
            n += 1
            b += len(d)
    except socket.timeout:
        pass
    out({"datagrams": n, "bytes": b, "seconds": (t1 - t0) if t0 else 0})


# ---- TCP ----------------------------------------------------------------

def recv_all(c):
    h, n = hashlib.sha256(), 0
    while True:
        d = c.recv(1 << 18)
        if not d:
            return h.hexdigest(), n
        h.update(d)
        n += len(d)


def send_pattern(c, n):
    period = 251 * 256
    block = pat_bytes(period * 16)
    sent = 0
    h = hashlib.sha256()
    while sent < n:
        k = min(len(block), n - sent)
        chunk = block if k == len(block) else block[:k]
        c.sendall(chunk)
        h.update(chunk)
        sent += k
    return h.hexdigest()


def cmd_tcp_echo_client(host, port, nbytes):
    """Sends nbytes, half-closes, reads the echo until EOF, compares."""
    check_addr(host)
    c = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    local = "%s:%d" % c.getsockname()[:2]
    result = {}

    def reader():
        result["sha"], result["n"] = recv_all(c)

    t = threading.Thread(target=reader)
    t.start()
    t0 = time.monotonic()
    sent_sha = send_pattern(c, int(nbytes))
    c.shutdown(socket.SHUT_WR)
    t.join(TIMEOUT * 4)
    dt = time.monotonic() - t0
    c.close()
    out({"local": local, "sent": int(nbytes), "received": result.get("n"), "exact": result.get("sha") == sent_sha, "seconds": dt})


def cmd_tcp_send(host, port, nbytes, cc=""):
    """Sends nbytes then closes; prints the SHA-256 sent. cc: a congestion control (TCP_CONGESTION) instead of the namespace's default."""
    check_addr(host)
    c = socket.socket(family_of(host), socket.SOCK_STREAM)
    if cc:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc.encode())
    c.settimeout(TIMEOUT)
    c.connect((host, int(port)))
    t0 = time.monotonic()
    h = send_pattern(c, int(nbytes))
    c.shutdown(socket.SHUT_WR)
    rest = c.recv(100)  # the discard server closes after EOF
    cc_used = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()
    c.close()
    out({"sent": int(nbytes), "sha256": h, "seconds": time.monotonic() - t0, "after_eof": len(rest), "cc": cc_used})


def cmd_tcp_parallel(host, port, conns, nbytes):
    check_addr(host)
    results = []
    lock = threading.Lock()

    def one(i):
        try:
            c = socket.create_connection((host, int(port)), timeout=TIMEOUT)
            r = {}
            t = threading.Thread(target=lambda: r.update(zip(("sha", "n"), recv_all(c))))
            t.start()
            s = send_pattern(c, int(nbytes))
            c.shutdown(socket.SHUT_WR)
            t.join(TIMEOUT * 2)
            c.close()
            ok = r.get("sha") == s
        except Exception as e:  # noqa
            ok = repr(e)
        with lock:
            results.append(ok)

    ts = [threading.Thread(target=one, args=(i,)) for i in range(int(conns))]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join(TIMEOUT * 3)
    out({"conns": int(conns), "ok": sum(1 for r in results if r is True), "errors": [r for r in results if r is not True][:5], "seconds": time.monotonic() - t0})


def echo_to_end(c):
    """Sends back everything `c` receives until EOF, then closes it; returns the bytes echoed."""
    n = 0
    while True:
        d = c.recv(1 << 18)
        if not d:
            break
        c.sendall(d)
        n += len(d)
    c.close()
    return n


def cmd_tcp_echo_server(port, conns, bind="198.18.0.1"):
    """Echo server for `conns` connections (threads); closes each on EOF."""
    check_addr(bind)
    s = socket.socket(family_of(bind))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, int(port)))
    s.listen(128)
    s.settimeout(TIMEOUT)
    print("READY", flush=True)
    done = []

    def serve(c, a):
        done.append(echo_to_end(c))

    ts = []
    for _ in range(int(conns)):
        c, a = s.accept()
        check_addr(a[0])
        t = threading.Thread(target=serve, args=(c, a))
        t.start()
        ts.append(t)
    for t in ts:
        t.join(TIMEOUT * 4)
    out({"conns": len(done), "bytes": sum(done)})


def cmd_tcp_sink_server(port, reply, bind="198.18.0.1"):
    """Accepts one connection, reads to EOF (half-close), then replies '<sha256> <n>' and closes (reply=1).
    bind: the kernel's address to listen on (an IPv6 one makes an AF_INET6 socket)."""
    check_addr(bind)
    s = socket.socket(family_of(bind))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, int(port)))
    s.listen(8)
    s.settimeout(TIMEOUT)
    print("READY", flush=True)
    c, a = s.accept()
    check_addr(a[0])
    c.settimeout(TIMEOUT * 4)
    t0 = time.monotonic()
    h, n = recv_all(c)
    dt = time.monotonic() - t0
    if reply == "1":
        c.sendall(("%s %d\n" % (h, n)).encode())
    c.close()
    out({"peer": "%s:%d" % a[:2], "sha256": h, "bytes": n, "seconds": dt})


def cmd_tcp_source_server(port, nbytes):
    """Accepts one connection, sends nbytes of pattern, closes; prints the SHA-256 sent."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("198.18.0.1", int(port)))
    s.listen(8)
    s.settimeout(TIMEOUT)
    print("READY", flush=True)
    c, a = s.accept()
    check_addr(a[0])
    c.settimeout(TIMEOUT * 4)
    t0 = time.monotonic()
    h = send_pattern(c, int(nbytes))
    c.close()
    out({"sha256": h, "bytes": int(nbytes), "seconds": time.monotonic() - t0})


def read_to_end(c, probe_every=2.0):
    """Reads until EOF or a reset: returns (bytes read, "eof" | "reset").
    An RST is never retransmitted, so on a lossy path it can vanish; the peer
    has forgotten the connection by then and answers any segment with a new
    RST. After probe_every seconds of silence one byte is sent to draw it."""
    c.settimeout(probe_every)
    deadline = time.monotonic() + TIMEOUT
    n = 0
    try:
        while True:
            try:
                d = c.recv(65536)
            except socket.timeout:
                if time.monotonic() > deadline:
                    raise
                c.send(b"?")
                continue
            if not d:
                return n, "eof"
            n += len(d)
    except (ConnectionResetError, BrokenPipeError):
        return n, "reset"


def cmd_tcp_expect_reset(port):
    """Accepts one connection and reads until error/EOF: reports whether it ended with ECONNRESET."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("198.18.0.1", int(port)))
    s.listen(8)
    s.settimeout(TIMEOUT)
    print("READY", flush=True)
    c, a = s.accept()
    n, how = read_to_end(c)
    out({"bytes": n, "end": how})


def cmd_tcp_half_close_client(host, port):
    """Connects, sends 'ping', half-closes, reads the reply to EOF: the server must keep sending after our FIN."""
    check_addr(host)
    c = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    c.sendall(b"half-close test\n")
    c.shutdown(socket.SHUT_WR)
    h, n = recv_all(c)
    out({"bytes": n, "exact": h == sha(b"half-close test\n")})


def cmd_tcp_reset_client(host, port):
    """Connects and waits for the server to abort: expects ECONNRESET."""
    check_addr(host)
    c = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    c.sendall(b"x")
    _, how = read_to_end(c)
    out({"end": how})


# ---- TCP MD5 signatures (RFC 2385, TCP_MD5SIG) --------------------------

TCP_MD5SIG = 14


def md5sig(peer, key):
    """struct tcp_md5sig for `peer` (an IPv4 or IPv6 address) and `key`, as <linux/tcp.h> lays it out."""
    fam = family_of(peer)
    if fam == socket.AF_INET:
        sa = struct.pack("<H", fam) + struct.pack("!H", 0) + socket.inet_aton(peer)
    else:
        sa = struct.pack("<H", fam) + struct.pack("!HI", 0, 0) + socket.inet_pton(fam, peer) + struct.pack("I", 0)
    k = key.encode()
    return sa.ljust(128, b"\0") + struct.pack("=BBHi", 0, 0, len(k), 0) + k.ljust(80, b"\0")


def md5_counters():
    """TcpExt TCPMD5NotFound, TCPMD5Unexpected, TCPMD5Failure of this namespace (from /proc/net/netstat)."""
    lines = open("/proc/net/netstat").read().split("\n")
    for i in range(0, len(lines) - 1, 2):
        if lines[i].startswith("TcpExt:"):
            d = dict(zip(lines[i].split()[1:], map(int, lines[i + 1].split()[1:])))
            return {k: d.get(k, 0) for k in ("TCPMD5NotFound", "TCPMD5Unexpected", "TCPMD5Failure")}
    return {}


def cmd_tcp_md5_echo_server(port, peer, key, bind="198.18.0.1"):
    """Echo server for one connection whose listener has TCP_MD5SIG key `key` for `peer`."""
    check_addr(bind)
    check_addr(peer)
    s = socket.socket(family_of(bind))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_TCP, TCP_MD5SIG, md5sig(peer, key))
    s.bind((bind, int(port)))
    s.listen(8)
    s.settimeout(TIMEOUT)
    print("READY", flush=True)
    try:
        c, a = s.accept()
    except socket.timeout:
        out({"accepted": False, "counters": md5_counters()})
        return
    check_addr(a[0])
    c.settimeout(TIMEOUT)
    n = echo_to_end(c)
    out({"accepted": True, "bytes": n, "counters": md5_counters()})


def cmd_tcp_md5_echo_client(host, port, nbytes, key, connect_timeout="30"):
    """tcp-echo-client with TCP_MD5SIG key `key` for `host`; a failed connect reports its errno."""
    check_addr(host)
    c = socket.socket(family_of(host))
    c.setsockopt(socket.IPPROTO_TCP, TCP_MD5SIG, md5sig(host, key))
    c.settimeout(float(connect_timeout))
    try:
        c.connect((host, int(port)))
    except OSError as e:
        out({"connected": False, "error": type(e).__name__, "counters": md5_counters()})
        return
    c.settimeout(TIMEOUT)
    result = {}

    def reader():
        result["sha"], result["n"] = recv_all(c)

    t = threading.Thread(target=reader)
    t.start()
    sent_sha = send_pattern(c, int(nbytes))
    c.shutdown(socket.SHUT_WR)
    t.join(TIMEOUT * 4)
    c.close()
    out({"connected": True, "received": result.get("n"), "exact": result.get("sha") == sent_sha, "counters": md5_counters()})


def main():
    name, *args = sys.argv[1:]
    fn = globals().get("cmd_" + name.replace("-", "_"))
    if not fn:
        raise SystemExit("unknown command " + name)
    fn(*args)


if __name__ == "__main__":
    main()
