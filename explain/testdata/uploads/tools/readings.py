#!/usr/bin/env python3
# appends "## Reading" (why each Send data N is what it is) to runs/*/GROUND.md; text per case, numbers from ground.json
import json, glob, os, re
R = {}
R['c1-small'] = """One `sendto(30154)` carried both events: curl (both versions) puts a request body smaller than its 64 KiB buffer into the same buffer as the request head; the trace splits that one syscall into `Send header 154` + `Send data 30000`. One segment on the wire."""
R['c1'] = """- **7.88**: `Send header` is its own `sendto` (the head alone), then one `Send data 65536` per `sendto(65536)=65536`: curl's upload buffer (CURL_MAX_WRITE_SIZE / UPLOAD_BUFSIZE 64 KiB) filled from the body source (postfields memory for `--data-binary`/`-d`, the file for `-T`, the mime reader for `-F`). The last event is the body's remainder (`-d`: 1034528 = 15×65536 + 51488 because `-d @file` strips CR/LF; `-F`: mime framing adds 188 bytes → last 188).
- **8.14, `--data-binary`, `-d`, `-T`**: the head and the first body bytes share ONE 65536-byte `sendto`; the trace logs it as `Send header H` + `Send data 65536−H`; every later buffer is 65536 and the last `Send data` is the shift H (=head length) for a body that is a multiple of 64 KiB (`-d`: 51488+H).
- **8.14 `-F`**: head NOT merged (H then 65536×16 then 200) — the mime body is read through its own reader.
- **7.88 `-T` 1 MiB adds `Expect: 100-continue`** (head 144 vs 8.14 122, +22 bytes = the Expect line); nginx answers 100 at once so there is no visible wait; 8.14 does not add Expect for exactly 1 MiB (both add it at 1.5 MB, see c3-auto).
- No partial writes in any c1 run (strace ret == len). Each Send data is carried by 2 segments on lo (32768/47616/17920 pieces, GSO super-segments, MTU 65536) or ~46 × 1448 on the veth (MTU 1500, offloads off); the events are NOT aligned with segment boundaries in general.
- The ~7 ms spacing between events on lo with `--trace` (hex) is curl formatting the hex dump; with `--trace-ascii` the gaps shrink."""
R['c2'] = """Chunked `-T -`: `Transfer-Encoding: chunked` + `Expect: 100-continue` in the head (both versions; nginx 100 at ~0.5 ms; upserver:29081 also sends 100).
- **Send data INCLUDES the chunk framing in both 7.88 and 8.14**: slow pipe: each 4000-byte pipe write becomes `fa0\\r\\n` + 4000 + `\\r\\n` = **4007** (first bytes column shows `fa0`); the end is `Send data 5` = `0\\r\\n\\r\\n` (Info: "Signaling end of chunked upload via terminating chunk" in 7.88; "upload completely sent off" in 8.14). When two pipe writes were queued, one read of 8000 → `Send data 8008` (strace runs).
- Fast pipe (`cat`): **65532** = `fff4\\r\\n` + 65524 + `\\r\\n` (curl reserves 12 bytes of the 64 KiB buffer for framing, so max chunk payload = 65524) alternating with **61460** = `f00c\\r\\n` + 61452 + `\\r\\n` (what the pipe held at the next read), last 32776 then 5. Sizes = read() from stdin + framing, not the socket.
- Head is never merged with body in chunked mode (Send header alone, also 8.14).
- `size_upload` (-w) counts the framing: 200355 = 200000 + 50×7 + 5."""
R['c3'] = """Expect: 100-continue (body 200 KB; explicit header, or automatic for >1 MiB in c3-auto).
- Send data sizes are unchanged (65536×3 + 8192 for 204800; 65536×23 + 28672 for 1536000) — the wait only delays the FIRST Send data; **8.14 does not merge the head with the body when Expect is sent** (H alone, then 65536).
- nginx: `Recv header HTTP/1.1 100 Continue` ~0.5 ms after the head, body follows at once.
- upserver never (29082): `Info: Done waiting for 100-continue` at +1.000 s (default --expect100-timeout 1 s), then the body; `--expect100-timeout 0.2` → +0.200 s. Same in 7.88 and 8.14.
- 300 ms (29083): body starts right after the 100 at +0.30 s.
- 3 s (29085): curl gives up waiting at +1.0 s and writes the whole 200 KB into the socket (all Send data logged by ~1.01 s) although the server reads nothing until 3 s: the server advertises a zero window (5 zero-window packets) and the segments sit in the client's send buffer; the 100 and the 200 arrive together at +3.0 s. So a Send data time ≠ the time its bytes reached the server.
- c3-auto-*: 1536000-byte POST and PUT → both versions add Expect automatically (threshold: > 1 MiB; 7.88 also for a 1 MiB `-T`, see c1-put) and wait the full 1 s on the never-server."""
R['c4-slowrcv'] = """Slow receiver: upserver:29084 reads 4096 B then sleeps 5 ms, SO_RCVBUF 16384 on the listener (window clamps small; zero-window / window_full flags in the capture).
- **lo**: no partial writes at all (the loopback send buffer absorbs 64 KiB each time); Send data stays 65536 (7.88) / H + 65536−H … + H (8.14); the receiver's window shows only in the segment timing (85 window_full segments, 1 zero-window), not in the Send data sizes.
- **veth** (MTU 1500): partial `sendto` — the socket's send buffer was full:
  - 7.88: `sendto(65536)=65160` → `Send data 65160`; the NEXT `sendto` is again 65536 bytes starting at body offset 65160 (buffer refilled: remainder + fresh data; checked against the file content, 3/3 replicates in ../x-partial-replicates, also for `-T`), so the stream stays shifted and the last event is the sum of shortfalls (376 in strace run; 752 in the capture run, which had two such partials). This happens when the partial hits the FIRST body buffer; in the tbf runs (partial on a later buffer) 7.88 sends the remainder alone (see c4-tbf).
  - 8.14: the remainder is sent ALONE: `65536=65160` → `Send header 157` + `Send data 65003`, then `Send data 376`; another partial `65536=57544/50304` → remainder 7992/15232 alone. Later buffers stay 65536, last = 157 (head shift)."""
