/**
 * H4 E8 D7: seed 4's epoll event loop, edge-triggered.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../../examples/epoll-server.js";
import { printed } from "./run-example.js";

test("H4 E8 example: one thread, epoll_wait reports the ready fds; edge-triggered non-blocking connections are read until EAGAIN", async () => {
  assert.equal(await printed(main), `\
    2.0 ms  [client a] connected (fd 3)
    2.0 ms  [client a] sent "hello"
    3.0 ms  [server] epoll_wait: 1 ready (fd 3)
    3.0 ms  [server]   accepted fd 5 (non-blocking, EPOLLIN|EPOLLET)
    3.0 ms  [server] epoll_wait: 1 ready (fd 5)
    3.0 ms  [server]   fd 5: read "hell"
    3.0 ms  [server]   fd 5: read "o"
    3.0 ms  [server]   fd 5: read: EAGAIN, drained
    6.0 ms  [client a] got "HELLO"
   52.0 ms  [client b] connected (fd 3)
   52.0 ms  [client b] sent "epoll"
   53.0 ms  [server] epoll_wait: 1 ready (fd 3)
   53.0 ms  [server]   accepted fd 6 (non-blocking, EPOLLIN|EPOLLET)
   53.0 ms  [server] epoll_wait: 1 ready (fd 6)
   53.0 ms  [server]   fd 6: read "epol"
   53.0 ms  [server]   fd 6: read "l"
   53.0 ms  [server]   fd 6: read: EAGAIN, drained
   56.0 ms  [client b] got "EPOLL"
   57.0 ms  [server] epoll_wait: 1 ready (fd 6)
   57.0 ms  [server]   fd 6: closed
  106.0 ms  [client a] sent "world"
  107.0 ms  [server] epoll_wait: 1 ready (fd 5)
  107.0 ms  [server]   fd 5: read "worl"
  107.0 ms  [server]   fd 5: read "d"
  107.0 ms  [server]   fd 5: read: EAGAIN, drained
  110.0 ms  [client a] got "WORLD"
  211.0 ms  [server] epoll_wait: 1 ready (fd 5)
  211.0 ms  [server]   fd 5: closed
`);
});
