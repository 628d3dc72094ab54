# shellcheck shell=sh
# Tries what only a real namespace shows (netns support, the CHECKSUM target) in a throw-away
# namespace, and prints `missing <what>` for what fails.

if command -v ip >/dev/null 2>&1; then
  probe="dhcp-agent-probe-$$"
  if ip netns add "$probe" 2>/dev/null; then
    if command -v iptables >/dev/null 2>&1 && ! ip netns exec "$probe" iptables -w -t mangle -A POSTROUTING -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill 2>/dev/null; then
      echo "missing the iptables CHECKSUM target in network namespaces (kernel module xt_CHECKSUM)"
    fi
    ip netns del "$probe"
  else
    echo "missing network namespace support (ip netns add failed: need root or sudo, and a kernel with netns)"
  fi
fi
