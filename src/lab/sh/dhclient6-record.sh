#!/bin/sh
# dhcp-agent lab: dhclient -6's script (-sf). It configures nothing: it records the variables
# dhclient hands it for each reason, so a test reads back what the DHCPv6 server gave. The
# record's path comes from `dhclient -e DHCP6_RECORD=<file>`.
# dhclient sets reason; the test sets DHCP6_RECORD.
: "${reason:?}" "${DHCP6_RECORD:?}"
case "$reason" in
PREINIT6 | STOP6 | RELEASE6 | EXPIRE6 | FAIL) exit 0 ;;
esac
env >"$DHCP6_RECORD.tmp" && mv "$DHCP6_RECORD.tmp" "$DHCP6_RECORD"
exit 0
