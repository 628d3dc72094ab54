# shellcheck shell=sh
# Prints `missing <what>` lines for absent tools (neutron's check_version and sanity checks);
# changes nothing. Set before it: MIN_DNSMASQ (node.ts), and common.sh's functions.

need() { command -v "$1" >/dev/null 2>&1 || echo "missing $2"; }
echo @@missing
need ip 'ip (Debian/Ubuntu: iproute2)'
if command -v ip >/dev/null 2>&1 && ! ip -j link show lo >/dev/null 2>&1; then echo "missing JSON output from ip (iproute2 too old: need ip -j)"; fi
need iptables 'iptables (Debian/Ubuntu: iptables)'
need dnsmasq 'dnsmasq (Debian/Ubuntu: dnsmasq-base)'
for c in flock setsid base64 sha256sum cmp awk sed; do need "$c" "$c (coreutils/util-linux/diffutils)"; done
# The refresh gathers a node's files with them (src/agent/sh/gather.sh).
for c in tar gzip; do need "$c" "$c (Debian/Ubuntu: $c)"; done
if command -v dnsmasq >/dev/null 2>&1; then
  v=$(dnsmasq_version)
  if [ -z "$v" ]; then echo "missing a dnsmasq that reports its version"
  elif [ "$(printf '%s\n%s\n' "$MIN_DNSMASQ" "$v" | sort -V | head -n 1)" != "$MIN_DNSMASQ" ]; then echo "missing dnsmasq >= $MIN_DNSMASQ (found $v)"; fi
fi
