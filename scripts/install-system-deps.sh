#!/usr/bin/env bash
# Debian packages the agent, the lab and the tests use. Idempotent; needs root.
set -euo pipefail
# systemd-container and debootstrap: the systemd lab node (`lab up --init systemd`), whose root
# image debootstrap builds from this machine's Debian mirror the first time it is needed.
# isc-dhcp-client and dhcpcd-base: real DHCPv6 clients for the lab VMs (dhclient -6; dhcpcd).
# ndisc6: rdisc6 reads the router advertisements dnsmasq sends (ipv6RouterAdvertisements lab test).
# haproxy: the metadata proxy the agent runs in a network's namespace (as neutron does).
# nginx-light: the built-in metadata server; cloud-init: its datasource code reads that server
# in test/integration/metadata-builtin.test.ts.
# postgresql: a real PostgreSQL server (a cluster of its own per test) for the Terraform pg
# backend that examples/team keeps its state in (test/e2e/team-pg.test.ts).
# unzip: the unit test reads the provider package (a zip) with a reader that is not the project's own.
# And the linter that `npm run lint` runs on the node-side shell (Debian package shellcheck).
pkgs=(dnsmasq-base dnsmasq-utils openssh-server openssh-client iproute2 iptables udhcpc busybox util-linux procps sudo systemd-container debootstrap shellcheck isc-dhcp-client dhcpcd-base ndisc6 haproxy nginx-light cloud-init postgresql unzip)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${pkgs[*]})"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system packages missing: ${missing[*]} — run as root or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "system packages: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
