/**
 * H3 A9 F7: seed 4's process-per-connection server: each child holds its connection only, the parent the listener only, children reaped on SIGCHLD.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../../examples/fork-server.js";
import { printed } from "./run-example.js";

test("H3 example: three clients served at once by three children; fd 4 in each child, fd 3 in the parent; every child reaped", async () => {
  assert.equal(await printed(main), `\
    2.0 ms  [client a] connected (fd 3)
    2.0 ms  [client b] connected (fd 3)
    2.0 ms  [client c] connected (fd 3)
    2.0 ms  [client a] sent "one"
    2.0 ms  [client b] sent "uno"
    2.0 ms  [client c] sent "eins"
    3.0 ms  [server 1000] accepted 10.0.0.1:<p1> on fd 4, forked child 1001
    3.0 ms  [server 1001] received one
    3.0 ms  [server 1000] accepted 10.0.0.1:<p2> on fd 4, forked child 1002
    3.0 ms  [server 1002] received uno
    3.0 ms  [server 1000] accepted 10.0.0.1:<p3> on fd 4, forked child 1003
    3.0 ms  [server 1003] received eins
    4.0 ms  [client a] got "ONE"
    4.0 ms  [client b] got "UNO"
    4.0 ms  [client c] got "EINS"
   50.0 ms  lsof -i -a -c server:
             COMMAND  PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME
             server  1000 root    3u  IPv4  10000      0t0  TCP *:9527 (LISTEN)
             server  1001 root    4u  IPv4  10001      0t0  TCP 10.0.0.2:9527->10.0.0.1:<p1> (ESTABLISHED)
             server  1002 root    4u  IPv4  10002      0t0  TCP 10.0.0.2:9527->10.0.0.1:<p2> (ESTABLISHED)
             server  1003 root    4u  IPv4  10003      0t0  TCP 10.0.0.2:9527->10.0.0.1:<p3> (ESTABLISHED)
  104.0 ms  [client a] sent "two"
  104.0 ms  [client c] sent "zwei"
  105.0 ms  [server 1001] received two
  105.0 ms  [server 1002] the other side has been closed.
  105.0 ms  [server 1003] received zwei
  105.0 ms  [server 1000] reaped child 1002, status 0
  106.0 ms  [client a] got "TWO"
  106.0 ms  [client c] got "ZWEI"
  206.0 ms  [client a] sent "three"
  207.0 ms  [server 1001] received three
  207.0 ms  [server 1003] the other side has been closed.
  207.0 ms  [server 1000] reaped child 1003, status 0
  208.0 ms  [client a] got "THREE"
  309.0 ms  [server 1001] the other side has been closed.
  309.0 ms  [server 1000] reaped child 1001, status 0
live processes on the server: server[1000]
`);
});
