#!/bin/sh
# dhcp-agent lab: the script of a lab VM's DHCP client (dhclient -6's -sf, dhcpcd's -c). It
# configures nothing: for each reason that carries an answer it records the variables the client
# hands it, so a test reads back what the server gave. The record's path comes from the client's
# environment (`dhclient -e DHCP_RECORD=<file>`, `env DHCP_RECORD=<file>` in dhcpcd.conf).
# The client sets reason; the test sets DHCP_RECORD.
: "${reason:?}" "${DHCP_RECORD:?}"
case "$reason" in
# dhclient -6: BOUND6 (address), RENEW6 (its -S answer); dhcpcd: BOUND6, INFORM6, BOUND (DHCPv4).
BOUND6 | RENEW6 | REBIND6 | REBOOT6 | INFORM6 | BOUND | RENEW | REBIND | REBOOT | INFORM) ;;
*) exit 0 ;;
esac
env >"$DHCP_RECORD.tmp" && mv "$DHCP_RECORD.tmp" "$DHCP_RECORD"
exit 0
