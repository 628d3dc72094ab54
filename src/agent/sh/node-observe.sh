# shellcheck shell=sh
# What readNode compares, as "@@section" blocks; changes nothing. Set before it (node.ts): STATE,
# MONITOR, MONITOR_PID, UNIT, NET_TEMPLATE, UNIT_DIR, and common.sh's functions.

echo @@state; if [ -d "$STATE" ]; then echo 1; else echo 0; fi
echo @@networks; for f in "$STATE"/dhcp/*/network.json; do [ -e "$f" ] && basename "$(dirname "$f")"; done; true
echo @@monitor
p=$(cat "$MONITOR_PID" 2>/dev/null || true)
if [ -n "$p" ] && tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | grep -qxF -- "$MONITOR"; then echo "pid $p"; else echo "pid"; fi
if [ -e "$MONITOR" ]; then echo "sha $(file_sha "$MONITOR")"; else echo "sha"; fi
echo @@units
if under_systemd; then
  for u in "$UNIT" "$NET_TEMPLATE"; do
    if [ -e "$UNIT_DIR/$u" ]; then echo "sha $u $(file_sha "$UNIT_DIR/$u")"; else echo "sha $u"; fi
  done
  echo "monitor $(systemctl show -p ActiveState --value "$UNIT" 2>/dev/null) $(systemctl is-enabled "$UNIT" 2>/dev/null || true)"
fi
echo @@end
