#!/usr/bin/env bash
# Install curl 8.14 from Debian's bookworm-backports suite beside the
# system's curl 7.88, without replacing it: the .deb files are unpacked into
# a directory of their own, and a wrapper sets LD_LIBRARY_PATH so the new
# curl loads the new libcurl (and any newer library it needs from the same
# suite). Tests find it at $SEGSCOPE_CURL8 (default below).
#
#   sudo bash .ci/install-curl8.sh [DIR]      (default /opt/segscope/curl-8.14)
set -euo pipefail
DIR=${1:-/opt/segscope/curl-8.14}
if [ -x "$DIR/bin/curl" ] && "$DIR/bin/curl" --version 2>/dev/null | grep -q '^curl 8\.14'; then
	"$DIR/bin/curl" --version | head -1
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "install-curl8: run as root (it adds an apt source)" >&2; exit 1; }
list=/etc/apt/sources.list.d/bookworm-backports.list
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
	echo "deb http://deb.debian.org/debian bookworm-backports main" >"$list"
fi
apt-get update -qq
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
ver=$(apt-cache madison curl | awk '$3 ~ /^8\.14/ && /backports/ {print $3; exit}')
[ -n "$ver" ] || { echo "install-curl8: no curl 8.14 in bookworm-backports" >&2; exit 1; }
apt-get download -qq "curl=$ver" "libcurl4=$ver"
rm -rf "$DIR"
mkdir -p "$DIR/bin"
for deb in *.deb; do dpkg-deb -x "$deb" "$DIR/root"; done
# Libraries libcurl 8.14 needs that bookworm's own are too old for (or
# lack): take them from backports as well, until ldd finds everything.
for round in 1 2 3 4; do
	missing=$(LD_LIBRARY_PATH="$DIR/root/usr/lib/x86_64-linux-gnu" ldd "$DIR/root/usr/bin/curl" "$DIR"/root/usr/lib/x86_64-linux-gnu/libcurl.so.4 2>&1 | awk '/not found/ {print $1}' | sort -u)
	missing+=$(LD_LIBRARY_PATH="$DIR/root/usr/lib/x86_64-linux-gnu" "$DIR/root/usr/bin/curl" --version 2>&1 | grep -o "version \`[^']*' not found (required by [^)]*)" | head -1 || true)
	[ -z "$missing" ] && break
	echo "install-curl8: resolving: $missing"
	pkgs=$(apt-cache show "libcurl4=$ver" | awk -F': ' '/^Depends:/ {print $2}' | tr ',' '\n' | awk '{print $1}' | grep -v '^lib\(c6\|curl\)' || true)
	for p in $pkgs; do
		bp=$(apt-cache madison "$p" | awk '/backports/ {print $3; exit}')
		[ -n "$bp" ] && apt-get download -qq "$p=$bp" && dpkg-deb -x "$p"_*.deb "$DIR/root" || true
	done
done
cat >"$DIR/bin/curl" <<WRAP
#!/bin/sh
LD_LIBRARY_PATH="$DIR/root/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$DIR/root/usr/bin/curl" "\$@"
WRAP
chmod 755 "$DIR/bin/curl"
"$DIR/bin/curl" --version | head -1
"$DIR/bin/curl" --version | head -1 | grep -q '^curl 8\.14' || { echo "install-curl8: the unpacked curl is not 8.14" >&2; exit 1; }
