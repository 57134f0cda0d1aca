#!/bin/sh
# Installs what mxallowd needs to build, run and be tested on Debian, and the
# unprivileged user its children run as.  Idempotent; run as root.
set -e
PKGS="build-essential pkg-config clang libevent-dev libpcap-dev
    libnetfilter-queue-dev libmnl-dev libbsd-dev mandoc iptables iproute2
    netcat-openbsd util-linux procps dnsmasq-base valgrind gdb nftables"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if ! getent passwd _mxallowd >/dev/null; then
	echo "creating user _mxallowd"
	useradd -r -d /nonexistent -s /usr/sbin/nologin _mxallowd
fi
