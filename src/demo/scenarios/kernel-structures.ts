/**
 * Demo `kernel-structures`: seed 1's tour of the kernel objects behind one
 * TCP connection (D1–D3, D8), drawn from the live host at chosen
 * instants. `socket()` makes a `struct socket` (the fd's side: type,
 * generic state SS_*) and a sock (`struct sock` ⊂ `inet_sock` ⊂
 * `inet_connection_sock` ⊂ `tcp_sock`: addresses and ports, TCP state,
 * sequence numbers, windows); a listener's accept queue and SYN queue
 * (request socks); the queues of a connection — receive queue,
 * out-of-order queue, the write queue split into sent-not-acknowledged
 * (what a retransmission resends) and not yet sent; and the timers:
 * retransmission, delayed ACK, keepalive, zero-window probe, TIME_WAIT.
 *
 * Names are Linux's (sk_receive_queue, out_of_order_queue, sk_write_queue,
 * icsk_accept_queue, icsk_retransmit_timer, …); the values are sockstack's
 * own fields at that instant. Where sockstack keeps a structure another
 * way it says so (no sk_backlog: a packet is processed at once, never
 * while a process holds the socket; the write queue is a byte buffer, not
 * a list of sk_buffs).
 */
import { ms, sec, type Micros } from "../../core/time.js";
import type { Host } from "../../host/host.js";
import { StreamSocket } from "../../socket/stream-socket.js";
import type { Process } from "../../sys/process.js";
import type { Tcb } from "../../tcp/tcb.js";
import { netstatStateName } from "../../tcp/tcp-state.js";
import { formatInetAddress } from "../../net/inet-address.js";
import type { DemoContext, DemoScenario } from "../context.js";
import { calls, errnoOf, twoHosts } from "../kit.js";

