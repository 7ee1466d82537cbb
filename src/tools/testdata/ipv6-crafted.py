# craft ICMPv6 messages and print them with this machine's tcpdump (reference texts)
import struct, socket, subprocess
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b)); 
    while s>>16: s=(s&0xffff)+(s>>16)
    return (~s)&0xffff
def ip6(src,dst,nh,payload,hl=64):
    return struct.pack('!IHBB',0x60000000,len(payload),nh,hl)+socket.inet_pton(socket.AF_INET6,src)+socket.inet_pton(socket.AF_INET6,dst)+payload
def icmp6(src,dst,t,c,word,body):
    m=struct.pack('!BBHI',t,c,0,word)+body
    ph=socket.inet_pton(socket.AF_INET6,src)+socket.inet_pton(socket.AF_INET6,dst)+struct.pack('!IxxxB',len(m),58)
    cs=csum(ph+m); m=m[:2]+struct.pack('!H',cs)+m[4:]
    return ip6(src,dst,58,m,255 if t>=133 else 64)
q=ip6('2001:db8::1','2001:db8:2::5',58,struct.pack('!BBHI',128,0,0,0x12340001)+b'x'*8)
qu=ip6('2001:db8::1','2001:db8:2::5',17,struct.pack('!HHHH',40000,9999,13,0)+b'hello')
pk=[icmp6('2001:db8::9','2001:db8::1',2,0,1280,q),
icmp6('2001:db8::9','2001:db8::1',3,0,0,q),
icmp6('2001:db8::9','2001:db8::1',3,1,0,q),
icmp6('2001:db8::9','2001:db8::1',4,0,42,q),
icmp6('2001:db8::9','2001:db8::1',4,1,40,q),
icmp6('2001:db8::9','2001:db8::1',4,2,44,q),
icmp6('2001:db8::9','2001:db8::1',1,0,0,q),
icmp6('2001:db8::9','2001:db8::1',1,2,0,q),
icmp6('2001:db8::9','2001:db8::1',1,3,0,q),
icmp6('2001:db8::9','2001:db8::1',1,4,0,qu),
icmp6('2001:db8::9','2001:db8::1',1,1,0,q),
icmp6('fe80::1','ff02::1',134,0,0x40000708,struct.pack('!II',0,0)+bytes([1,1,2,0,0,0,0,1])+bytes([5,1,0,0])+struct.pack('!I',1400)+bytes([3,4,64,0xc0])+struct.pack('!III',86400,14400,0)+socket.inet_pton(socket.AF_INET6,'2001:db8:1::')),
icmp6('fe80::2','ff02::2',133,0,0,bytes([1,1,2,0,0,0,0,2])),
icmp6('::','ff02::1:ff00:2',135,0,0,socket.inet_pton(socket.AF_INET6,'2001:db8::2')+bytes([14,1,1,2,3,4,5,6])),
icmp6('2001:db8::2','ff02::1',136,0,0x20000000,socket.inet_pton(socket.AF_INET6,'2001:db8::2')+bytes([2,1,2,0,0,0,0,2])),
icmp6('2001:db8::2','2001:db8::1',136,0,0xe0000000,socket.inet_pton(socket.AF_INET6,'2001:db8::2')),
icmp6('2001:db8::2','2001:db8::1',129,0,0x12340001,b'abcdefgh'),
ip6('2001:db8::1','2001:db8::2',43,bytes([58,2,0,1,0,0,0,0])+socket.inet_pton(socket.AF_INET6,'2001:db8::9')+struct.pack('!BBHI',128,0,0,0x12340001)),
ip6('2001:db8::1','2001:db8::2',60,bytes([59,0,0x9e,0,1,2,0,0])),
ip6('2001:db8::1','2001:db8::2',0,bytes([58,0,5,2,0,0,1,0])+struct.pack('!BBHI',128,0,0,0x12340001)),
ip6('2001:db8::1','2001:db8::2',253,b'\0'*8),
ip6('2001:db8::1','2001:db8::2',59,b''),
ip6('2001:db8::1','2001:db8::2',6,struct.pack('!HHIIBBHHH',40000,80,1000,0,0x50,0x02,65535,0,0)),
ip6('2001:db8::1','2001:db8::2',44,bytes([6,0,0,1,0,0,0,7])+struct.pack('!HHIIBBHHH',40000,80,1000,0,0x50,0x02,65535,0,0)),
ip6('2001:db8::1','2001:db8::2',44,bytes([58,0,0,9,0,0,0,7])+struct.pack('!BBHI',128,0,0,0x12340001)),
]
with open('ipv6-crafted.pcap','wb') as f:
    f.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,229))
    for i,p in enumerate(pk):
        f.write(struct.pack('<IIII',i,0,len(p),len(p))+p)
