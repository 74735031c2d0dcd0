#!/usr/bin/env python3
"""Record tshark's view of a capture as pcaps/expected/NAME.json.

Usage:
    expect.py CAPTURE OUT.json [--body URLPATH=FILE ...]

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
"""

import argparse
import collections
import hashlib
import json
import os
import re
import subprocess
import sys

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
    a = ap.parse_args()

    rows, truncated, stderr = run_tshark(a.capture)
    doc = {
        "file": os.path.basename(a.capture),
        "tshark_version": tshark_version(),
        "frames": len(rows),
        "tcp_frames": sum(1 for r in rows if r["tcp.srcport"] != ""),
        "connections": connections(rows),
    }
    if truncated:
        doc["truncated"] = True
    bodies = []
    for b in a.body:
        urlpath, _, path = b.rpartition("=")
        bodies.append({"path": urlpath, "sha256": sha256_file(path), "bytes": os.path.getsize(path)})
    if len(bodies) == 1:
        doc["body_sha256"] = bodies[0]["sha256"]
    elif bodies:
        doc["bodies"] = bodies
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
