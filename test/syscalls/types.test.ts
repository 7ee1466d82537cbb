/**
 * Types that catch typos in the editor (issue 12 item 10). Every line
 * marked `@ts-expect-error` must fail to compile (`npm run typecheck`
 * fails on an unused directive), every other line must compile: literal
 * names are checked (one name, `"A|B"` forms with any number of names,
 * lists), option names per level with their value types, while numbers
 * and `string` values (translated C and Python, names read from a file)
 * keep compiling and are checked at run time. The calls run on a real
 * process, so what compiles also works.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import type { Process } from "../../src/sys/process.js";
import type { Linger, Timeval } from "../../src/socket/options.js";
import type { TcpInfo } from "../../src/tcp/tcp-info.js";
import { SysError } from "../../src/core/sys-error.js";
import { MSG_DONTWAIT, SOCK_NONBLOCK, SOCK_STREAM } from "../../src/socket/constants.js";

/** Compile-time equality. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(_: T): void {}

/** Runs a program that compiles every form; the rejected forms sit in a function that never runs. */
function typed(p: Process): void {
  // socket: domains, types with flags in every form, protocols.
  p.socket("AF_INET", "SOCK_STREAM");
  p.socket("PF_INET", "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC", "IPPROTO_TCP");
  p.socket("AF_UNIX", ["SOCK_DGRAM", "SOCK_CLOEXEC"]);
  p.socket(2, SOCK_STREAM | SOCK_NONBLOCK, 0);
  const domain: string = "AF_INET", type: string = "SOCK_DGRAM";
  p.socket(domain, type); // untyped strings: checked at run time
  const anyName: string | number = 2;
  p.socket(anyName, anyName === 2 ? 1 : "SOCK_STREAM");

  // options: level + name literal → the value type; numbers and strings stay open.
  const fd = p.socket("AF_INET", "SOCK_STREAM");
  p.setsockopt(fd, "SOL_SOCKET", "SO_REUSEADDR", 1);
  p.setsockopt(fd, "SOL_SOCKET", "SO_KEEPALIVE", true);
  p.setsockopt(fd, "SOL_SOCKET", "SO_LINGER", { l_onoff: 1, l_linger: 0 });
  p.setsockopt(fd, "SOL_SOCKET", "SO_RCVTIMEO", { tv_sec: 1, tv_usec: 0 });
  p.setsockopt(fd, "SOL_SOCKET", "SO_RCVTIMEO", 1500);
  p.setsockopt(fd, "IPPROTO_TCP", "TCP_NODELAY", 1);
  p.setsockopt(fd, "SOL_TCP", "TCP_CONGESTION", "reno");
  p.setsockopt(fd, 1, 2, 1);
  const lvl: string = "SOL_SOCKET", opt: string = "SO_REUSEADDR";
  p.setsockopt(fd, lvl, opt, 1);
  const _linger = p.getsockopt(fd, "SOL_SOCKET", "SO_LINGER");
  assertType<Equals<typeof _linger, Linger>>(true);
  const _tv = p.getsockopt(fd, "SOL_SOCKET", "SO_SNDTIMEO");
  assertType<Equals<typeof _tv, Timeval>>(true);
  const _info = p.getsockopt(fd, "IPPROTO_TCP", "TCP_INFO");
  assertType<Equals<typeof _info, TcpInfo>>(true);
  const _nodelay = p.getsockopt(fd, "IPPROTO_TCP", "TCP_NODELAY");
  assertType<Equals<typeof _nodelay, number>>(true);

  // flags
  void p.recv(fd, 10, "MSG_PEEK|MSG_DONTWAIT");
  void p.recv(fd, 10, "MSG_PEEK | MSG_DONTWAIT | MSG_WAITALL");
  void p.recv(fd, 10, ["MSG_PEEK", MSG_DONTWAIT]);
  void p.send(fd, "x", MSG_DONTWAIT);
  const fl: string = "MSG_DONTWAIT";
  void p.send(fd, new Uint16Array(2), fl);
  void p.sendall(fd, new DataView(new ArrayBuffer(2)), "MSG_NOSIGNAL");
  p.shutdown(fd, "SHUT_WR");
  p.fcntl(fd, "F_SETFL", "O_NONBLOCK");
  p.ioctl(fd, "FIONREAD");
  const ep = p.epoll_create1("EPOLL_CLOEXEC");
  p.epoll_ctl(ep, "EPOLL_CTL_ADD", fd, { events: "EPOLLIN|EPOLLET" });
  void p.poll([{ fd, events: "POLLIN|POLLOUT" }], 0);
  void p.accept4(fd, ["SOCK_NONBLOCK", "SOCK_CLOEXEC"]);
  void p.waitpid(-1, "WNOHANG");
  p.getaddrinfo("localhost", 80, "AF_INET", "SOCK_STREAM");
}

