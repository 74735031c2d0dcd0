#!/usr/bin/env python3
"""Record tshark's view of a capture as pcaps/expected/NAME.json.

Usage:
    expect.py CAPTURE OUT.json [--body URLPATH=FILE ...] [--request-body URLPATH=FILE ...]
              [--decode-as tcp.port==8082,http2 ...] [--keylog FILE]

CAPTURE may be .pcap, .pcapng or gzipped (tshark reads .gz directly).
Each --body names the response body a fetch in the capture delivered
(URLPATH as requested, FILE the bytes as the client stored them); one body
gives "body_sha256", several give a "bodies" list.

Standard library only. The numbers come from one tshark run:
    tshark -r CAPTURE -o tcp.relative_sequence_numbers:TRUE
           -o tcp.analyze_sequence_numbers:TRUE
           -T fields -E separator=/t -E occurrence=a -E aggregator=,
           -e frame.number -e ... (FIELDS below)
occurrence=a (all occurrences) instead of f, so that for tunnelled frames the
innermost address (the last occurrence) can be picked here; every other field
uses its first occurrence, which is what -E occurrence=f would print.

A second run adds the application layer to every connection ("http", "tls",
"http2"; see pcaps/README.md for the schema):
    tshark -r CAPTURE -n -2 -T pdml -Y "http || http2 || tls" [-d DECODE-AS ...]
(two passes, so that requests know their "Response in frame"). PDML keeps the
tree, so several HTTP messages, HTTP/2 frames or TLS records in one frame stay
apart (with -T fields their repeated fields would be concatenated and, for
TLS 1.3 encrypted records, tls.record.content_type is absent: tshark calls it
tls.record.opaque_type there, so the lists would not line up).
With --keylog a third run with -o tls.keylog_file:FILE adds "decrypted":
{"http": [...], "http2": {...}} to TLS connections.
A pcapng that carries its own secrets (Decryption Secrets Blocks, from
editcap --inject-secrets) is read without those blocks for the first two runs
(tshark would otherwise decrypt there too), and the third run reads the file as
it is, so "decrypted" needs no --keylog; the JSON says "decryption_secrets_blocks": N.
"""

import argparse
import collections
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

FIELDS = [
    "frame.number",
    "frame.time_epoch",
    "tcp.stream",
    "ip.src",
    "ipv6.src",
    "tcp.srcport",
    "ip.dst",
    "ipv6.dst",
    "tcp.dstport",
    "tcp.len",
    "tcp.flags.syn",
    "tcp.flags.ack",
    "tcp.flags.fin",
    "tcp.flags.reset",
    "tcp.flags.push",
    "tcp.options.mss_val",
    "tcp.options.wscale.shift",
    "tcp.options.sack_perm",
    "tcp.options.timestamp.tsval",
    "tcp.hdr_len",
    "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission",
    "tcp.analysis.out_of_order",
    "tcp.analysis.zero_window",
    "tcp.analysis.keep_alive",
    "tcp.analysis.initial_rtt",
]

# Address fields: take the innermost (last) occurrence.
LAST = {"ip.src", "ipv6.src", "ip.dst", "ipv6.dst"}


def tshark_version():
    out = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    m = re.search(r"TShark \(Wireshark\) (\S+)", out)
    v = m.group(1) if m else "unknown"
    return v.rstrip(".")


