import os, fcntl, struct, socket, select, time, subprocess
TUNSETIFF=0x400454ca; IFF_TUN=1; IFF_NO_PI=0x1000
fd=os.open('/dev/net/tun', os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', b'tun0', IFF_TUN|IFF_NO_PI))
for c in ['sysctl -qw net.ipv6.conf.all.disable_ipv6=1','ip addr add 10.9.0.1/24 dev tun0','ip link set tun0 up','ip link set lo up']:
    subprocess.run(c, shell=True, check=True)
tp=subprocess.Popen(['tcpdump','-i','tun0','-U','-w','tun.pcap'], stderr=subprocess.DEVNULL)
time.sleep(1)
srv=socket.socket(); srv.bind(('10.9.0.1',9090)); srv.listen(4); srv.settimeout(3)
def ck(b):
    if len(b)%2: b+=b'\0'
    t=sum(struct.unpack('!%dH'%(len(b)//2),b))
    while t>>16: t=(t&0xffff)+(t>>16)
    return ~t&0xffff
A=socket.inet_aton('10.9.0.2'); B=socket.inet_aton('10.9.0.1')
ipid=[0x1000]
def send(flags, seq, ack, opts=b'', data=b'', win=502):
    off=(20+len(opts))//4
    th=struct.pack('!HHIIBBHHH',40001,9090,seq,ack,off<<4,flags,win,0,0)+opts
    ph=A+B+struct.pack('!BBH',0,6,len(th)+len(data))
    c=ck(ph+th+data); th=th[:16]+struct.pack('!H',c)+th[18:]
    ipid[0]+=1
    ih=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(th)+len(data),ipid[0],0x4000,64,6,0,A,B)
    ih=ih[:10]+struct.pack('!H',ck(ih))+ih[12:]
    os.write(fd, ih+th+data)
def recv():
    while True:
        r,_,_=select.select([fd],[],[],2)
        if not r: return None
        p=os.read(fd,65535)
        if p[0]>>4==4 and p[9]==6: return p
def ts(v,e): return struct.pack('!BBII',8,10,v,e)
ISS=1000000
send(2, ISS, 0, struct.pack('!BBH',2,4,1460)+b'\x04\x02'+ts(100,0)+b'\x01\x03\x03\x07', win=64240)
p=recv(); ihl=(p[0]&15)*4; irs=struct.unpack('!I',p[ihl+4:ihl+8])[0]; tsv=struct.unpack('!I',p[ihl+28:ihl+32])[0]
nop2=b'\x01\x01'
send(16, ISS+1, irs+1, nop2+ts(101,tsv))
c,_=srv.accept()
send(24, ISS+1+1000, irs+1, nop2+ts(102,tsv), b'B'*1000); recv()
send(24, ISS+1+3000, irs+1, nop2+ts(103,tsv), b'D'*1000); recv()
send(24, ISS+1+5000, irs+1, nop2+ts(104,tsv), b'F'*1000); recv()
send(24, ISS+1, irs+1, nop2+ts(105,tsv), b'A'*1000); recv()
time.sleep(0.3)
send(4, ISS+1+2000, 0)
time.sleep(0.5)
tp.terminate(); tp.wait()
