# Crafts MLD messages (queries v1/v2, reports v2 with and without sources) behind a
# hop-by-hop router alert, writes mld-crafted.pcap, and prints them with this
# machine's tcpdump: mld-crafted.tcpdump.txt (-nn), -v.txt (-nn -v), -vv.txt (-nn -vv).
import os, socket, struct, subprocess

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

A = lambda t: socket.inet_pton(socket.AF_INET6, t)

def frame(src, dst, icmp):
    ph = A(src) + A(dst) + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", csum(ph + icmp)) + icmp[4:]
    hbh = bytes([58, 0, 5, 2, 0, 0, 1, 0])
    ip = struct.pack("!IHBB", 0x60000000, len(hbh) + len(icmp), 0, 1) + A(src) + A(dst)
    return bytes.fromhex("3333000000010200000000" + "0286dd") + ip + hbh + icmp

def query(mrc, group, qrv=2, qqic=125, sources=()):
    return bytes([130, 0, 0, 0]) + struct.pack("!HH", mrc, 0) + A(group) + bytes([qrv, qqic]) + struct.pack("!H", len(sources)) + b"".join(A(s) for s in sources)

def report(records):
    body = b"".join(bytes([t, 0]) + struct.pack("!H", len(srcs)) + A(g) + b"".join(A(s) for s in srcs) for t, g, srcs in records)
    return bytes([143, 0, 0, 0]) + struct.pack("!HH", 0, len(records)) + body

R = "fe80::ff:fe00:2"
pk = [
    frame(R, "ff02::1", query(1000, "::")),
    frame(R, "ff02::1:ff00:1", query(10000, "ff02::1:ff00:1")),
    frame(R, "ff02::1", query(40000, "ff02::1:ff00:1", qqic=200, sources=("2001:db8::5", "2001:db8::6"))),
    frame(R, "ff02::1", bytes([130, 0, 0, 0]) + struct.pack("!HH", 1000, 0) + A("::")),
    frame("fe80::ff:fe00:1", "ff02::16", report([(4, "ff02::1:ff01:1", ()), (2, "ff02::1:ff00:1", ())])),
    frame("fe80::ff:fe00:1", "ff02::16", report([(3, "ff05::1:3", ("2001:db8::7",)), (6, "ff05::2", ("2001:db8::8", "2001:db8::9"))])),
]
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "mld-crafted.pcap"), "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, p in enumerate(pk):
        f.write(struct.pack("<IIII", i, 0, len(p), len(p)))
        f.write(p)
for flag, name in (("", "tcpdump"), ("-v", "tcpdump-v"), ("-vv", "tcpdump-vv")):
    out = subprocess.run(["tcpdump", "-nn"] + ([flag] if flag else []) + ["-r", os.path.join(here, "mld-crafted.pcap")], capture_output=True, text=True).stdout
    with open(os.path.join(here, f"mld-crafted.{name}.txt"), "w") as f:
        f.write("".join(l[16:] + "\n" for l in out.splitlines() if not l.startswith((" ", "\t"))))
