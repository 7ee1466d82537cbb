/**
 * Misspelt names say which name is unknown (issue 12 item 8): Linux's
 * errno and text first (ENOPROTOOPT "Protocol not available" for option
 * levels and names, EINVAL for flags, types, domains), then what is
 * unknown and the closest known name, or the kind of name it really is.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Network } from "../../src/sim/network.js";
import { SysError } from "../../src/core/sys-error.js";
import { OPTIONS, OPTION_LEVELS } from "../../src/socket/options.js";
import { editDistance, suggestName } from "../../src/socket/names.js";
import type { Process } from "../../src/sys/process.js";

function setup(): { p: Process; fd: number } {
  const net = new Network({ seed: 1 });
  const p = net.addHost("h").createProcess("p");
  return { p, fd: p.socket("AF_INET", "SOCK_STREAM") };
}

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof SysError, String(e));
    return `${e.code} ${e.message}`;
  }
  assert.fail("expected an error");
}

/** Untyped names, as translated code or a config file gives them. */
const str = (s: string): string => s;

test("a misspelt option name: ENOPROTOOPT, Linux's text first, then the name and a suggestion", () => {
  const { p, fd } = setup();
  assert.equal(message(() => p.setsockopt(fd, "SOL_SOCKET", str("SO_REUSEADR"), 1)),
    'ENOPROTOOPT setsockopt: Protocol not available (optname: unknown option name "SO_REUSEADR" at level SOL_SOCKET; did you mean SO_REUSEADDR?)');
  assert.equal(message(() => p.getsockopt(fd, "IPPROTO_TCP", str("TCP_NODELY"))),
    'ENOPROTOOPT getsockopt: Protocol not available (optname: unknown option name "TCP_NODELY" at level IPPROTO_TCP; did you mean TCP_NODELAY?)');
  // Known, but at another level; and a misspelling of an option of another level.
  assert.equal(message(() => p.setsockopt(fd, "IPPROTO_TCP", str("SO_REUSEADDR"), 1)),
    "ENOPROTOOPT setsockopt: Protocol not available (optname: SO_REUSEADDR is a SOL_SOCKET option, not IPPROTO_TCP)");
  assert.equal(message(() => p.setsockopt(fd, "SOL_SOCKET", str("TCP_NODELAI"), 1)),
    'ENOPROTOOPT setsockopt: Protocol not available (optname: unknown option name "TCP_NODELAI" at level SOL_SOCKET; did you mean TCP_NODELAY (an IPPROTO_TCP option)?)');
  assert.equal(message(() => p.setsockopt(fd, str("SOL_SOCKT"), "SO_REUSEADDR", 1)),
    'ENOPROTOOPT setsockopt: Protocol not available (level: unknown option level name "SOL_SOCKT"; did you mean SOL_SOCKET?)');
  assert.equal(message(() => p.setsockopt(fd, "SOL_SOCKET", 9999, 1)),
    "ENOPROTOOPT setsockopt: Protocol not available (optname: no option 9999 at SOL_SOCKET in sockstack)");
  // Nothing close: no suggestion.
  assert.equal(message(() => p.setsockopt(fd, "SOL_SOCKET", str("SO_FROBNICATE"), 1)),
    'ENOPROTOOPT setsockopt: Protocol not available (optname: unknown option name "SO_FROBNICATE" at level SOL_SOCKET)');
  // A value of the wrong shape: EINVAL naming the option.
  assert.equal(message(() => p.setsockopt(fd, "SOL_SOCKET", str("SO_LINGER"), 1)),
    "EINVAL setsockopt: Invalid argument (optval: SO_LINGER takes { l_onoff, l_linger }, got 1)");
  assert.equal(message(() => p.setsockopt(fd, "SOL_SOCKET", str("SO_REUSEADDR"), str("yes"))),
    'EINVAL setsockopt: Invalid argument (optval: SO_REUSEADDR takes a number or a boolean, got "yes")');
});

