/**
 * A LAN exercise shared by the Ethernet tests: every host runs a TCP echo
 * server on port 7 (a daemon), and every pair of hosts exchanges one
 * message through it, each connection from the lower-numbered host.
 */
import type { Host } from "../../src/host/host.js";
import type { Network } from "../../src/sim/network.js";

/** Options of {@link echoBetweenAllPairs}. */
export interface MeshOptions {
  /** How many times each message repeats its `a->b ` tag (its size). */
  repeat: number;
  /** Dial the peer by host name (getaddrinfo) instead of by its address. */
  byName?: boolean;
}

/**
 * Runs the exchange to completion (`net.run()`) and resolves to one result
 * per pair: `ok`, or `mismatch a->b` when the echo differed.
 * @example const r = await echoBetweenAllPairs(net, hosts, { repeat: 200 }); // 190 "ok" for 20 hosts
 */
export async function echoBetweenAllPairs(net: Network, hosts: readonly Host[], opts: MeshOptions): Promise<string[]> {
  for (const h of hosts) {
    h.spawn("echo", async (p) => {
      const l = p.socket("AF_INET", "SOCK_STREAM");
      p.bind(l, ["0.0.0.0", 7]);
      p.listen(l, 64);
      for (;;) {
        const { fd } = await p.accept(l);
        void (async () => {
          for (;;) {
            const d = await p.recv(fd, 65536);
            if (d.length === 0) break;
            await p.send(fd, d);
          }
          p.close(fd);
        })();
      }
    }, { daemon: true });
  }
  const results: Promise<string>[] = [];
  for (let i = 0; i < hosts.length; i++) {
    for (let j = i + 1; j < hosts.length; j++) {
      const from = hosts[i]!, to = hosts[j]!;
      const msg = `${from.name}->${to.name} `.repeat(opts.repeat);
      results.push(from.spawn(`c${j}`, async (p) => {
        const fd = p.socket("AF_INET", "SOCK_STREAM");
        await p.connect(fd, [opts.byName ? to.name : to.address, 7]);
        await p.send(fd, msg);
        let got = "";
        while (got.length < msg.length) got += new TextDecoder().decode(await p.recv(fd, 65536));
        p.close(fd);
        return got === msg ? "ok" : `mismatch ${from.name}->${to.name}`;
      }).result);
    }
  }
  await net.run();
  return Promise.all(results);
}
