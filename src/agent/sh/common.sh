# shellcheck shell=sh
# Functions every node-side script of the agent may use (network scripts, the node's scripts,
# the process monitor); src/agent/shell.ts puts this text in front of theirs.

# Whether systemd runs on this node and can be asked to (the agent then installs units).
under_systemd() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }
# The version dnsmasq reports ("2.90"), empty when it reports none.
dnsmasq_version() { dnsmasq --version 2>/dev/null | sed -n 's/^Dnsmasq version \([0-9][0-9.]*\).*/\1/p' | head -n 1; }
# file_sha <file>: the hex sha256 of the file's content (what sha256() in the TypeScript gives
# for the same text); fails, printing nothing, when the file cannot be read.
file_sha() { [ -r "$1" ] && sha256sum < "$1" | cut -d' ' -f1; }