/** The `kernel-structures` scenario. */
export const kernelStructuresDemo: DemoScenario = {
  name: "kernel-structures",
  summary: {
    en: "the kernel objects of one connection: struct socket and sock, SS_* vs TCP states, socket types, the listener's queues, the connection's queues and timers",
    zh: "一个连接背后的内核对象：struct socket 与 sock、SS_* 与 TCP 状态、socket 类型、监听者的队列、连接的队列与定时器",
  },
  seeds: ["D1", "D2", "D3", "D8", "D4", "D5", "B4"],
  async run(d: DemoContext): Promise<void> {
    const { net, client, server, link } = twoHosts(d, { show: calls(["socket", "bind", "listen", "connect", "accept", "setsockopt", "close"]) });
    d.title(`sockstack demo kernel-structures (seed ${d.seed})`);
    d.say(
      "client 10.0.0.1 ---- server 10.0.0.2 (1 ms one way). Seed 1 describes what socket() builds\n" +
        "in the kernel and what a connection carries. This scenario stops the clock at chosen\n" +
        "instants and draws those structures from the live hosts.",
      "client 10.0.0.1 ---- server 10.0.0.2（单向 1 毫秒）。种子 1 讲了 socket() 在内核里建起了什么、\n" +
        "一个连接带着哪些东西。本场景在选定的时刻把时钟停下，从运行中的主机上把这些结构画出来。",
    );
    let sp: Process | null = null;
    let sfd = -1;
    let lfd = -1;
    let release: () => void = () => {};
    const reading = new Promise<void>((r) => (release = r));
    server.spawn("server", async (p) => {
      sp = p;
      lfd = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(lfd, ["0.0.0.0", 9090]);
      p.listen(lfd, 8);
      await net.sleep(ms(10)); // not accepting yet: the connection waits in the accept queue
      sfd = (await p.accept(lfd)).fd;
      await reading; // the application does not read until told
            for (;;) if ((await p.recv(sfd, 65536)).length === 0) break;
      await p.close(sfd);
      await net.sleep(sec(100_000));
    });
    const cp = client.createProcess("client");
    const timerSamples: string[] = [];
    const cfd = cp.socket("AF_INET", "SOCK_STREAM");

    await d.section("1. socket(): a struct socket and a sock (D1, D2)", "1. socket()：一个 struct socket 和一个 sock（D1, D2）");
    for (const l of draw(client, cp, cfd)) d.output(l);
    d.say(
      "socket() returned fd 3 (0–2 are the terminal). Behind it: the `struct socket` that the file\n" +
        "table points to — its type and its generic state SS_UNCONNECTED — and the sock, which is\n" +
        "layered: `struct sock` (the state, the queues, the wait queue), inside `inet_sock`\n" +
        "(addresses, ports, TTL), inside `inet_connection_sock` (the accept queue, the retransmit and\n" +
        "delayed-ACK timers), inside `tcp_sock` (sequence numbers, windows, congestion control).\n" +
        "Nothing is bound yet: the addresses are 0.",
      "socket() 返回 fd 3（0–2 是终端）。它背后是文件表指向的 `struct socket`——它的类型和通用状态\n" +
        "SS_UNCONNECTED——以及分层的 sock：`struct sock`（状态、各个队列、等待队列）套在 `inet_sock` 里\n" +
        "（地址、端口、TTL），`inet_sock` 套在 `inet_connection_sock` 里（accept 队列、重传和延迟 ACK 定时器），\n" +
        "再套在 `tcp_sock` 里（序号、窗口、拥塞控制）。还没有绑定：地址都是 0。",
    );
    d.command("client", "# socket(AF_INET, type, 0) for each type seed 1 lists (D3)");
    for (const [family, type] of [["AF_INET", "SOCK_STREAM"], ["AF_INET", "SOCK_DGRAM"], ["AF_INET", "SOCK_SEQPACKET"], ["AF_UNIX", "SOCK_STREAM"], ["AF_UNIX", "SOCK_DGRAM"]] as const) {
      let fd = -1;
      const e = await errnoOf(() => (fd = cp.socket(family, type)));
      d.output(`socket(${family}, ${type}, 0) = ${e ? `-1 ${e}` : fd}${e === "ESOCKTNOSUPPORT" ? " (Socket type not supported)" : ""}`);
      if (!e) await cp.close(fd);
    }
    d.say(
      "Stream (TCP: a byte stream, connected, reliable) and datagram (UDP: messages, no connection)\n" +
        "are the two types an AF_INET socket has by default; AF_UNIX has both too. SOCK_SEQPACKET\n" +
        "(ordered messages with boundaries) exists for AF_UNIX and SCTP in Linux and SOCK_RAW (whole IP\n" +
        "packets: ping, traceroute) needs a protocol number and privileges; sockstack models neither —\n" +
        "AF_INET SOCK_SEQPACKET fails with ESOCKTNOSUPPORT, as on Linux without SCTP (D3).",
      "流（TCP：字节流、面向连接、可靠）和数据报（UDP：消息、无连接）是 AF_INET socket 默认支持的两种类型；\n" +
        "AF_UNIX 也两种都有。SOCK_SEQPACKET（保留边界的有序消息）在 Linux 里用于 AF_UNIX 和 SCTP，SOCK_RAW\n" +
        "（完整的 IP 包：ping、traceroute）需要协议号和特权；sockstack 两者都不模拟——AF_INET SOCK_SEQPACKET\n" +
        "以 ESOCKTNOSUPPORT 失败，和没有 SCTP 的 Linux 一样（D3）。",
    );

    await d.section("2. connect(): SS_CONNECTING, a request sock in the SYN queue (D2, B4)", "2. connect()：SS_CONNECTING，SYN 队列里的 request sock（D2, B4）");
    cp.setsockopt(cfd, "SOL_SOCKET", "SO_KEEPALIVE", 1);
    const connected = cp.connect(cfd, ["10.0.0.2", 9090]);
    await net.advance(ms(1.5));
    for (const l of draw(client, cp, cfd)) d.output(l);
    for (const l of drawListener(server, sp!, lfd)) d.output(l);
    d.say(
      "Half-way through the handshake: the client's socket is SS_CONNECTING while TCP is SYN_SENT —\n" +
        "the generic state only says \"connecting\", TCP's eleven states say where in the handshake.\n" +
        "Its write queue holds the SYN (1 sequence number), the retransmission timer is armed for it.\n" +
        "The server received the SYN and answered; all it keeps is a small request sock in the SYN\n" +
        "queue — the 4-tuple, both ISNs, the options — not a full sock.",
      "握手进行到一半：客户端的 socket 是 SS_CONNECTING，而 TCP 是 SYN_SENT——通用状态只说“正在连接”，\n" +
        "TCP 的十一种状态才说明握手到了哪一步。它的写队列里是 SYN（占 1 个序号），重传定时器为它启动了。\n" +
        "服务端收到 SYN 并作了应答；它只在 SYN 队列里保存一个小小的 request sock——四元组、双方的 ISN、\n" +
        "选项——而不是完整的 sock。",
    );
    await net.advance(ms(5) - net.now());
    await connected;
    for (const l of drawListener(server, sp!, lfd)) d.output(l);
    d.say(
      "The final ACK arrived: the request sock became a full sock (ESTABLISHED) and moved to the\n" +
        "accept queue, owned by no process yet. accept() will give it a struct socket and an fd.",
      "最后一个 ACK 到了：request sock 变成了完整的 sock（ESTABLISHED），移进 accept 队列，还不属于\n" +
        "任何进程。accept() 会给它配上 struct socket 和 fd。",
    );

    await d.section("3. Data in flight: the write, receive and out-of-order queues (D4, D5)", "3. 传输中的数据：写队列、接收队列和乱序队列（D4, D5）");
    await net.advance(ms(20) - net.now());
    // The second data segment is held on the wire for 10 ms: segments 3… arrive before it.
    let nth = 0;
    link.hold("aToB", (pk) => pk.bytes().length > 52 && ++nth === 2);
    void cp.send(cfd, new Uint8Array(30_000).fill(120));
    await net.advance(ms(1.5));
    for (const l of draw(client, cp, cfd)) d.output(l);
    for (const l of draw(server, sp!, sfd)) d.output(l);
    timerSamples.push(...timers(client, cp, cfd), ...timers(server, sp!, sfd));
    d.say(
      "send() copied 30,000 bytes into the client's write queue and returned. TCP sent what the\n" +
        "congestion window allows (10 segments of 1448 bytes) — those stay queued, sent but not\n" +
        "acknowledged, until their ACK: they are what a retransmission resends (D5). The rest waits,\n" +
        "not yet sent. On the server the first segment is in the receive queue (Recv-Q: the\n" +
        "application has not read); the second is held on the wire, so everything after it waits\n" +
        "in the out-of-order queue — its bytes are not readable until the gap is filled (D4).",
      "send() 把 30000 字节复制进客户端的写队列就返回了。TCP 按拥塞窗口允许的量发出（10 个 1448 字节的段）——\n" +
        "这些段在收到 ACK 之前一直留在队列里，已发送未确认：重传时重发的就是它们（D5）。其余的在等待，还未发送。\n" +
        "服务端的第一个段在接收队列里（Recv-Q：应用还没读）；第二个段被扣在线路上，于是它后面的都在乱序队列里\n" +
        "等着——缺口填上之前这些字节都不可读（D4）。",
    );
    await net.advance(ms(40) - net.now());
    link.release("aToB");
    await net.advance(ms(1.5));
    timerSamples.push(...timers(client, cp, cfd), ...timers(server, sp!, sfd));
    await net.advance(ms(1.5));
    for (const l of draw(server, sp!, sfd)) d.output(l);
    d.say(
      "The held segment arrived: the gap closed and the out-of-order queue drained into the receive\n" +
        "queue in one step. The application still reads nothing, so the receive queue grows and the\n" +
        "window it advertises shrinks.",
      "被扣住的段到了：缺口填上，乱序队列一下子并入接收队列。应用仍然什么都不读，所以接收队列在增长，\n" +
        "通告的窗口在缩小。",
    );

    await d.section("4. The timers of one connection (D8)", "4. 一个连接的定时器（D8）");
    await net.advance(ms(100) - net.now());
    timerSamples.push(...timers(client, cp, cfd), ...timers(server, sp!, sfd));
    // Interactive traffic: one byte every 3 ms (TCP_NODELAY). Once the receiver has left quick-ACK
    // mode it delays its ACKs: the delayed-ACK timer.
    cp.setsockopt(cfd, "IPPROTO_TCP", "TCP_NODELAY", 1);
    for (let k = 0; k < 11; k++) {
      if (k > 0) await net.advance(ms(3));
      void cp.send(cfd, "x");
    }
    await net.advance(ms(1.5));
    timerSamples.push(...timers(client, cp, cfd), ...timers(server, sp!, sfd));
    d.command("client", "# every timer of both ends: data in flight, the gap filled, idle, one-byte writes");
    for (const l of timerSamples) d.output(l);
    d.show(client, "ss -tno   # ss -o shows one timer per socket");
    release();
    await net.advance(ms(200) - net.now());
    const closing = cp.close(cfd);
    await net.advance(ms(300) - net.now());
    await closing;
    d.show(client, "ss -tno state time-wait   # after close(): no fd, no process, the TIME_WAIT timer");
    d.say(
      "Each sock has a handful of timers; ss -o shows the one due first (retransmit `on`, then\n" +
        "`persist`, `keepalive`, `timewait`). Retransmission runs while data is unacknowledged, the\n" +
        "delayed-ACK timer while an ACK is owed (up to 40 ms and more), keepalive on an idle\n" +
        "connection with SO_KEEPALIVE (7200 s), the zero-window probe while the peer's window is 0\n" +
        "(see `sockstack demo window`), and after the active close the TIME_WAIT timer (60 s) on\n" +
        "a timewait sock — a small stand-in Linux keeps instead of the full sock; the struct socket\n" +
        "and the fd went with close().",
      "每个 sock 有几个定时器；ss -o 显示最先到期的那个（重传 `on`，然后 `persist`、`keepalive`、`timewait`）。\n" +
        "有未确认的数据时重传定时器在跑，欠对方一个 ACK 时延迟 ACK 定时器在跑（最多 40 毫秒甚至更长），\n" +
        "开了 SO_KEEPALIVE 的空闲连接上 keepalive 定时器在跑（7200 秒），对方窗口为 0 时零窗口探测定时器在跑\n" +
        "（见 `sockstack demo window`），主动关闭之后则是 TIME_WAIT 定时器（60 秒）——挂在一个 timewait sock 上，\n" +
        "这是 Linux 代替完整 sock 保留的一个小结构；struct socket 和 fd 随 close() 一起没了。",
    );

    await d.section("What you just saw", "刚才看到了什么");
    d.say(
      "- An fd leads to a struct socket (type, SS_* state) and a sock: sock ⊂ inet ⊂ connection ⊂\n" +
        "  TCP, each layer adding its fields (D1); SS_* and TCP's states are different things (D2).\n" +
        "- Socket types: stream and datagram; seqpacket and raw exist in Linux (D3).\n" +
        "- A listener's SYN queue holds request socks; the accept queue full socks (B4).\n" +
        "- A connection's queues: write (sent-unacknowledged + unsent), receive, out-of-order (D4, D5).\n" +
        "- Its timers: retransmission, delayed ACK, keepalive, zero-window probe, TIME_WAIT (D8).",
      "- fd 通向一个 struct socket（类型、SS_* 状态）和一个 sock：sock ⊂ inet ⊂ connection ⊂ TCP，每层\n" +
        "  加上自己的字段（D1）；SS_* 状态和 TCP 状态是两回事（D2）。\n" +
        "- socket 类型：流和数据报；seqpacket 和 raw 在 Linux 里也有（D3）。\n" +
        "- 监听者的 SYN 队列存放 request sock；accept 队列存放完整的 sock（B4）。\n" +
        "- 连接的队列：写队列（已发未确认 + 未发送）、接收队列、乱序队列（D4, D5）。\n" +
        "- 它的定时器：重传、延迟 ACK、keepalive、零窗口探测、TIME_WAIT（D8）。",
    );
  },
};