def run_tshark(path):
    cmd = ["tshark", "-r", path, "-n",
           "-o", "tcp.relative_sequence_numbers:TRUE",
           "-o", "tcp.analyze_sequence_numbers:TRUE",
           "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True)
    stderr = "\n".join(l for l in p.stderr.splitlines() if "dangerous" not in l)
    truncated = "cut short in the middle of a packet" in stderr
    if p.returncode != 0 and not truncated:
        sys.exit(f"tshark failed ({p.returncode}) on {path}:\n{stderr}")
    rows = []
    for line in p.stdout.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        row = {}
        for name, val in zip(FIELDS, cols):
            parts = val.split(",") if val else []
            if not parts:
                row[name] = ""
            elif name in LAST:
                row[name] = parts[-1]
            else:
                row[name] = parts[0]
        rows.append(row)
    return rows, truncated, stderr


def endpoint(row, src):
    if src:
        v6, v4, port = row["ipv6.src"], row["ip.src"], row["tcp.srcport"]
    else:
        v6, v4, port = row["ipv6.dst"], row["ip.dst"], row["tcp.dstport"]
    # A frame carrying an IPv6 header is written as [addr]:port, else IPv4.
    if v6:
        return f"[{v6}]:{port}"
    return f"{v4}:{port}"


def flag(row, name):
    v = row[name]
    return v not in ("", "0", "False")


def num(v, conv=int):
    return conv(v) if v != "" else None


def direction_stats(rows, syn_row):
    d = {
        "mss": None,
        "window_scale": None,
        "sack_permitted": False,
        "timestamps": False,
    }
    if syn_row is not None:
        d["mss"] = num(syn_row["tcp.options.mss_val"])
        d["window_scale"] = num(syn_row["tcp.options.wscale.shift"])
        d["sack_permitted"] = syn_row["tcp.options.sack_perm"] != ""
        d["timestamps"] = syn_row["tcp.options.timestamp.tsval"] != ""
    data = [r for r in rows if int(r["tcp.len"] or 0) > 0]
    sizes = collections.Counter(int(r["tcp.len"]) for r in data)
    opt = collections.Counter(int(r["tcp.hdr_len"]) - 20 for r in data if r["tcp.hdr_len"])
    d.update({
        "packets": len(rows),
        "data_segments": len(data),
        "payload_bytes": sum(int(r["tcp.len"]) for r in data),
        "min_segment": min(sizes) if sizes else None,
        "max_segment": max(sizes) if sizes else None,
        "sizes": {str(k): sizes[k] for k in sorted(sizes)},
        "retransmitted_segments": sum(1 for r in rows if flag(r, "tcp.analysis.retransmission")
                                      or flag(r, "tcp.analysis.fast_retransmission")),
        "out_of_order_segments": sum(1 for r in rows if flag(r, "tcp.analysis.out_of_order")),
        "zero_windows": sum(1 for r in rows if flag(r, "tcp.analysis.zero_window")),
        "keep_alives": sum(1 for r in rows if flag(r, "tcp.analysis.keep_alive")),
        "resets": sum(1 for r in rows if flag(r, "tcp.flags.reset")),
        "fins": sum(1 for r in rows if flag(r, "tcp.flags.fin")),
        "pushed_data_segments": sum(1 for r in data if flag(r, "tcp.flags.push")),
        # most common option length on data segments; ties go to the smaller
        "option_bytes_on_data": (sorted(opt.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
                                 if opt else 0),
    })
    return d


def connections(rows):
    streams = collections.OrderedDict()
    for r in rows:
        if r["tcp.stream"] == "" or r["tcp.srcport"] == "":
            continue
        streams.setdefault(int(r["tcp.stream"]), []).append(r)
    conns = []
    for sid in sorted(streams):
        srows = streams[sid]
        syn = next((r for r in srows if flag(r, "tcp.flags.syn") and not flag(r, "tcp.flags.ack")), None)
        first = syn if syn is not None else srows[0]
        client = endpoint(first, True)
        server = endpoint(first, False)
        c2s = [r for r in srows if endpoint(r, True) == client and endpoint(r, False) == server]
        s2c = [r for r in srows if endpoint(r, True) == server and endpoint(r, False) == client]
        synack = next((r for r in s2c if flag(r, "tcp.flags.syn") and flag(r, "tcp.flags.ack")), None)
        rtt = next((r["tcp.analysis.initial_rtt"] for r in srows if r["tcp.analysis.initial_rtt"]), "")
        conns.append({
            "stream": sid,
            "client": client,
            "server": server,
            "syn_seen": syn is not None,
            "initial_rtt_ms": round(float(rtt) * 1000, 6) if rtt else None,
            "client_to_server": direction_stats(c2s, syn),
            "server_to_client": direction_stats(s2c, synack),
        })
    return conns


# ---------------------------------------------------------------- application layer (PDML)

APP_PROTOS = {"http", "http2", "tls"}


def pdml_packets(path, decode_as=(), keylog=None):
    """Yield (frame, src_endpoint, tcp_stream, [(proto_element, first_frame)]) per packet."""
    cmd = ["tshark", "-r", path, "-n", "-2", "-T", "pdml", "-Y", "http || http2 || tls"]
    for d in decode_as:
        cmd += ["-d", d]
    if keylog:
        cmd += ["-o", "tls.keylog_file:" + keylog]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _, el in ET.iterparse(p.stdout, events=("end",)):
            if el.tag != "packet":
                continue
            frame, stream, ip_src, port = None, None, "", ""
            apps, pending = [], None
            for proto in el.findall("proto"):
                name = proto.get("name")
                if name == "geninfo":
                    for f in proto.findall("field"):
                        if f.get("name") == "num":
                            frame = int(f.get("show"))
                elif name in ("ip", "ipv6"):
                    for f in proto.iter("field"):
                        if f.get("name") in ("ip.src", "ipv6.src"):
                            ip_src = ("[%s]" if name == "ipv6" else "%s") % f.get("show")
                            break
                elif name == "tcp":
                    for f in proto.iter("field"):
                        if f.get("name") == "tcp.stream" and stream is None:
                            stream = int(f.get("show"))
                        elif f.get("name") == "tcp.srcport" and not port:
                            port = f.get("show")
                if name in APP_PROTOS:
                    apps.append((proto, pending))
                    pending = None
                else:
                    # "[N Reassembled TCP Segments ...]" precedes the PDU it built
                    # (decrypted TLS: "[N Reassembled TLS segments ...]", one per record)
                    for f in proto.iter("field"):
                        if f.get("name") in ("tcp.segments", "tls.segments"):
                            seg = f.find("field[@name='%s']" % f.get("name")[:-1])
                            if seg is not None:
                                pending = int(seg.get("show"))
            yield frame, "%s:%s" % (ip_src, port), stream, [(a, ff if ff is not None else frame) for a, ff in apps]
            el.clear()
    finally:
        p.stdout.close()
        err = p.stderr.read().decode(errors="replace")
        rc = p.wait()
        if rc != 0 and "cut short in the middle of a packet" not in err:
            sys.exit(f"tshark (pdml) failed ({rc}) on {path}:\n{err}")


def fields(el, name):
    return [f for f in el.iter("field") if f.get("name") == name]


def first_show(el, name):
    for f in el.iter("field"):
        if f.get("name") == name:
            return f.get("show")
    return None


def int_or_none(v):
    return int(v) if v not in (None, "") else None


def http_message(proto, frame, first_frame):
    m = {"frame": frame, "first_frame": first_frame}
    method = first_show(proto, "http.request.method")
    code = first_show(proto, "http.response.code")
    fd = fields(proto, "http.file_data")
    m.update({
        "kind": "request" if method is not None else ("response" if code is not None else None),
        "method": method,
        "uri": first_show(proto, "http.request.uri"),
        "version": first_show(proto, "http.request.version") if method is not None
        else first_show(proto, "http.response.version"),
        "status": int_or_none(code),
        "content_length": int_or_none(first_show(proto, "http.content_length")),
        "chunk_sizes": [int(f.get("show")) for f in fields(proto, "http.chunk_size")],
        "file_data_len": int(fd[0].get("size")) if fd else None,
        "request_in": int_or_none(first_show(proto, "http.request_in")),
        "response_in": int_or_none(first_show(proto, "http.response_in")),
    })
    return m


def pair_http(msgs):
    """Pair requests and responses of one connection.

    HTTP/1.x answers in request order, so the n-th final response belongs to
    the n-th request; 1xx responses other than 101 are interim and belong to
    the request of the next final response. Order is by the frame that carried
    a message's first byte (tshark reports a message where it completes: a
    100 Continue is reported before the big request body it answers ends).
    "paired_by" says whether tshark links the two both ways (request's
    "Response in frame" and response's "Request in frame"), else "order".
    """
    key = lambda m: (m["first_frame"], m["frame"], m["idx"])
    reqs = sorted((m for m in msgs if m["kind"] == "request"), key=key)
    resps = sorted((m for m in msgs if m["kind"] == "response"), key=key)
    finals = [r for r in resps if not (100 <= r["status"] < 200 and r["status"] != 101)]
    interims = [r for r in resps if 100 <= r["status"] < 200 and r["status"] != 101]
    out = []
    for i in range(max(len(reqs), len(finals))):
        q = reqs[i] if i < len(reqs) else None
        r = finals[i] if i < len(finals) else None
        e = {
            "request_frame": q["frame"] if q else None,
            "request_first_frame": q["first_frame"] if q else None,
            "method": q["method"] if q else None,
            "uri": q["uri"] if q else None,
            "version": q["version"] if q else None,
            "request_content_length": q["content_length"] if q else None,
            "request_file_data_len": q["file_data_len"] if q else None,
            "response_frame": r["frame"] if r else None,
            "response_first_frame": r["first_frame"] if r else None,
            "response_version": r["version"] if r else None,
            "status": r["status"] if r else None,
            "content_length": r["content_length"] if r else None,
            "chunk_sizes": r["chunk_sizes"] if r else [],
            "file_data_len": r["file_data_len"] if r else None,
            "tshark_response_in": q["response_in"] if q else None,
            "tshark_request_in": r["request_in"] if r else None,
        }
        if q and r:
            both = q["response_in"] == r["frame"] and r["request_in"] == q["frame"]
            e["paired_by"] = "tshark" if both else "order"
        else:
            e["paired_by"] = None
        # interim responses: those ordered before this final one but after the previous final
        if r:
            prev = finals[i - 1] if i > 0 else None
            its = [x for x in interims if key(x) < key(r) and (prev is None or key(x) > key(prev))]
            if its:
                e["interim_statuses"] = [x["status"] for x in its]
                e["interim_frames"] = [x["frame"] for x in its]
        out.append(e)
    return out


TLS_VERSIONS = {0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}


def hello_facts(t, hellos):
    """Negotiated version, cipher suite and resumption from the (last) ClientHello
    and ServerHello of a connection; hellos = {"ch": element, "sh": [elements]}."""
    ch, shs = hellos.get("ch"), hellos.get("sh", [])
    # A TLS 1.3 HelloRetryRequest is a ServerHello with a fixed random: the
    # second ServerHello is the real one.
    t["hello_retry_request"] = len(shs) > 1
    sh = shs[-1] if shs else None
    ext_types = lambda hs: [int(f.get("show")) for f in fields(hs, "tls.handshake.extension.type")]
    t["client_extensions"] = ext_types(ch) if ch is not None else []
    if sh is None:
        t.update({"version_negotiated": None, "version_name": None, "cipher_suite": None,
                  "cipher_suite_name": None, "server_extensions": [], "resumed": None})
        return
    sv = first_show(sh, "tls.handshake.extensions.supported_version")
    ver = int(sv or first_show(sh, "tls.handshake.version"), 16)
    cs = [f for f in sh.iter("field") if f.get("name") == "tls.handshake.ciphersuite"][0]
    name = re.sub(r"^Cipher Suite: ", "", cs.get("showname") or "")
    name = re.sub(r" \(0x[0-9a-fA-F]+\)$", "", name)
    sext = ext_types(sh)
    if ver >= 0x0304:
        # TLS 1.3: the server accepted a PSK (ticket) iff its ServerHello has pre_shared_key (41);
        # the session id is only echoed for middlebox compatibility
        resumed = 41 in sext
    else:
        # TLS 1.2: the server echoes the client's (non-empty) session id when it resumes,
        # by session id or by ticket (RFC 5077: the client sends an id with the ticket)
        csid = first_show(ch, "tls.handshake.session_id") if ch is not None else None
        ssid = first_show(sh, "tls.handshake.session_id")
        resumed = bool(ssid) and ssid == csid
    t.update({
        "version_negotiated": ver,                 # 771 = 0x0303 TLS 1.2, 772 = 0x0304 TLS 1.3
        "version_name": TLS_VERSIONS.get(ver, hex(ver)),
        "cipher_suite": int(cs.get("show"), 16),   # e.g. 4866 = 0x1302, 49200 = 0xc030
        "cipher_suite_name": name,                 # tshark's name, e.g. TLS_AES_256_GCM_SHA384
        "server_extensions": sext,
        "resumed": resumed,
    })


def tls_view(items):
    """items: [(direction, frame, tls proto element)] in capture order."""
    t = {"sni": None, "alpn_offered": [], "alpn_selected": None,
         "client_to_server": [], "server_to_client": []}
    hellos = {"sh": []}
    for direction, frame, proto in items:
        for rec in proto.findall("field[@name='tls.record']"):
            ctype = first_show(rec, "tls.record.content_type")
            opaque = first_show(rec, "tls.record.opaque_type")
            ver = first_show(rec, "tls.record.version")
            length = first_show(rec, "tls.record.length")
            t[direction].append({
                "frame": frame,
                "type": int_or_none(ctype if ctype is not None else opaque),
                "version": int(ver, 16) if ver else None,
                "length": int_or_none(length),
            })
            for hs in rec.iter("field"):
                if hs.get("name") != "tls.handshake":
                    continue
                htype = first_show(hs, "tls.handshake.type")
                if htype == "1" and direction == "client_to_server":
                    hellos.setdefault("ch", hs)
                    sni = first_show(hs, "tls.handshake.extensions_server_name")
                    if sni is not None and t["sni"] is None:
                        t["sni"] = sni
                    if not t["alpn_offered"]:
                        t["alpn_offered"] = [f.get("show") for f in fields(hs, "tls.handshake.extensions_alpn_str")]
                elif htype in ("2", "8") and direction == "server_to_client":
                    # 2 ServerHello (TLS 1.2 carries ALPN here), 8 EncryptedExtensions (TLS 1.3:
                    # only readable with the key log)
                    if htype == "2":
                        hellos["sh"].append(hs)
                    alpn = [f.get("show") for f in fields(hs, "tls.handshake.extensions_alpn_str")]
                    if alpn:
                        t["alpn_selected"] = alpn[0]
    hello_facts(t, hellos)
    return t


def http2_view(items):
    """items: [(direction, frame, http2 proto element)] in capture order."""
    h = {"preface": False, "client_to_server": [], "server_to_client": [], "streams": []}
    streams = {}
    for direction, frame, proto in items:
        for st in proto.findall("field[@name='http2.stream']"):
            if st.find("field[@name='http2.magic']") is not None:
                h["preface"] = True
                continue
            typ = int_or_none(first_show(st, "http2.type"))
            if typ is None:
                continue
            flags = first_show(st, "http2.flags")
            fr = {
                "frame": frame,
                "type": typ,
                "flags": int(flags, 16) if flags else 0,
                "stream": int_or_none(first_show(st, "http2.streamid")),
                "length": int_or_none(first_show(st, "http2.length")),
            }
            h[direction].append(fr)
            sid = fr["stream"]
            if not sid:
                continue
            s = streams.setdefault(sid, {"stream": sid, "method": None, "path": None, "status": None,
                                         "data_bytes": 0, "request_data_bytes": 0})
            if typ in (1, 9):  # HEADERS, CONTINUATION
                names = [f.get("show") for f in fields(st, "http2.header.name")]
                values = [f.get("show") for f in fields(st, "http2.header.value")]
                for n, v in zip(names, values):
                    if n == ":method" and s["method"] is None:
                        s["method"] = v
                    elif n == ":path" and s["path"] is None:
                        s["path"] = v
                    elif n == ":status" and direction == "server_to_client":
                        code = int(v)
                        if s["status"] is None or not (100 <= code < 200):
                            s["status"] = code
            elif typ == 0:  # DATA: payload minus padding
                pad = 0
                if fr["flags"] & 0x8:
                    pad = (int_or_none(first_show(st, "http2.pad_length")) or 0) + 1
                n = fr["length"] - pad
                s["data_bytes" if direction == "server_to_client" else "request_data_bytes"] += n
    h["streams"] = [streams[k] for k in sorted(streams)]
    return h


def app_layer(path, conns, decode_as=(), keylog=None):
    """Per connection (by tcp.stream): {"http": [...], "tls": ..., "http2": ...}."""
    by_stream = {c["stream"]: c for c in conns}
    acc = {sid: {"http": [], "tls": [], "http2": []} for sid in by_stream}
    idx = 0
    for frame, src, stream, apps in pdml_packets(path, decode_as, keylog):
        if stream not in by_stream:
            continue
        c = by_stream[stream]
        direction = "client_to_server" if src == c["client"] else "server_to_client"
        for proto, first_frame in apps:
            name = proto.get("name")
            if name == "http":
                m = http_message(proto, frame, first_frame)
                if m["kind"]:
                    m["idx"] = idx
                    idx += 1
                    acc[stream]["http"].append(m)
            elif name == "tls":
                if proto.find("field[@name='tls.record']") is not None:
                    acc[stream]["tls"].append((direction, frame, proto))
            elif name == "http2":
                acc[stream]["http2"].append((direction, frame, proto))
    out = {}
    for sid, a in acc.items():
        out[sid] = {
            "http": pair_http(a["http"]),
            "tls": tls_view(a["tls"]) if a["tls"] else None,
            "http2": http2_view(a["http2"]) if a["http2"] else None,
        }
    return out


def strip_secrets(path):
    """A pcapng that carries Decryption Secrets Blocks (editcap --inject-secrets) is
    decrypted by tshark with no option at all. For the views "without keys" to mean
    that, those passes read a copy without the DSBs. Returns (path to read, number of
    DSBs); the copy is a temporary file when there were any. editcap 4.0 can not
    do this (--discard-all-secrets: "can't be written as a pcapng file"), so the
    blocks are dropped here: type 0x0000000A, length in the block header."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x0a\x0d\x0d\x0a" or len(data) < 12:
        return path, 0
    bo = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    off, keep, n = 0, [], 0
    while off + 8 <= len(data):
        btype, blen = struct.unpack(bo + "II", data[off:off + 8])
        if blen < 12:
            return path, 0   # damaged: leave it to tshark
        if btype == 0x0A:
            n += 1
        else:
            keep.append(data[off:off + blen])
        off += blen
    if n == 0:
        return path, 0
    tmp = tempfile.NamedTemporaryFile(suffix=".pcapng", delete=False)
    tmp.write(b"".join(keep))
    tmp.close()
    return tmp.name, n


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("capture")
    ap.add_argument("out")
    ap.add_argument("--body", action="append", default=[], metavar="URLPATH=FILE")
    ap.add_argument("--request-body", action="append", default=[], metavar="URLPATH=FILE",
                    help="a body the client sent (POST); listed as request_bodies")
    ap.add_argument("--decode-as", action="append", default=[], metavar="LAYER==VALUE,PROTO",
                    help="tshark -d for the application-layer pass, e.g. tcp.port==8082,http2")
    ap.add_argument("--keylog", help="TLS key log (SSLKEYLOGFILE) for the decrypted view")
    a = ap.parse_args()

    plain, dsbs = strip_secrets(a.capture)
    rows, truncated, stderr = run_tshark(plain)
    doc = {
        "file": os.path.basename(a.capture),
        "tshark_version": tshark_version(),
        "frames": len(rows),
        "tcp_frames": sum(1 for r in rows if r["tcp.srcport"] != ""),
        "connections": connections(rows),
    }
    if truncated:
        doc["truncated"] = True
    if dsbs:
        # the file carries its own TLS secrets; "decrypted" is what tshark shows with them
        doc["decryption_secrets_blocks"] = dsbs
    app = app_layer(plain, doc["connections"], a.decode_as)
    if plain != a.capture:
        os.unlink(plain)
    dec = (app_layer(a.capture, doc["connections"], a.decode_as, a.keylog)
           if a.keylog or dsbs else {})
    for c in doc["connections"]:
        v = app.get(c["stream"], {"http": [], "tls": None, "http2": None})
        c.update(v)
        if (a.keylog or dsbs) and v["tls"] is not None:
            d = dec.get(c["stream"], {})
            c["decrypted"] = {"http": d.get("http", []), "http2": d.get("http2")}
            # TLS 1.3 says which ALPN it chose only in the encrypted EncryptedExtensions
            c["decrypted"]["alpn_selected"] = (d.get("tls") or {}).get("alpn_selected")
    bodies = []
    for b in a.body:
        urlpath, _, path = b.rpartition("=")
        bodies.append({"path": urlpath, "sha256": sha256_file(path), "bytes": os.path.getsize(path)})
    if len(bodies) == 1:
        doc["body_sha256"] = bodies[0]["sha256"]
    elif bodies:
        doc["bodies"] = bodies
    if a.request_body:
        doc["request_bodies"] = []
        for b in a.request_body:
            urlpath, _, path = b.rpartition("=")
            doc["request_bodies"].append({"path": urlpath, "sha256": sha256_file(path),
                                          "bytes": os.path.getsize(path)})
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    s2c = [c["server_to_client"] for c in doc["connections"]]
    dom = [max(d["sizes"].items(), key=lambda kv: kv[1])[0] if d["sizes"] else "-" for d in s2c]
    print(f"expect: {doc['file']}: {doc['frames']} frames, {len(doc['connections'])} connection(s), "
          f"dominant s->c segment {', '.join(dom)}{' (truncated)' if truncated else ''}")


if __name__ == "__main__":
    main()
