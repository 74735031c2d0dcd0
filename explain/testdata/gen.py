import struct, sys
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16
    return (~s)&0xffff
C=(b'\x0a\x00\x00\x01',40000); S=(b'\x0a\x00\x00\x02',8080)
ipid=[1]
def pkt(src,dst,seq,ack,flags,payload=b'',opts=b''):
    off=(20+len(opts))//4
    tcp=struct.pack('!HHIIBBHHH',src[1],dst[1],seq&0xffffffff,ack&0xffffffff,off<<4,flags,65535,0,0)+opts
    ph=src[0]+dst[0]+struct.pack('!BBH',0,6,len(tcp)+len(payload))
    c=csum(ph+tcp+payload); tcp=tcp[:16]+struct.pack('!H',c)+tcp[18:]
    tot=20+len(tcp)+len(payload); ipid[0]+=1
    ip=struct.pack('!BBHHHBBH4s4s',0x45,0,tot,ipid[0],0x4000,64,6,0,src[0],dst[0])
    ip=ip[:10]+struct.pack('!H',csum(ip))+ip[12:]
    return ip+tcp+payload
def write(name,pkts):
    with open(name,'wb') as f:
        f.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,101))
        for t,p in pkts:
            f.write(struct.pack('<IIII',int(t),int(round((t-int(t))*1e6)),len(p),len(p))+p)
