# Linux probe behind test/pkt/linux/icmp-syn-sent-quoted-seq.pkt: which quoted
# sequence numbers make an ICMP host unreachable fail a connect() in SYN-SENT.
# Run as root from a shell (it makes and deletes two namespaces):
#   mkdir -p /tmp/tcpicmp && ip netns add ta && ip netns add tb &&
#   ip link add va netns ta type veth peer name vb netns tb &&
#   ip -n ta addr add 10.9.0.1/24 dev va && ip -n tb addr add 10.9.0.2/24 dev vb &&
#   ip -n ta link set va up && ip -n tb link set vb up &&
#   ip -n ta neigh add 10.9.0.3 lladdr $(ip -n tb -j link show vb | python3 -c 'import json,sys;print(json.load(sys.stdin)[0]["address"])') dev va &&
#   ip netns exec ta python3 test/tcp/linux-icmp-quoted-seq-probe.py; ip netns del ta; ip netns del tb
# Linux 6.18 prints:
#   SYN-SENT, quoted seq = ISN+0: connect -> EHOSTUNREACH, OutOfWindowIcmps +0
#   SYN-SENT, quoted seq = ISN+1: connect -> EHOSTUNREACH, OutOfWindowIcmps +0
#   SYN-SENT, quoted seq = ISN+2: connect -> timeout, OutOfWindowIcmps +1
#   SYN-SENT, quoted seq = ISN-1: connect -> timeout, OutOfWindowIcmps +1
# Runs in netns ta (10.9.0.1). The SYN goes to 10.9.0.3 (a static neighbour: tb's MAC), which tb's
# kernel drops silently; tb sniffs it on a packet socket and answers with ICMP host unreachable from
# 10.9.0.2 quoting the SYN with its sequence number moved by DELTA.
import socket, struct, os, sys, time, errno
def oow():
    for line in open("/proc/net/netstat"):
        if line.startswith("TcpExt:") and "OutOfWindowIcmps" in line: keys=line.split()
        elif line.startswith("TcpExt:"): return int(line.split()[keys.index("OutOfWindowIcmps")])
for delta in [0, 1, 2, -1]:
    pid=os.fork()
    if pid==0:
        os.execvp('ip',['ip','netns','exec','tb','python3','-c',f'''
import socket,struct
def csum(b):
    if len(b)%2: b+=b"\\0"
    s=sum(struct.unpack("!%dH"%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16; return (~s)&0xffff
p=socket.socket(socket.AF_PACKET,socket.SOCK_RAW,socket.htons(0x0800)); p.bind(("vb",0)); p.settimeout(3)
open("/tmp/tcpicmp/ready","w").close()
while True:
    f=p.recv(2000)[14:]
    if f[9]==6 and f[16:20]==bytes([10,9,0,3]): break
ihl=(f[0]&15)*4
seq=struct.unpack("!I",f[ihl+4:ihl+8])[0]
q=bytearray(f[:ihl+8]); q[ihl+4:ihl+8]=struct.pack("!I",(seq+({delta}))&0xffffffff)
ic=struct.pack("!BBHI",3,1,0,0)+bytes(q)
ic=ic[:2]+struct.pack("!H",csum(ic))+ic[4:]
s=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_ICMP)
s.sendto(ic,("10.9.0.1",0))
'''])
    while not os.path.exists("/tmp/tcpicmp/ready"): time.sleep(0.02)
    os.unlink("/tmp/tcpicmp/ready")
    before=oow()
    c=socket.socket(); c.settimeout(1.5)
    try:
        c.connect(("10.9.0.3",80)); res="connected"
    except socket.timeout: res="timeout"
    except OSError as e: res=errno.errorcode[e.errno]
    os.waitpid(pid,0)
    print(f"SYN-SENT, quoted seq = ISN{delta:+d}: connect -> {res}, OutOfWindowIcmps +{oow()-before}")
