/**
 * `sockstack/constants`: every Linux constant sockstack knows, by its C
 * name and with Linux x86-64's value — address families, socket types and
 * flags, protocols and levels, `MSG_*`, `SHUT_*`, `fcntl`/`ioctl` numbers,
 * `EPOLL*`, `POLL*`, `INADDR_*`, `FD_SETSIZE`, `WNOHANG`. Nothing else
 * lives here, so `import * as C from "sockstack/constants"` gives the
 * headers (`<sys/socket.h>`, `<sys/epoll.h>`, `<poll.h>`, `<netinet/in.h>`)
 * as one namespace. The package root `sockstack` re-exports the same
 * names, for programs translated from C that use them bare; every call
 * also accepts the names as strings (`"AF_INET"`, `"EPOLLIN|EPOLLET"`).
 * Socket option numbers are in docs/syscalls.md; calls take option names.
 *
 * @example
 * import * as C from "sockstack/constants";
 *
 * C.AF_INET === 2;
 * (C.SOCK_STREAM | C.SOCK_NONBLOCK) === 0o4001;
 * C.INADDR_LOOPBACK === 0x7f000001;
 * (C.POLLIN | C.POLLOUT) === 5;
 */

// AF_*, SOCK_*, IPPROTO_*, SOL_*, MSG_*, SHUT_*, F_*, FD_CLOEXEC, O_*, FIONREAD…;
// CONSTANTS is the name → value table the string forms use.
export * from "./socket/constants.js";
export {
  EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDNORM, EPOLLRDBAND, EPOLLWRNORM, EPOLLWRBAND, EPOLLMSG,
  EPOLLRDHUP, EPOLLEXCLUSIVE, EPOLLWAKEUP, EPOLLONESHOT, EPOLLET, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLL_CLOEXEC,
} from "./sys/epoll.js";
export {
  POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLRDBAND, POLLWRNORM, POLLWRBAND, POLLMSG, POLLRDHUP,
} from "./core/poll-events.js";
export { INADDR_ANY, INADDR_LOOPBACK, INADDR_BROADCAST, INADDR_NONE, INET_ADDRSTRLEN, INET6_ADDRSTRLEN } from "./sys/inet.js";
export { FD_SETSIZE } from "./sys/select-poll.js";
export { WNOHANG } from "./sys/process.js";