/** Each line is a typo or a wrong value that must not compile. */
function rejected(p: Process, fd: number): void {
  // @ts-expect-error misspelt domain
  p.socket("AF_INTE", "SOCK_STREAM");
  // @ts-expect-error misspelt type
  p.socket("AF_INET", "SOCK_STRAEM");
  // @ts-expect-error misspelt flag in a combination
  p.socket("AF_INET", "SOCK_STREAM|SOCK_NONBLOK");
  // @ts-expect-error a send flag is not a socket type
  p.socket("AF_INET", "SOCK_STREAM|MSG_PEEK");
  // @ts-expect-error misspelt protocol
  p.socket("AF_INET", "SOCK_STREAM", "IPPROTO_TPC");
  // @ts-expect-error misspelt option name
  p.setsockopt(fd, "SOL_SOCKET", "SO_REUSEADR", 1);
  // @ts-expect-error an option of another level
  p.setsockopt(fd, "IPPROTO_TCP", "SO_REUSEADDR", 1);
  // @ts-expect-error misspelt level
  p.setsockopt(fd, "SOL_SOCKT", "SO_REUSEADDR", 1);
  // @ts-expect-error SO_LINGER takes a Linger
  p.setsockopt(fd, "SOL_SOCKET", "SO_LINGER", 1);
  // @ts-expect-error SO_RCVTIMEO takes a Timeval or milliseconds
  p.setsockopt(fd, "SOL_SOCKET", "SO_RCVTIMEO", "1s");
  // @ts-expect-error TCP_CONGESTION takes a string
  p.setsockopt(fd, "IPPROTO_TCP", "TCP_CONGESTION", 1);
  // @ts-expect-error SO_ERROR is read-only
  p.setsockopt(fd, "SOL_SOCKET", "SO_ERROR", 0);
  // @ts-expect-error misspelt option in getsockopt
  p.getsockopt(fd, "SOL_SOCKET", "SO_RCVBUFF");
  // @ts-expect-error misspelt recv flag
  void p.recv(fd, 10, "MSG_DONTWAT");
  // @ts-expect-error misspelt second flag
  void p.recv(fd, 10, "MSG_PEEK|MSG_DONTWAT");
  // @ts-expect-error misspelt flag in a list
  void p.recv(fd, 10, ["MSG_PEEK", "MSG_DONTWAT"]);
  // @ts-expect-error a socket flag is not a send flag
  void p.send(fd, "x", "SOCK_NONBLOCK");
  // @ts-expect-error data must be bytes or a string
  void p.send(fd, [1, 2, 3]);
  // @ts-expect-error misspelt shutdown mode
  p.shutdown(fd, "SHUT_WRITE");
  // @ts-expect-error misspelt fcntl command
  p.fcntl(fd, "F_SETFLAGS", 0);
  // @ts-expect-error misspelt epoll op
  p.epoll_ctl(3, "EPOLL_CTL_AD", fd, { events: "EPOLLIN" });
  // @ts-expect-error misspelt epoll event
  p.epoll_ctl(3, "EPOLL_CTL_ADD", fd, { events: "EPOLLIN|EPOLLTE" });
  // @ts-expect-error misspelt poll event
  void p.poll([{ fd, events: "POLLINN" }], 0);
  // @ts-expect-error misspelt accept4 flag
  void p.accept4(fd, "SOCK_NONBLOK");
}

/**
 * The process seen through a proxy that records argument errors (a
 * SysError with a detail: EINVAL/EFAULT/EBADF/ENOPROTOOPT/ENOTTY naming an
 * argument) and lets the others (ENOTCONN on an unconnected socket…) pass.
 */
function recording(p: Process, bad: string[]): Process {
  const note = (name: string, e: unknown) => {
    if (!(e instanceof SysError) || e.detail !== undefined) bad.push(`${name}: ${String(e)}`);
  };
  return new Proxy(p, {
    get(target, key) {
      const v = Reflect.get(target, key, target) as unknown;
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        try {
          const r = (v as (...a: unknown[]) => unknown).apply(target, args);
          if (r instanceof Promise) return r.catch((e) => note(String(key), e));
          return r;
        } catch (e) {
          note(String(key), e);
          return 3;
        }
      };
    },
  });
}

test("the typed forms compile and pass the run-time checks; the rejected ones are compile errors only", async () => {
  const net = new Network({ seed: 1 });
  const bad: string[] = [];
  typed(recording(net.addHost("h").createProcess("p"), bad));
  await net.advance(1000);
  assert.deepEqual(bad, []);
  assert.equal(typeof rejected, "function");
});
