/**
 * E8 D7: seed 4's select and poll servers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../../examples/select-poll-server.js";
import { printed } from "./run-example.js";

test("E8 example, select: nfds = maxfd + 1, the set copied before each call; a closed fd's number is reused but maxfd stays", async () => {
  assert.equal(await printed(main), `\
    2.0 ms  [client a] connected (fd 3)
    2.0 ms  [client b] connected (fd 3)
    2.0 ms  [client a] sent "one"
    2.0 ms  [client b] sent "uno"
    3.0 ms  [server] select(nfds = 4) = 1
    3.0 ms  [server]   accepted fd 4
    3.0 ms  [server] select(nfds = 5) = 2
    3.0 ms  [server]   accepted fd 5
    3.0 ms  [server]   fd 4: "one"
    3.0 ms  [server] select(nfds = 6) = 1
    3.0 ms  [server]   fd 5: "uno"
    4.0 ms  [client a] got "ONE"
    4.0 ms  [client b] got "UNO"
  104.0 ms  [client a] sent "two"
  104.0 ms  [client b] sent "dos"
  105.0 ms  [server] select(nfds = 6) = 2
  105.0 ms  [server]   fd 4: "two"
  105.0 ms  [server]   fd 5: "dos"
  106.0 ms  [client a] got "TWO"
  106.0 ms  [client b] got "DOS"
  207.0 ms  [server] select(nfds = 6) = 2
  207.0 ms  [server]   fd 4: closed by the client
  207.0 ms  [server]   fd 5: closed by the client
  302.0 ms  [client c] connected (fd 3)
  302.0 ms  [client c] sent "drei"
  303.0 ms  [server] select(nfds = 6) = 1
  303.0 ms  [server]   accepted fd 4
  303.0 ms  [server] select(nfds = 6) = 1
  303.0 ms  [server]   fd 4: "drei"
  304.0 ms  [client c] got "DREI"
  305.0 ms  [server] select(nfds = 6) = 1
  305.0 ms  [server]   fd 4: closed by the client
`);
});

test("E8 example, poll: an array of pollfd entries, no +1; a closed connection's entry is skipped (fd -1) and reused", async () => {
  assert.equal(await printed((print) => main(print, "poll")), `\
    2.0 ms  [client a] connected (fd 3)
    2.0 ms  [client b] connected (fd 3)
    2.0 ms  [client a] sent "one"
    2.0 ms  [client b] sent "uno"
    3.0 ms  [server] poll(1 fds) = 1
    3.0 ms  [server]   accepted fd 4
    3.0 ms  [server] poll(2 fds) = 2
    3.0 ms  [server]   accepted fd 5
    3.0 ms  [server]   fd 4: "one"
    3.0 ms  [server] poll(3 fds) = 1
    3.0 ms  [server]   fd 5: "uno"
    4.0 ms  [client a] got "ONE"
    4.0 ms  [client b] got "UNO"
  104.0 ms  [client a] sent "two"
  104.0 ms  [client b] sent "dos"
  105.0 ms  [server] poll(3 fds) = 2
  105.0 ms  [server]   fd 4: "two"
  105.0 ms  [server]   fd 5: "dos"
  106.0 ms  [client a] got "TWO"
  106.0 ms  [client b] got "DOS"
  207.0 ms  [server] poll(3 fds) = 2
  207.0 ms  [server]   fd 4: closed by the client
  207.0 ms  [server]   fd 5: closed by the client
  302.0 ms  [client c] connected (fd 3)
  302.0 ms  [client c] sent "drei"
  303.0 ms  [server] poll(1 fds) = 1
  303.0 ms  [server]   accepted fd 4
  303.0 ms  [server] poll(2 fds) = 1
  303.0 ms  [server]   fd 4: "drei"
  304.0 ms  [client c] got "DREI"
  305.0 ms  [server] poll(2 fds) = 1
  305.0 ms  [server]   fd 4: closed by the client
`);
});
