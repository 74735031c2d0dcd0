#!/usr/bin/env bash
# Makes the README's pictures of the HTML report, from the browser tests'
# own screenshots (headless chromium, see tools/browsertest/browser_test.go):
#
#   docs/img/report-h2-timeline.png           pcaps/https-h2: curl's reads over TLS records, HTTP/2 frames, segments
#   docs/img/report-h2-timeline-selected.png  the same with the first read clicked: what carried it, and why
#   docs/img/report-h1-timeline.png           pcaps/mtu1440-ts: reads over full-size segments, backlog in orange
#   docs/img/report-notime-timeline.png       pcaps/h2-tls13-notime: a trace without times, by stream offset
#   docs/img/report-stevens.png               pcaps/mtu1440-ts: the time-sequence graph and the advertised window
#   docs/img/report-hist.png                  pcaps/mtu1440-ts: segment sizes per direction, effective MSS marked
#
# Usage: report/htmlreport/screenshots.sh   (needs chromium on PATH)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$repo"
(cd tools/browsertest && SEGSCOPE_LIVE_TESTS=1 SEGSCOPE_SHOTS="$tmp" go test -count=1 -run 'TestBrowserReports' ./...)
mkdir -p docs/img
while read -r from to; do
	cp "$tmp/TestBrowserReports-$from.png" "docs/img/$to.png"
	echo "docs/img/$to.png"
done <<'LIST'
https-h2-view-timeline-0 report-h2-timeline
https-h2-view-timeline-0-selected report-h2-timeline-selected
mtu1440-ts-view-timeline-0 report-h1-timeline
notime-view-timeline-0 report-notime-timeline
mtu1440-ts-view-stevens-0 report-stevens
mtu1440-ts-view-hist-0 report-hist
LIST
