/**
 * poll(2)/epoll(7) event bits, Linux values. Sockets report readiness with
 * these bits and wait queues wake waiters whose mask intersects them.
 */
export const POLLIN = 0x001;
export const POLLPRI = 0x002;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;
export const POLLRDNORM = 0x040;
export const POLLRDBAND = 0x080;
export const POLLWRNORM = 0x100;
export const POLLWRBAND = 0x200;
export const POLLMSG = 0x400;
export const POLLRDHUP = 0x2000;
/** Every bit a waiter can ask for. */
export const POLL_ALL = 0xffff;

/** poll(2) event names → values, for the string forms (`events: "POLLIN|POLLOUT"`). */
export const POLL_CONSTANTS: Readonly<Record<string, number>> = {
  POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDNORM, POLLRDBAND, POLLWRNORM, POLLWRBAND, POLLMSG, POLLRDHUP,
};