/** The TCB behind a process's fd, and its struct socket. */
function sockOf(p: Process, fd: number): { sock: StreamSocket; t: Tcb } | null {
  const f = p.fds[fd];
  return f instanceof StreamSocket ? { sock: f, t: f.t } : null;
}

const rel = (seq: number, base: number) => ((seq - base) >>> 0);
const at = (when: Micros, now: Micros) => (when < 0 ? "—" : fmtDelay(when - now));

function fmtDelay(us: number): string {
  if (us >= 60_000_000) return `${(us / 1e6).toFixed(0)} s`;
  if (us >= 1_000_000) return `${(us / 1e6).toFixed(1)} s`;
  return `${(us / 1000).toFixed(0)} ms`;
}

/** The drawing of one connected (or connecting) socket at this instant. */
function draw(host: Host, p: Process, fd: number): string[] {
  const s = sockOf(p, fd);
  if (!s) return [`${host.name}: fd ${fd} is not a TCP socket`];
  const { sock, t } = s;
  const now = host.ctx.scheduler.now();
  const st = netstatStateName(t.state);
  const local = `${formatInetAddress(t.localAddr)}:${t.localPort}`;
  const peer = `${formatInetAddress(t.remoteAddr)}:${t.remotePort}`;
  const started = t.state !== 7 /* CLOSE */;
  const unacked = started ? Math.max(0, (t.sndNxt - t.sndUna) | 0) : 0;
  const queued = t.sndBuf.length;
  const sent = Math.min(unacked, queued);
  const ooo = t.ooo && !t.ooo.isEmpty ? t.ooo : null;
  const lines = [
    `${host.name}: ${p.name}[${p.pid}] fd ${fd} ─► struct socket  type SOCK_STREAM  state ${sock.socketState}`,
    `      └─► tcp_sock ⊃ inet_connection_sock ⊃ inet_sock ⊃ sock`,
    `          sock           sk_state ${st}`,
    `          inet_sock      ${local} → ${peer}, ttl ${t.ttl < 0 ? host.ctx.sysctl.ip_default_ttl : t.ttl}`,
    `          inet_conn_sock retransmit timer ${at(t.rtoAt, now)}, delayed-ACK timer ${at(t.delackAt, now)}`,
  ];
  if (started) {
    lines.push(
      `          tcp_sock       snd_una ${rel(t.sndUna, t.iss)} snd_nxt ${rel(t.sndNxt, t.iss)} write_seq ${rel(t.dataEnd, t.iss)}` +
        (t.state === 2 /* SYN_SENT */ ? "" : ` rcv_nxt ${rel(t.rcvNxt, t.irs)}`) +
        `  mss ${t.mss} cwnd ${t.cwnd} snd_wnd ${t.sndWnd} rcv_wnd ${t.rwin.rcvWnd}  (relative to the ISNs)`,
    );
  } else lines.push(`          tcp_sock       (no sequence numbers before connect)`);
  lines.push(
    `          sk_write_queue      ${queued} B${queued ? `: ${sent} sent, not acknowledged (the retransmit queue) + ${queued - sent} not yet sent` : ""}${t.state === 2 ? " (the SYN: 1 sequence number)" : ""}`,
    `          sk_receive_queue    ${t.rcvBuf.length} B${t.rcvBuf.length ? " in order, not yet read (Recv-Q)" : ""}`,
    `          out_of_order_queue  ${ooo ? `${ooo.bytes} B in ${ooo.count} block${ooo.count > 1 ? "s" : ""}: ${ooo.ranges().map(([a, b]) => `${rel(a, t.irs)}-${rel(b, t.irs)}`).join(", ")}` : "empty"}`,
    `          sk_wq (wait queue)  ${t.wq.size} waiting`,
  );
  return lines;
}

