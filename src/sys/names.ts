/**
 * The names of the multiplexing calls' arguments (poll events, epoll
 * events, epoll_ctl operations, epoll_create1 flags, waitpid options) as
 * tables for the run-time checks and literal unions for the types, like
 * socket/names.ts does for the socket calls.
 */
import { POLLERR, POLLHUP, POLLIN, POLLMSG, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDHUP, POLLRDNORM, POLLWRBAND, POLLWRNORM } from "../core/poll-events.js";
import { nameTable } from "../socket/names.js";
import {
  EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLERR, EPOLLET, EPOLLEXCLUSIVE, EPOLLHUP, EPOLLIN,
  EPOLLMSG, EPOLLONESHOT, EPOLLOUT, EPOLLPRI, EPOLLRDBAND, EPOLLRDHUP, EPOLLRDNORM, EPOLLWAKEUP, EPOLLWRBAND, EPOLLWRNORM,
} from "./epoll.js";

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
