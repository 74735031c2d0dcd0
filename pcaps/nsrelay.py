#!/usr/bin/env python3
"""User-space links between two network namespaces, used by pcaps/make.sh.

This machine's kernel has no 802.1Q (CONFIG_VLAN_8021Q), ipip, sit or ip6tnl
support, so VLAN-tagged frames and a raw-IP tunnel cannot be made with
`ip link add ... type vlan/ipip`. The kernel does have tun/tap and veth, so:

  nsrelay.py tun NS1:DEV1 NS2:DEV2
      Copies IP packets between two existing tun devices (IFF_TUN|IFF_NO_PI)
      that live in two namespaces: a point-to-point "tunnel" whose capture
      (tcpdump -i DEV) has link type RAW (LINKTYPE_RAW, 101).

  nsrelay.py vlan NS:ETHDEV:TAP=TAGS[:TAP=TAGS...] NS:ETHDEV:TAP=TAGS[...]
      Acts as a VLAN-tagging switch port on each side. Frames the kernel sends
      out of TAP (a tap device) get TAGS inserted after the MAC addresses and
      are sent out of ETHDEV (one end of a veth pair) with an AF_PACKET socket;
      tagged frames arriving on ETHDEV are matched on their tag stack, untagged
      and written into the matching TAP. TAGS is outermost first, e.g.
      8100.100 (802.1Q VLAN 100) or 88a8.200+8100.300 (QinQ: 802.1ad S-tag 200
      around 802.1Q C-tag 300). A capture on ETHDEV shows the tags on the wire.

The TCP endpoints (curl, nginx) and their kernel stacks are real; only the
link layer in between is done here. Runs until killed. Standard library only.
"""

import ctypes
import fcntl
import os
import select
import socket
import struct
import sys

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN, IFF_TAP, IFF_NO_PI = 0x0001, 0x0002, 0x1000
ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
AUXDATA = struct.Struct("=IIIHHHH")  # struct tpacket_auxdata
VLAN_TPIDS = (0x8100, 0x88A8)

libc = ctypes.CDLL(None, use_errno=True)


def enter_netns(name):
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {name}: {os.strerror(err)}")
    finally:
        os.close(fd)


def open_tun(dev, tap):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    flags = (IFF_TAP if tap else IFF_TUN) | IFF_NO_PI
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", dev.encode(), flags))
    return fd


def parse_tags(spec):
    tags = []
    for t in spec.split("+"):
        tpid, vid = t.split(".")
        tags.append((int(tpid, 16), int(vid)))
    return tuple(tags)


def run_tun(a, b):
    fds = {}
    for spec in (a, b):
        ns, dev = spec.split(":")
        enter_netns(ns)
        fds[spec] = open_tun(dev, tap=False)
    fa, fb = fds[a], fds[b]
    peer = {fa: fb, fb: fa}
    while True:
        ready, _, _ = select.select([fa, fb], [], [])
        for fd in ready:
            pkt = os.read(fd, 65536)
            if pkt:
                try:
                    os.write(peer[fd], pkt)
                except OSError:
                    pass  # peer queue full: drop, as a link would


class Side:
    def __init__(self, spec):
        ns, eth, *taps = spec.split(":")
        enter_netns(ns)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        self.sock.bind((eth, ETH_P_ALL))
        self.tap_tags = {}   # tap fd -> tag stack
        self.by_tags = {}    # tag stack (vids only) -> tap fd
        for t in taps:
            dev, tags = t.split("=")
            fd = open_tun(dev, tap=True)
            st = parse_tags(tags)
            self.tap_tags[fd] = st
            self.by_tags[tuple(v for _, v in st)] = fd

    def from_tap(self, fd):
        frame = os.read(fd, 65536)
        if len(frame) < 14:
            return
        tags = b"".join(struct.pack("!HH", tpid, vid) for tpid, vid in self.tap_tags[fd])
        try:
            self.sock.send(frame[:12] + tags + frame[12:])
        except OSError:
            pass

    def from_wire(self):
        frame, anc, _, addr = self.sock.recvmsg(65536, socket.CMSG_SPACE(AUXDATA.size))
        if addr[2] == PACKET_OUTGOING or len(frame) < 14:
            return
        vids = []
        for level, typ, data in anc:
            if level == SOL_PACKET and typ == PACKET_AUXDATA and len(data) >= AUXDATA.size:
                status, _, _, _, _, tci, _tpid = AUXDATA.unpack(data[:AUXDATA.size])
                if status & TP_STATUS_VLAN_VALID or tci:
                    vids.append(tci & 0x0FFF)  # outer tag, stripped by the kernel
        body = frame[12:]
        while len(body) >= 4 and struct.unpack("!H", body[:2])[0] in VLAN_TPIDS:
            vids.append(struct.unpack("!H", body[2:4])[0] & 0x0FFF)
            body = body[4:]
        fd = self.by_tags.get(tuple(vids))
        if fd is not None:
            try:
                os.write(fd, frame[:12] + body)
            except OSError:
                pass


def run_vlan(specs):
    sides = [Side(s) for s in specs]
    handlers = {}
    for s in sides:
        handlers[s.sock.fileno()] = s.from_wire
        for fd in s.tap_tags:
            handlers[fd] = (lambda s=s, fd=fd: s.from_tap(fd))
    while True:
        ready, _, _ = select.select(list(handlers), [], [])
        for fd in ready:
            handlers[fd]()


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("tun", "vlan"):
        sys.exit(__doc__)
    if sys.argv[1] == "tun":
        run_tun(sys.argv[2], sys.argv[3])
    else:
        run_vlan(sys.argv[2:])


if __name__ == "__main__":
    main()
