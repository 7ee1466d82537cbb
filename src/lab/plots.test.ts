// The lab's plots: the time-sequence graph (bars per segment, retransmissions
// apart, the ACK and window lines with the receiver's window scale) and the
// cwnd/ssthresh/srtt chart, on hand-made packets and on a lossy lecture run.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { PacketFields } from "../tools/packet-fields.js";
import { LabSession } from "./session.js";
import { plotDirections, socketSamplesSvg, timeSequenceSvg, type PlotPacket } from "./plots.js";

const A = "10.0.0.1", B = "10.0.0.2";

/** A TCP packet's fields, only what the plots read. */
function pkt(t: number, from: "a" | "b", flags: string, seq: number, ack: number, length: number, window = 1000, wscale?: number): PlotPacket {
  const [src, dst, sport, dport] = from === "a" ? [A, B, 40000, 80] : [B, A, 80, 40000];
  const fields = {
    ip: { src, dst, proto: "tcp", ttl: 64, id: 0, df: true, length: 40 + length, fragOffset: 0, mf: false },
    tcp: { sport, dport, seq, ack, flags, window, length, options: wscale === undefined ? {} : { wscale } },
  } as unknown as PacketFields;
  return { t, fields };
}

const ISN = 0xfffffff0; // wraps: relative numbers must not care

test("time-sequence: a bar per segment, the retransmission apart, ack and scaled window lines", () => {
  const packets = [
    pkt(0, "a", "S", ISN, 0, 0),
    pkt(1000, "b", "S.", 5000, (ISN + 1) >>> 0, 0, 100, 7),
    pkt(2000, "a", ".", ISN + 1, 5001, 0),
    pkt(3000, "a", "P.", ISN + 1, 5001, 100),
    pkt(3000, "a", "P.", (ISN + 101) >>> 0, 5001, 100),
    pkt(4000, "b", ".", 5001, (ISN + 101) >>> 0, 0, 1),
    pkt(9000, "a", "P.", (ISN + 101) >>> 0, 5001, 100), // the second segment again
    pkt(10_000, "b", ".", 5001, (ISN + 201) >>> 0, 0, 1),
  ];
  assert.deepEqual(plotDirections(packets), [{ src: `${A}:40000`, dst: `${B}:80` }, { src: `${B}:80`, dst: `${A}:40000` }]);
  const svg = timeSequenceSvg(packets, plotDirections(packets)[0]!);
  assert.equal((svg.match(/class="seg"/g) ?? []).length, 3, "SYN and two new segments");
  assert.equal((svg.match(/class="seg retx"/g) ?? []).length, 1, "one retransmission");
  assert.match(svg, />SYN</);
  assert.match(svg, /class="ack" d="M[^"]+"/);
  assert.match(svg, /class="window" d="M[^"]+"/);
  // The last window edge is ack + (1 << 7) = 201 + 128 = 329 (the SYN-ACK's own window is not scaled):
  // the y axis reaches 300; unscaled it would stop at 202.
  assert.match(svg, />300</, "the receiver's window scale applies after its SYN");
  // Nothing sent the other way but the SYN-ACK: just its tick.
  const back = timeSequenceSvg(packets, plotDirections(packets)[1]!);
  assert.equal((back.match(/class="seg"/g) ?? []).length, 1);
  assert.match(timeSequenceSvg([], { src: "x", dst: "y" }), /nothing sent yet/);
});

test("the samples chart: cwnd, ssthresh once set, srtt", () => {
  const svg = socketSamplesSvg([
    { t: 0, cwnd: 10, ssthresh: 0x7fffffff, srttUs: 0 },
    { t: 5000, cwnd: 20, ssthresh: 0x7fffffff, srttUs: 1000 },
    { t: 9000, cwnd: 10, ssthresh: 10, srttUs: 2000 },
  ], "c", 20_000);
  assert.match(svg, /class="cwnd" d="M[^"]* H[^"]* V[^"]* H[^"]* V[^"]* H[^"]*"/, "steps");
  assert.match(svg, /class="ssthresh" d="M[^"]*"/, "ssthresh once set");
  assert.match(svg, /srtt \(max 2\.000 ms\)/);
  assert.match(socketSamplesSvg([], "c"), /no sample yet/);
});

test("on a lossy lecture: retransmitted SYNs in the fourth client's graph, cwnd samples of the first", async () => {
  const s = new LabSession(0, { impairments: { loss: 0.2 } });
  await s.advanceTo(Infinity);
  const dirs = s.directions();
  assert.equal(dirs[0]!.dst, "10.0.0.2:9090", "the first client's direction first");
  const fourth = dirs.filter((d) => d.dst === "10.0.0.2:9090")[3]!;
  assert.ok(fourth, dirs.map((d) => d.src).join(" "));
  assert.ok(/class="seg retx"/.test(timeSequenceSvg(s.packets(), fourth, s.now())), "its SYN retransmitted");
  const samples = s.samples(dirs[0]!.src, dirs[0]!.dst);
  assert.ok(samples.length >= 1 && samples.every((x) => x.cwnd >= 1));
  assert.ok(samples.some((x) => x.srttUs > 0), "an RTT was measured");
});
