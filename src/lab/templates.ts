/**
 * The starting programs of the lab's "write your own" pane, in TypeScript
 * (src/lab/program.ts says how it runs — types stripped by the chunk
 * loaded on first use, not checked — and what is in scope): the seed
 * programs as the examples and the demo write them — seed 4's iterative
 * echo server and client (examples/iterative-server.ts), the lecture's
 * backlog server (src/demo/lecture-scenario.ts), seed 2's TCP chat and its
 * UDP pair (examples/chat-tcp.ts, examples/chat-udp.ts) — and a ten-
 * connection bulk transfer. Each is the same program as its source, line
 * for line: src/cli/lab-program.test.ts runs both on the same network and
 * seed and requires the same packets and the same terminal output, so a
 * change to one that is not made to the other fails there.
 */

/** A starting program of the editor. */
export interface LabTemplate {
  /** Its key (`echo`). */
  name: string;
  /** One line for the template picker. */
  summary: string;
  /** Where the program comes from (the file it must stay equal to), or "" for the lab's own. */
  source: string;
  /** True when its processes read their terminal (type lines into their stdin). */
  interactive: boolean;
  /** The program, in TypeScript. */
  code: string;
}

/** The templates, the iterative echo first. */
export const LAB_TEMPLATES: readonly LabTemplate[] = [
  {
    name: "echo",
    summary: "iterative TCP echo server + two clients (seed 4's server.c, examples/iterative-server.ts)",
    source: "examples/iterative-server.ts",
    interactive: false,
    code: `// Seed 4's iterative server (server.c, with wrap.c's checked calls) and its
// client: examples/iterative-server.ts, in the editor. One client at a
// time: while the server serves client 1, client 2's connect() succeeds
// anyway (the kernel does the handshake) and its bytes wait in Recv-Q.
// In scope: net, clientHost (10.0.0.1), serverHost (10.0.0.2), ms, sec, wrap,
// sockaddrIn, formatSockAddr, htons, htonl, inet_ntoa, INADDR_ANY, ...
// Types (Process, SockAddr, ...) are stripped, not checked: name them freely.
const SERV_PORT = 9527;
const dec = new TextDecoder();
const hex = (b: number): string => b.toString(16).padStart(2, "0");

/** printf: one line on the terminal. */
async function printf(p: Process, line: string): Promise<void> {
  await p.write(1, line + "\\n");
}

/** server.c: serves clients one after another, forever. */
async function server(p: Process): Promise<never> {
  const w = wrap(p);
  const lfd = w.Socket("AF_INET", "SOCK_STREAM", 0);
  // serv_addr: sin_port = htons(SERV_PORT), sin_addr.s_addr = htonl(INADDR_ANY) — every local address (E5).
  w.Bind(lfd, sockaddrIn(inet_ntoa(htonl(INADDR_ANY)), SERV_PORT));
  w.Listen(lfd, 128);
  const n = htons(SERV_PORT); // stored little-endian on x86: its bytes in memory are the port in network order
  await printf(p, \`listening, lfd = \${lfd}, sin_port = htons(\${SERV_PORT}) = 0x\${n.toString(16)}: bytes \${hex(n & 0xff)} \${hex(n >> 8)} in memory\`);
  for (;;) {
    const { fd: cfd, addr } = await w.Accept(lfd);
    await printf(p, \`cfd = \${cfd}, client \${formatSockAddr(addr)}\`);
    for (;;) {
      const buf = await w.Read(cfd, 1024);
      if (buf.length === 0) {
        await printf(p, "the client closed the connection (read returned 0)");
        break;
      }
      await w.Write(cfd, dec.decode(buf).toUpperCase());
    }
    await w.Close(cfd);
  }
}

/** client.c: connect, then for each line: write, read the answer, print it; \`pause\` ms between lines. */
async function client(p: Process, lines: string[], pause: number): Promise<void> {
  const w = wrap(p);
  const fd = w.Socket("AF_INET", "SOCK_STREAM", 0);
  await w.Connect(fd, ["10.0.0.2", SERV_PORT]);
  await printf(p, \`connected (fd \${fd})\`);
  for (const line of lines) {
    await w.Write(fd, line);
    await printf(p, \`sent "\${line}"\`);
    await printf(p, \`got "\${dec.decode(await w.Readn(fd, line.length))}"\`); // an echo: as many bytes as sent, however they arrive
    await p.poll([], pause); // sleep
  }
  await w.Close(fd);
}

serverHost.spawn("server", server, { daemon: true });
clientHost.spawn("client 1", (p: Process) => client(p, ["hello", "world"], 100));
clientHost.spawn("client 2", async (p: Process) => {
  await p.poll([], 50); // arrives 50 ms later, while client 1 is being served
  await client(p, ["second"], 0);
});
`,
  },
  {
    name: "backlog",
    summary: "the lecture's backlog server: backlog 2, no accept() for 5 s, four clients (src/demo/lecture-scenario.ts)",
    source: "src/demo/lecture-scenario.ts",
    interactive: false,
    code: `// The lecture's experiment (seed 0): a server listens with backlog 2 and
// does not accept() for 5 s; four clients connect 200 ms apart and send
// "1111" 100 ms later. The kernel completes three handshakes on its own
// (the accept queue holds backlog + 1), their bytes wait in Recv-Q, and the
// fourth client's SYNs are dropped — it stays in SYN-SENT, retrying —
// until accept() empties the queue. src/demo/lecture-scenario.ts in
// TypeScript (here on a 1 ms link). Watch the sockets and ss panes.
const dec = new TextDecoder();
const CLIENTS = 4;

serverHost.spawn("server", async (p: Process) => {
  const lfd = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(lfd, ["0.0.0.0", 9090]);
  p.listen(lfd, 2);
  await net.sleep(sec(5) - net.now()); // "blocked on stdin" before the accept loop
  const conns: number[] = [];
  while (conns.length < CLIENTS) {
    const { fd, addr } = await p.accept(lfd);
    conns.push(fd);
    const data = await p.recv(fd, 100);
    await p.write(1, \`accepted fd \${fd} from \${formatSockAddr(addr)}: "\${dec.decode(data)}"\\n\`);
  }
  await net.sleep(sec(3600));
}, { daemon: true });

for (let i = 0; i < CLIENTS; i++) {
  clientHost.spawn("client", async (p: Process) => {
    await net.sleep(ms(200) * (i + 1));
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 9090]);
    await p.write(1, \`connected at \${net.now() / 1000} ms\\n\`);
    await net.sleep(ms(100));
    await p.send(fd, "1111");
    await net.sleep(sec(10));
  });
}
`,
  },
  {
    name: "chat-tcp",
    summary: "TCP chat, generation 5 — interactive: type into stdin (examples/chat-tcp.ts)",
    source: "examples/chat-tcp.ts",
    interactive: true,
    code: `// Seed 2's TCP chat, generation 5: examples/chat-tcp.ts in the editor's
// TypeScript, as the Python reads — input() is a read of the terminal
// (fd 0), print() a write to fd 1. Interactive: type a line into the
// client's or the server's stdin below (whoever is reading). The client
// refuses empty input and quits on "q"; the server sets SO_REUSEADDR, stops
// on recv() = b"" and on errors, inside an accept loop.
const dec = new TextDecoder();

/** Python's input(prompt).strip(): null at the end of input (EOFError). */
async function input(p: Process, prompt: string): Promise<string | null> {
  await p.write(1, prompt);
  const line = await p.recvLine(0);
  return line === "" ? null : line.trim();
}

/** print(). */
async function print(p: Process, line: string): Promise<void> {
  await p.write(1, line + "\\n");
}

function listenOn(p: Process, port: number, reuse = false): number {
  const server = p.socket("AF_INET", "SOCK_STREAM");
  if (reuse) p.setsockopt(server, "SOL_SOCKET", "SO_REUSEADDR", 1);
  p.bind(server, ["0.0.0.0", port]);
  p.listen(server, 5);
  return server;
}

async function connectTo(p: Process, addr: [string, number]): Promise<number> {
  const client = p.socket("AF_INET", "SOCK_STREAM");
  await p.connect(client, addr);
  return client;
}

/** gen 4 client: refuses empty input, quits on \`q\`. */
async function gen4Client(p: Process, addr: [string, number]): Promise<void> {
  const client = await connectTo(p, addr);
  for (;;) {
    const line = await input(p, "to server: ");
    if (line === null) break;
    if (!line) {
      await print(p, "input cannot be empty!");
      continue;
    }
    if (line === "q") {
      await print(p, "connection closed!");
      break;
    }
    await p.send(client, line);
    const answer = await p.recv(client, 1024);
    if (answer.length === 0 || dec.decode(answer) === "q") break;
    await print(p, \`from server: \${dec.decode(answer)}\`);
  }
  await p.close(client);
}

/** gen 5 server: serves \`clients\` conversations, then closes the listener. */
async function gen5Server(p: Process, port: number, clients: number): Promise<void> {
  const server = listenOn(p, port, true);
  for (let served = 0; served < clients; served++) {
    const { fd: conn } = await p.accept(server);
    try {
      conversation: for (;;) {
        const data = await p.recv(conn, 1024);
        if (data.length === 0) {
          await print(p, "client left");
          break;
        }
        await print(p, \`from client: \${dec.decode(data)}\`);
        for (;;) {
          const reply = await input(p, "reply: ");
          if (reply === null) break conversation;
          if (!reply) {
            await print(p, "input cannot be empty!");
            continue;
          }
          await p.send(conn, reply);
          if (reply === "q") {
            await print(p, "connection closed!");
            break conversation;
          }
          break;
        }
      }
    } catch (e) {
      await print(p, \`error: \${(e as Error).message}\`);
    }
    await p.close(conn);
  }
  await p.close(server);
}

serverHost.spawn("server", (p: Process) => gen5Server(p, 8080, 1));
clientHost.spawn("client", (p: Process) => gen4Client(p, ["10.0.0.2", 8080]));
`,
  },
  {
    name: "chat-udp",
    summary: "UDP chat, a UDP pair — interactive: type into stdin (examples/chat-udp.ts)",
    source: "examples/chat-udp.ts",
    interactive: true,
    code: `// Seed 2's UDP chat: examples/chat-udp.ts in TypeScript — a UDP pair,
// recvfrom/sendto, no connection. Interactive: type into the client's stdin
// (its lines go to the server as datagrams), then the server's (its reply);
// "q" ends the client, the server goes on. An empty line is an empty
// datagram (0 bytes), which UDP carries.
const dec = new TextDecoder();

async function input(p: Process, prompt: string): Promise<string | null> {
  await p.write(1, prompt);
  const line = await p.recvLine(0);
  return line === "" ? null : line.replace(/\\n$/, "");
}

async function udpServer(p: Process, port: number): Promise<void> {
  const server = p.socket("AF_INET", "SOCK_DGRAM");
  p.bind(server, ["0.0.0.0", port]);
  for (;;) {
    const { data, addr } = await p.recvfrom(server, 1024);
    await p.write(1, \`from client \${formatSockAddr(addr)} (\${data.length} bytes): \${dec.decode(data)}\\n\`);
    if (dec.decode(data) === "q") continue; // that client left; the server goes on
    const reply = await input(p, "reply: ");
    if (reply === null) break;
    await p.sendto(server, reply, 0, addr);
  }
  await p.close(server);
}

async function udpClient(p: Process, server: [string, number]): Promise<void> {
  const client = p.socket("AF_INET", "SOCK_DGRAM");
  for (;;) {
    const line = await input(p, "to server: ");
    if (line === null) break;
    await p.sendto(client, line, 0, server);
    if (line === "q") break;
    const { data, addr } = await p.recvfrom(client, 1024);
    await p.write(1, \`from server \${formatSockAddr(addr)}: \${dec.decode(data)}\\n\`);
  }
  await p.close(client);
}

serverHost.spawn("server", (p: Process) => udpServer(p, 8080), { daemon: true });
clientHost.spawn("client", (p: Process) => udpClient(p, ["10.0.0.2", 8080]));
`,
  },
  {
    name: "bulk",
    summary: "ten bulk TCP transfers over a 10 Mbit/s link",
    source: "",
    interactive: false,
    code: `// Ten bulk transfers at once over a 10 Mbit/s link with 5 ms of delay:
// each client sends 1 MB to a sink server as fast as TCP lets it. The
// connections share the link (slow start, then the queue at the link's
// rate fills; watch cwnd, the time-sequence plot, Send-Q and the ladder).
const CONNECTIONS = 10;
const BYTES = 1_000_000;
net.links[0].configure({ rate: 10_000_000, latency: ms(5) });

serverHost.spawn("sink", async (p: Process) => {
  const lfd = p.socket("AF_INET", "SOCK_STREAM");
  p.bind(lfd, ["0.0.0.0", 5001]);
  p.listen(lfd, CONNECTIONS);
  const readers: Thread[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const { fd } = await p.accept(lfd);
    readers.push(p.thread(async (t: Process) => {
      let total = 0;
      for (;;) {
        const data = await t.recv(fd, 65536);
        if (data.length === 0) break;
        total += data.length;
      }
      await t.write(1, \`fd \${fd}: \${total} bytes by \${(net.now() / 1e6).toFixed(3)} s\\n\`);
      await t.close(fd);
    }));
  }
  for (const r of readers) await r.join(); // the process (and its fds) lives until every reader is done
}, { daemon: true });

const chunk = new Uint8Array(65536).fill(0x61);
for (let i = 0; i < CONNECTIONS; i++) {
  clientHost.spawn(\`bulk \${i + 1}\`, async (p: Process) => {
    const fd = p.socket("AF_INET", "SOCK_STREAM");
    await p.connect(fd, ["10.0.0.2", 5001]);
    for (let sent = 0; sent < BYTES;) sent += await p.send(fd, chunk.subarray(0, Math.min(chunk.length, BYTES - sent)));
    await p.close(fd);
  });
}
`,
  },
];

/** The template named `name`, or undefined. */
export function findTemplate(name: string): LabTemplate | undefined {
  return LAB_TEMPLATES.find((t) => t.name === name);
}