R['c4-tbf'] = """tbf 20 mbit/s, burst 32 kB, latency 100 ms on the client's egress (ve15c), server upserver:29081 (fast reader).
- The qdisc backs up the socket (TSQ/ send buffer), so one early `sendto(65536)` is partial: 7.88 `65536=52128` then remainder `13408` alone (capture run: 50680 + 14856); 8.14 capture run `65379 41992 23544` (41992 written, 23544 remainder alone); 8.14 strace run happened to have no partial. Thereafter 65536 per event. Partial sizes vary run to run (replicates in ../x-partial-replicates: 52128/43440/50680).
- Segments are 1448 bytes (MSS) paced by tbf; no zero window (the server drains quickly)."""
R['c5-h1'] = """HTTPS HTTP/1.1 (nginx, TLS 1.3 AES-GCM: record = plaintext + 17, +5 header on the wire; TLS 1.2 GCM: +24).
- Send data sizes are the same as cleartext (7.88: H, 65536×16; 8.14: H, 65536−H, 65536×15, H): the trace logs plaintext handed to SSL_write.
- OpenSSL splits each SSL_write(65536) into 4 records of 16384 plaintext, and each record is its own `sendto`: strace `16406×4` (TLS 1.3: 16384+17+5) or `16413×4` (TLS 1.2: 16384+24+5). The head alone (7.88) is one record (178 = 156+22 on the wire); 8.14's last H-byte tail is one small record (178/179/183).
- TLS records are independent of TCP segments (on lo each 16406 sendto became one segment; on veth 11–12 × 1448).
- c5-h1-flow-*: /slow/ → proxy_request_buffering off to the slow upserver; nginx still drains the client socket fast, the upload finishes in ~0.08 s (data sits in nginx→upstream buffers); Send data sizes unchanged."""
R['c5-h2'] = """HTTPS HTTP/2 (nginx 1.22; server SETTINGS: max_frame_size 16777215, initial_window_size 65536, then WINDOW_UPDATE s0 +2147418112 and for plain /up a stream WINDOW_UPDATE +2147418111 right after HEADERS, so flow control never limits those runs).
- `Send header N` is curl's HTTP/1-style rendering of the request (154 bytes) — the wire HEADERS frame is HPACK (69–72 bytes). The trace bytes do NOT match h2 wire bytes.
- **7.88**: Send data 65536×16. Each Send data 65536 → 4 DATA frames of 16384, and every DATA frame header (9 bytes) goes out in its OWN TLS record (26-byte record = 9+17; `sendto(31)`) followed by a 16384 payload record (`sendto(16406)`): strace alternates 31 / 16406; 65 nine-byte records per 1 MiB.
- **8.14**: the head is counted in the first 65536 buffer: `Send data 65536−H` (65382) → DATA frames 16384,16384,16384,**16230**; then each 65536 → 4×16384; the last `Send data H` (154) → a **154-byte DATA** frame with END_STREAM. nghttp2 output is buffered and written with SSL_write of up to 64 KiB → records of 16384 plaintext carrying frame headers and payload mixed, plus a small record of the leftover 36 = 4×9 frame-header bytes (`16406×4` then `58`).
- DATA frame size 16384 is nghttp2's default read chunk (NOT the server's max_frame_size 16777215).
- c5-h2-flow-*: /slow/ (proxy_request_buffering off): nginx keeps the stream window small and sends many stream WINDOW_UPDATEs (+16375, +36, +65536 … ; 7.88: +16384/+9 pairs). 8.14: min headroom 16384, 7 DATA frames left < 16384 of window, yet Send data sizes stay 65536 (curl logs Send data when the body enters its h2 stream buffer, not when the DATA frame goes out). 7.88 flow accounting from tshark order went negative (−262144): tshark attributes frames split across records to the later packet, so that number is an artefact — do not use it."""
for d in sorted(glob.glob('runs/c*/')):
    n = os.path.basename(d.rstrip('/'))
    key = next((k for k in ['c1-small', 'c4-slowrcv', 'c4-tbf', 'c5-h1', 'c5-h2', 'c1', 'c2', 'c3'] if n.startswith(k)), None)
    j = json.load(open(d + 'ground.json'))
    g = open(d + 'GROUND.md').read().split('\n## Reading')[0]
    ev = ' '.join(f"{'H' if e['kind']=='Send header' else 'D'}{e['n']}" for e in j['events'])
    st = ' '.join(str(c['req']) + ('' if c['ret'] == c['req'] else f"={c['ret']}") for c in j['strace'])
    add = f"\n## Reading\n\nThis run: trace `{ev}`\n\nstrace run (req[=ret if partial]): `{st[:1500]}`\n\n" + R[key] + '\n'
    open(d + 'GROUND.md', 'w').write(g.rstrip('\n') + '\n' + add)
print('ok')