test("misspelt flags, types, domains and names of the wrong kind: EINVAL naming them", () => {
  const { p, fd } = setup();
  const flags = str("MSG_DONTWAT");
  return Promise.all([
    p.recv(fd, 10, flags).then(() => assert.fail(), (e: SysError) => assert.equal(e.message,
      'recv: Invalid argument (flags: unknown send/recv flag name "MSG_DONTWAT"; did you mean MSG_DONTWAIT?)')),
    p.send(fd, "x", str("MSG_PEEK|SOCK_NONBLOCK")).then(() => assert.fail(), (e: SysError) => assert.equal(e.message,
      'send: Invalid argument (flags: "SOCK_NONBLOCK" is a socket type, not a send/recv flag)')),
  ]).then(() => {
    assert.equal(message(() => p.socket("AF_INET", str("SOCK_STRAEM"))),
      'EINVAL socket: Invalid argument (type: unknown socket type name "SOCK_STRAEM"; did you mean SOCK_STREAM?)');
    assert.equal(message(() => p.socket(str("AF_INTE"), "SOCK_STREAM")),
      'EINVAL socket: Invalid argument (domain: unknown address family name "AF_INTE"; did you mean AF_INET?)');
    assert.equal(message(() => p.socket(str("af_inet"), "SOCK_STREAM")),
      'EINVAL socket: Invalid argument (domain: unknown address family name "af_inet"; did you mean AF_INET?)');
    assert.equal(message(() => p.shutdown(fd, str("SHUT_WRITE"))),
      'EINVAL shutdown: Invalid argument (how: unknown shutdown mode name "SHUT_WRITE"; did you mean SHUT_WR?)');
    assert.equal(message(() => p.epoll_ctl(p.epoll_create1(), "EPOLL_CTL_ADD", fd, { events: str("EPOLLIN|EPOLET") })),
      'EINVAL epoll_ctl: Invalid argument (event.events: unknown epoll event name "EPOLET"; did you mean EPOLLET?)');
    assert.equal(message(() => p.fcntl(fd, str("F_SETFLAGS"), 0)),
      'EINVAL fcntl: Invalid argument (cmd: unknown fcntl command name "F_SETFLAGS"; did you mean F_SETFL?)');
    assert.equal(message(() => p.ioctl(fd, str("FIONREED"))),
      'ENOTTY ioctl: Inappropriate ioctl for device (request: unknown ioctl request name "FIONREED"; did you mean FIONREAD?)');
    // "toString" is not a constant (names are own entries of a table, not properties of an object).
    assert.match(message(() => p.socket(str("toString"), "SOCK_STREAM")), /^EINVAL socket: Invalid argument \(domain: unknown address family name "toString"\)$/);
    // The right names in any of their forms still work.
    assert.ok(p.socket("PF_INET", ["SOCK_DGRAM", "SOCK_CLOEXEC"], "IPPROTO_UDP") > 0);
    assert.ok(p.socket(2, " SOCK_STREAM | SOCK_NONBLOCK ") > 0);
  });
});

test("suggestions: case, one or two edits, transpositions; nothing when far", () => {
  assert.equal(editDistance("SO_REUSEADR", "SO_REUSEADDR"), 1);
  assert.equal(editDistance("EPOLLTE", "EPOLLET"), 1);
  assert.equal(suggestName("so_linger", ["SO_LINGER", "SO_LINGER2"]), "SO_LINGER");
  assert.equal(suggestName("MSG_PEK", ["MSG_PEEK", "MSG_OOB"]), "MSG_PEEK");
  assert.equal(suggestName("XYZ", ["MSG_PEEK", "MSG_OOB"]), undefined);
});

test("the option type map names every option of the table at its level", () => {
  assert.deepEqual(Object.keys(OPTION_LEVELS).sort(), OPTIONS.map((o) => o.name).sort());
  for (const o of OPTIONS) assert.equal(OPTION_LEVELS[o.name as keyof typeof OPTION_LEVELS], o.levelName, o.name);
});
