# Linux probe behind src/net/net.test.ts LINUX_UDP_ICMP: which ICMP errors set
# SO_ERROR on a UDP socket, connected or not, with and without IP_RECVERR.
# Run as root from a shell (it makes and deletes two namespaces):
#   ip netns add pa && ip netns add pb && ip link add va netns pa type veth peer name vb netns pb &&
#   ip -n pa addr add 10.9.0.1/24 dev va && ip -n pb addr add 10.9.0.2/24 dev vb &&
#   ip -n pa link set va up && ip -n pb link set vb up && mkdir -p /tmp/udpprobe &&
#   ip netns exec pa python3 test/syscalls/udp-icmp-probe.py; ip netns del pa; ip netns del pb
# The peer (in pb) binds the port (so its kernel sends no port unreachable),
# reads the datagram on a raw socket and answers with the ICMP type/code asked.
import socket, struct, sys, os, errno, time
# Runs in netns A (10.9.0.1). B (10.9.0.2) gets the datagram on a raw socket and answers with ICMP type/code.
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16; return (~s)&0xffff
def run(typ, code, connected, recverr):
    r=os.fork()
    if r==0:
        os.execvp('ip',['ip','netns','exec','pb','python3','-c',f'''
import socket,struct
def csum(b):
    if len(b)%2: b+=b"\\0"
    s=sum(struct.unpack("!%dH"%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16; return (~s)&0xffff
b=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); b.bind(("10.9.0.2",9999))
r=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_UDP)
r.settimeout(3)
open("/tmp/udpprobe/ready","w").close()
pkt,_=r.recvfrom(2000)
q=pkt[:28]
ic=struct.pack("!BBHI",{typ},{code},0,0)+q
ic=ic[:2]+struct.pack("!H",csum(ic))+ic[4:]
s=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_ICMP)
s.sendto(ic,("10.9.0.1",0))
'''])
    while not os.path.exists("/tmp/udpprobe/ready"): time.sleep(0.02)
    os.unlink("/tmp/udpprobe/ready")
    u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
    if recverr: u.setsockopt(socket.IPPROTO_IP, 11, 1)  # IP_RECVERR
    u.bind(("10.9.0.1",0))
    if connected: u.connect(("10.9.0.2",9999)); u.send(b"x")
    else: u.sendto(b"x",("10.9.0.2",9999))
    os.waitpid(r,0)
    time.sleep(0.1)
    e=u.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    print(f"type={typ} code={code} connected={connected} recverr={recverr}: SO_ERROR={errno.errorcode.get(e,e)}")
for (t,c) in [(3,0),(3,1),(3,3),(3,2),(3,4),(3,13),(11,0),(12,0),(3,10)]:
    for conn in (True,False):
        for rv in (False,True):
            run(t,c,conn,rv)
