#!/bin/sh
# Installs what mxallowd needs to build, run and be tested on Debian, and the
# unprivileged user its children run as.  Idempotent; run as root.
set -e
PKGS="build-essential pkg-config clang libevent-dev libc-ares-dev libpcap-dev
    libnetfilter-queue-dev libmnl-dev libnftnl-dev libbsd-dev mandoc iptables
    iproute2 netcat-openbsd util-linux procps dnsmasq-base tcpdump valgrind gdb
    nftables jq debhelper dpkg-dev lintian libhiredis-dev redis-server"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
# Postfix, the real sender of regress/netns/postfix.sh, run there in a
# namespace with its own configuration.  Installed with "No configuration",
# so that it sets up no mail system of the host, and only where no other
# MTA is installed, which apt would remove for it.
if ! dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q 'ok installed'; then
	if dpkg-query -W -f='${Status} ${Provides}\n' 2>/dev/null |
	    grep 'ok installed' | grep -q mail-transport-agent; then
		echo "not installing postfix: another MTA is installed" \
		    "(regress/netns/postfix.sh will skip)"
	else
		missing="$missing postfix"
		echo "postfix postfix/main_mailer_type select No configuration" |
		    debconf-set-selections
	fi
fi
if [ -n "$missing" ]; then
	echo "deps.sh: installing:$missing"
	# Another apt or dpkg (unattended-upgrades, a second shell) may hold
	# the lock: apt waits for it, saying so, up to LOCK_WAIT seconds.
	lockwait="-o DPkg::Lock::Timeout=${LOCK_WAIT:-600}"
	export DEBIAN_FRONTEND=noninteractive
	echo "deps.sh: apt-get update (waits up to ${LOCK_WAIT:-600} s for the dpkg lock)"
	apt-get $lockwait update -q | grep -v '^\(Hit\|Get\|Ign\):' || true
	echo "deps.sh: apt-get install"
	apt-get $lockwait install -y -q --no-install-recommends $missing |
	    grep -E '^(Setting up|Unpacking|E:)' || true
	# The pipe hid apt's status: check that everything is there now.
	for p in $missing; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'ok installed' || {
			echo "deps.sh: $p did not install" >&2
			exit 1
		}
	done
	# The tests start their own servers in namespaces: the system services
	# these packages enable are stopped and disabled, when we installed them.
	for svc in redis-server postfix; do
		case " $missing " in *" $svc "*) ;; *) continue ;; esac
		if [ -d /run/systemd/system ]; then
			systemctl disable --now "$svc" >/dev/null 2>&1 || true
		fi
	done
	echo "deps.sh: done"
else
	echo "deps.sh: every package is installed"
fi
if ! getent passwd _mxallowd >/dev/null; then
	echo "creating user _mxallowd"
	useradd -r -d /nonexistent -s /usr/sbin/nologin _mxallowd
fi
