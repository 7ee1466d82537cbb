/**
 * An application-level heartbeat (seed 3 "SO_KEEPALIVE VS 应用层心跳包机制",
 * H9): every `intervalMs` the client sends PING and expects PONG within
 * `timeoutMs`. Unlike TCP keepalive, which the peer's kernel answers, a PONG
 * proves the peer *application* is alive and serving.
 */
import { POLLIN } from "../../src/core/poll-events.js";
import type { Process } from "../../src/sys/process.js";

const PING = "PING\n";
const PONG = "PONG\n";

/** Heartbeat settings. */
export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Current virtual time in ms (for the report). */
  now: () => number;
}

/**
 * Sends heartbeats on `fd` until a PONG is late or the connection fails;
 * then closes `fd` and returns why (`"no PONG within 5000 ms (sent at 40000 ms)"`).
 */
export async function heartbeat(p: Process, fd: number, o: HeartbeatOptions): Promise<string> {
  let why: string;
  try {
    for (;;) {
      await p.poll([], o.intervalMs);
      const sentAt = o.now();
      await p.sendall(fd, PING);
      const fds = [{ fd, events: POLLIN, revents: 0 }];
      if ((await p.poll(fds, o.timeoutMs)) === 0) {
        why = `no PONG within ${o.timeoutMs} ms (sent at ${sentAt} ms)`;
        break;
      }
      const d = await p.recvExactly(fd, PONG.length);
      if (d.length < PONG.length) {
        why = "peer closed";
        break;
      }
    }
  } catch (e) {
    why = (e as Error).message;
  }
  await p.close(fd);
  return why;
}

/** Answers `answers` PINGs with PONG, then hangs: it never reads, answers or closes again. */
export async function pongServer(p: Process, fd: number, answers: number): Promise<void> {
  for (let i = 0; i < answers; i++) {
    const d = await p.recvExactly(fd, PING.length);
    if (d.length === 0) return;
    await p.sendall(fd, PONG);
  }
  await new Promise<void>(() => {}); // stuck for good: not reading, not answering, not closing
}
