import socket, struct, time, os
H='127.0.0.1'
def tcp_session():
    srv=socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR,1); srv.bind((H,9090)); srv.listen(8)
    c=socket.socket(); c.bind((H,47513)); c.connect((H,9090))
    s,_=srv.accept()
    c.sendall(b'hello\n'); time.sleep(0.05)
    s.recv(100); s.sendall(b'world!\n'); time.sleep(0.05)
    c.recv(100)
    c.shutdown(socket.SHUT_WR); time.sleep(0.05)
    s.recv(100); s.close(); time.sleep(0.05)
    c.close(); time.sleep(0.05)
    # RST via SO_LINGER 0
    c=socket.socket(); c.bind((H,47514)); c.connect((H,9090)); s,_=srv.accept()
    c.sendall(b'x'*10); time.sleep(0.05); s.recv(100)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii',1,0)); c.close(); time.sleep(0.05)
    s.close(); srv.close()
    # connection to closed port
    c=socket.socket(); c.bind((H,47515))
    try: c.connect((H,9999))
    except OSError as e: print('refused', e)
    c.close(); time.sleep(0.05)
def udp():
    r=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind((H,7777))
    u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((H,40000))
    u.sendto(b'ping over udp', (H,7777)); r.recvfrom(100); time.sleep(0.05)
    u.sendto(b'', (H,7777)); r.recvfrom(100); time.sleep(0.05)
    u.sendto(b'nobody home', (H,9998)); time.sleep(0.05)
    # fragmented datagram (lo mtu 1500 in this netns)
    u.sendto(bytes(range(256))*12, (H,7777)); r.recvfrom(5000); time.sleep(0.05)
def icmp_echo():
    s=socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    data=bytes(range(0x10,0x10+56))
    hdr=struct.pack('!BBHHH',8,0,0,5,1)
    def ck(b):
        if len(b)%2: b+=b'\0'
        t=sum(struct.unpack('!%dH'%(len(b)//2),b)); 
        while t>>16: t=(t&0xffff)+(t>>16)
        return ~t&0xffff
    c=ck(hdr+data); hdr=struct.pack('!BBHHH',8,0,c,5,1)
    s.sendto(hdr+data,(H,0)); s.recvfrom(200); s.recvfrom(200); time.sleep(0.05)
tcp_session(); udp(); icmp_echo()