/** A listening socket: its accept queue and SYN queue. */
function drawListener(host: Host, p: Process, fd: number): string[] {
  const s = sockOf(p, fd);
  const lq = s?.t.lq;
  if (!s || !lq) return [`${host.name}: fd ${fd} is not listening`];
  const now = host.ctx.scheduler.now();
  const lines = [
    `${host.name}: ${p.name}[${p.pid}] fd ${fd} ─► struct socket  state ${s.sock.socketState}  ─► sock LISTEN 0.0.0.0:${s.t.localPort}, backlog ${lq.backlog}`,
    `          icsk_accept_queue  ${lq.acceptQueue.length} full sock${lq.acceptQueue.length === 1 ? "" : "s"}${lq.acceptQueue.map((t) => `  [${netstatStateName(t.state)} ${formatInetAddress(t.remoteAddr)}:${t.remotePort}, no fd]`).join("")}`,
    `          SYN queue          ${lq.synQueue.size} request sock${lq.synQueue.size === 1 ? "" : "s"}${[...lq.synQueue.values()].map((r) => `  [SYN_RECV ${formatInetAddress(r.remoteAddr)}:${r.remotePort}, SYN-ACK timer ${fmtDelay(r.expires - now)}]`).join("")}`,
  ];
  return lines;
}

/** The five timers of one connection. */
function timers(host: Host, p: Process, fd: number): string[] {
  const s = sockOf(p, fd);
  if (!s) return [];
  return [timerLine(host, s.t)];
}

function timerLine(host: Host, t: Tcb): string {
  const now = host.ctx.scheduler.now();
  const tw = t.lifetimeAt >= 0 ? at(t.lifetimeAt, now) : "—";
  return `${(now / 1000).toFixed(1).padStart(5)} ms ${host.name.padEnd(6)} ${netstatStateName(t.state)}: retransmit ${at(t.rtoAt, now)} · delayed ACK ${at(t.delackAt, now)} · keepalive ${at(t.keepaliveAt, now)} · zero-window probe ${at(t.persistAt, now)} · TIME_WAIT ${tw}`;
}
