# shellcheck shell=sh
# The node's facts (hostname, kernel, dnsmasq and iptables versions) and what would start the
# process monitor at boot. Set before it: common.sh's functions.

echo @@facts
echo "hostname $(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"
echo "kernel $(uname -r)"
echo "dnsmasq $(dnsmasq_version)"
echo "iptables $(iptables --version 2>/dev/null | sed -n 's/.*(\(.*\)).*/\1/p')"
if under_systemd; then echo "boot systemd"
elif command -v crontab >/dev/null 2>&1; then echo "boot cron"
else echo "boot none"; fi
