"""
Linux 6.18's flow-label socket options, for ipv6-flowlabel.test.ts:
IPV6_FLOWINFO (recvmsg's IPV6_FLOWINFO control message), IPV6_FLOWINFO_SEND
(sin6_flowinfo's label on sendto and connect), IPV6_AUTOFLOWLABEL and the
sysctl net.ipv6.auto_flowlabels (0 off, 1 opt-out, 2 opt-in, 3 forced);
getsockopt(IPV6_FLOWLABEL_MGR). The receiver in B reports each datagram's
IPV6_FLOWINFO value (tclass << 20 | label), or null without one.

Run as root; it makes two namespaces joined by a veth pair and deletes them:
  python3 test/syscalls/ipv6-flowlabel-probe.py > test/syscalls/ipv6-flowlabel-linux.json
(Linux 6.18 produced the committed fixture.)
"""
import sys, socket as S, struct, json, os, subprocess, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_ns import delete, enter, fresh, outcome as e, report, sh
A,B="fla","flb"
fresh(A, B)
sh(f"ip link add va netns {A} type veth peer name vb netns {B}")
sh(f"ip -n {A} addr add 2001:db8::1/64 dev va nodad; ip -n {A} link set va up; ip -n {B} addr add 2001:db8::2/64 dev vb nodad; ip -n {B} link set vb up")
IPV6_FLOWINFO, IPV6_FLOWLABEL_MGR, IPV6_FLOWINFO_SEND, IPV6_AUTOFLOWLABEL = 11, 32, 33, 70
out={}
pid=os.fork()
if pid==0:
    enter(B); u=S.socket(S.AF_INET6,S.SOCK_DGRAM); u.bind(("::",9)); u.settimeout(2)
    u.setsockopt(41,IPV6_FLOWINFO,1)
    res=[]
    try:
        while True:
            d,anc,fl,a=u.recvmsg(100,256)
            res.append([d.decode(), [[l,t,c.hex()] for l,t,c in anc], list(a)])
    except Exception: pass
    open("/tmp/flowlabel-probe-rx.json","w").write(json.dumps(res)); os._exit(0)
enter(A); time.sleep(0.2)
out["sysctl auto_flowlabels"]=open("/proc/sys/net/ipv6/auto_flowlabels").read().strip()
out["sysctl flowlabel_reflect"]=open("/proc/sys/net/ipv6/flowlabel_reflect").read().strip()
for t,n in ((S.SOCK_DGRAM,"udp"),(S.SOCK_STREAM,"tcp")):
    s=S.socket(S.AF_INET6,t)
    for nm,o in (("IPV6_FLOWINFO",IPV6_FLOWINFO),("IPV6_FLOWINFO_SEND",IPV6_FLOWINFO_SEND),("IPV6_AUTOFLOWLABEL",IPV6_AUTOFLOWLABEL)):
        out[f"{n} get {nm}"]=e(lambda: s.getsockopt(41,o))
        out[f"{n} set {nm} 1"]=e(lambda: s.setsockopt(41,o,1))
        out[f"{n} get {nm} after 1"]=e(lambda: s.getsockopt(41,o))
        out[f"{n} set {nm} 0"]=e(lambda: s.setsockopt(41,o,0))
    out[f"{n} set IPV6_AUTOFLOWLABEL 2"]=e(lambda: s.setsockopt(41,IPV6_AUTOFLOWLABEL,2))
    out[f"{n} get IPV6_FLOWLABEL_MGR"]=e(lambda: s.getsockopt(41,IPV6_FLOWLABEL_MGR,32).hex())
dst=("2001:db8::2",9)
s=S.socket(S.AF_INET6,S.SOCK_DGRAM)
out["send auto"]=e(lambda: s.sendto(b"auto",dst))
s.setsockopt(41,IPV6_AUTOFLOWLABEL,0)
out["send autoflowlabel 0"]=e(lambda: s.sendto(b"noauto",dst))
s2=S.socket(S.AF_INET6,S.SOCK_DGRAM)
out["sendto flowinfo 0x12345 without FLOWINFO_SEND"]=e(lambda: s2.sendto(b"fi-nosend",("2001:db8::2",9,0x12345,0)))
s2.setsockopt(41,IPV6_FLOWINFO_SEND,1)
out["sendto flowinfo 0x12345 with FLOWINFO_SEND"]=e(lambda: s2.sendto(b"fi-send",("2001:db8::2",9,0x12345,0)))
out["sendto flowinfo 0 with FLOWINFO_SEND"]=e(lambda: s2.sendto(b"fi-send0",("2001:db8::2",9,0,0)))
out["connect flowinfo 0x12345 with FLOWINFO_SEND"]=e(lambda: s2.connect(("2001:db8::2",9,0x12345,0)))
os.system("sysctl -qw net.ipv6.auto_flowlabels=0")
s3=S.socket(S.AF_INET6,S.SOCK_DGRAM)
out["auto_flowlabels 0: get IPV6_AUTOFLOWLABEL"]=s3.getsockopt(41,IPV6_AUTOFLOWLABEL)
out["send auto_flowlabels 0"]=e(lambda: s3.sendto(b"sys0",dst))
s3.setsockopt(41,IPV6_AUTOFLOWLABEL,1)
out["send auto_flowlabels 0, socket 1"]=e(lambda: s3.sendto(b"sys0sock1",dst))
os.system("sysctl -qw net.ipv6.auto_flowlabels=2")
s4=S.socket(S.AF_INET6,S.SOCK_DGRAM)
out["auto_flowlabels 2: get IPV6_AUTOFLOWLABEL"]=s4.getsockopt(41,IPV6_AUTOFLOWLABEL)
out["send auto_flowlabels 2"]=e(lambda: s4.sendto(b"sys2",dst))
s4.setsockopt(41,IPV6_AUTOFLOWLABEL,1)
out["send auto_flowlabels 2, socket 1"]=e(lambda: s4.sendto(b"sys2sock1",dst))
os.system("sysctl -qw net.ipv6.auto_flowlabels=3")
s5=S.socket(S.AF_INET6,S.SOCK_DGRAM)
out["auto_flowlabels 3: get IPV6_AUTOFLOWLABEL"]=s5.getsockopt(41,IPV6_AUTOFLOWLABEL)
out["send auto_flowlabels 3"]=e(lambda: s5.sendto(b"sys3",dst))
os.waitpid(pid,0)
rx=json.load(open("/tmp/flowlabel-probe-rx.json"))
os.unlink("/tmp/flowlabel-probe-rx.json")
out["received IPV6_FLOWINFO"]={p: (int(c[0][2], 16) if c else None) for p, c, _ in rx}
out["received sin6_flowinfo"]=sorted({a[2] for _, _, a in rx})
report(out)
delete(A, B)
