/**
 * The names of the multiplexing calls' arguments (poll events, epoll
 * events, epoll_ctl operations, epoll_create1 flags, waitpid options; open,
 * pipe2, lseek and splice flags) as
 * tables for the run-time checks and literal unions for the types, like
 * socket/names.ts does for the socket calls.
 */
import { POLLERR, POLLHUP, POLLIN, POLLMSG, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDHUP, POLLRDNORM, POLLWRBAND, POLLWRNORM } from "../core/poll-events.js";
import { nameTable } from "../socket/names.js";
import {
  EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLERR, EPOLLET, EPOLLEXCLUSIVE, EPOLLHUP, EPOLLIN,
  EPOLLMSG, EPOLLONESHOT, EPOLLOUT, EPOLLPRI, EPOLLRDBAND, EPOLLRDHUP, EPOLLRDNORM, EPOLLWAKEUP, EPOLLWRBAND, EPOLLWRNORM,
} from "./epoll.js";
import {
  O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_LARGEFILE, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY,
  SEEK_CUR, SEEK_END, SEEK_SET,
} from "./fs.js";
import { SPLICE_F_GIFT, SPLICE_F_MORE, SPLICE_F_MOVE, SPLICE_F_NONBLOCK } from "./splice-flags.js";

/** poll(2) event names. */
export type PollEventName =
  | "POLLIN" | "POLLPRI" | "POLLOUT" | "POLLERR" | "POLLHUP" | "POLLNVAL" | "POLLRDNORM" | "POLLRDBAND"
  | "POLLWRNORM" | "POLLWRBAND" | "POLLMSG" | "POLLRDHUP";
/** epoll event and control-bit names. */
export type EpollEventName =
  | "EPOLLIN" | "EPOLLPRI" | "EPOLLOUT" | "EPOLLERR" | "EPOLLHUP" | "EPOLLRDNORM" | "EPOLLRDBAND" | "EPOLLWRNORM"
  | "EPOLLWRBAND" | "EPOLLMSG" | "EPOLLRDHUP" | "EPOLLEXCLUSIVE" | "EPOLLWAKEUP" | "EPOLLONESHOT" | "EPOLLET";
/** epoll_ctl operations. */
export type EpollOpName = "EPOLL_CTL_ADD" | "EPOLL_CTL_DEL" | "EPOLL_CTL_MOD";
/** epoll_create1 flags. */
export type EpollCreateFlagName = "EPOLL_CLOEXEC";
/** waitpid options. */
export type WaitOptionName = "WNOHANG";

/** poll events. */
export const POLL_EVENTS = nameTable<PollEventName>("poll event", {
  POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLRDBAND, POLLWRNORM, POLLWRBAND, POLLMSG, POLLRDHUP,
});
/** epoll events. */
export const EPOLL_EVENTS = nameTable<EpollEventName>("epoll event", {
  EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDNORM, EPOLLRDBAND, EPOLLWRNORM, EPOLLWRBAND, EPOLLMSG,
  EPOLLRDHUP, EPOLLEXCLUSIVE, EPOLLWAKEUP, EPOLLONESHOT, EPOLLET,
});
/** epoll_ctl operations. */
export const EPOLL_OPS = nameTable<EpollOpName>("epoll_ctl operation", { EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD });
/** epoll_create1 flags. */
export const EPOLL_CREATE_FLAGS = nameTable<EpollCreateFlagName>("epoll_create1 flag", { EPOLL_CLOEXEC });
/** waitpid options (WNOHANG = 1). */
export const WAIT_OPTIONS = nameTable<WaitOptionName>("waitpid option", { WNOHANG: 1 });

/** open(2) flag names. */
export type OpenFlagName =
  | "O_RDONLY" | "O_WRONLY" | "O_RDWR" | "O_CREAT" | "O_EXCL" | "O_NOCTTY" | "O_TRUNC" | "O_APPEND" | "O_NONBLOCK"
  | "O_LARGEFILE" | "O_DIRECTORY" | "O_NOFOLLOW" | "O_CLOEXEC";
/** pipe2(2) flag names. */
export type Pipe2FlagName = "O_NONBLOCK" | "O_CLOEXEC";
/** lseek(2) whence names. */
export type WhenceName = "SEEK_SET" | "SEEK_CUR" | "SEEK_END";
/** splice(2) flag names. */
export type SpliceFlagName = "SPLICE_F_MOVE" | "SPLICE_F_NONBLOCK" | "SPLICE_F_MORE" | "SPLICE_F_GIFT";

/** open flags. */
export const OPEN_FLAGS = nameTable<OpenFlagName>("open flag", {
  O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND, O_NONBLOCK, O_LARGEFILE, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC,
});
/** pipe2 flags. */
export const PIPE2_FLAGS = nameTable<Pipe2FlagName>("pipe2 flag", { O_NONBLOCK, O_CLOEXEC });
/** lseek whence. */
export const WHENCES = nameTable<WhenceName>("lseek whence", { SEEK_SET, SEEK_CUR, SEEK_END });
/** splice flags. */
export const SPLICE_FLAGS = nameTable<SpliceFlagName>("splice flag", { SPLICE_F_MOVE, SPLICE_F_NONBLOCK, SPLICE_F_MORE, SPLICE_F_GIFT });
