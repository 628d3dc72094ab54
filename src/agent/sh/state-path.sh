# shellcheck shell=sh
# The check every node and network apply makes before it writes under the state path: root runs
# the scripts kept there (the process monitor, the network units), so a state path that anyone
# but root can write to, or that hangs under such a directory, would hand that user root.
# The agent refuses such a path rather than taking it over: chown-ing a directory someone else
# made could follow their links, and their files would stay in it.

# check_state_path <state path>: the state path and its dhcp/ (links resolved) are directories
# owned by root and writable by nobody else, and so is every directory above them, except that
# a sticky one (/tmp) may be writable by all.
check_state_path() {
  state=$(readlink -m -- "$1")
  for p in "$state/dhcp" "$state"; do
    if [ -e "$p" ]; then check_state_dir "$p" "$1" strict; fi
  done
  # readlink -m gave an absolute path without // or a trailing /: its parent is what is left of it before its last /.
  p=$state
  while [ "$p" != / ]; do
    p=${p%/*}
    [ -n "$p" ] || p=/
    if [ -e "$p" ]; then check_state_dir "$p" "$1" above; fi
  done
}
check_state_dir() {
  [ -d "$1" ] || { echo "state path: $1 is not a directory" >&2; exit 1; }
  # shellcheck disable=SC2046
  set -- "$1" "$2" "$3" $(stat -L -c '%u %a' -- "$1")
  if [ "$4" != 0 ]; then
    echo "state path: $1 is owned by uid $4, not root; root runs the agent's scripts kept under $2 (make root its owner, or choose another statePath)" >&2
    exit 1
  fi
  if [ $((0$5 & 022)) -ne 0 ] && { [ "$3" = strict ] || [ $((0$5 & 01000)) -eq 0 ]; }; then
    echo "state path: $1 has mode $5 (writable by group or others); root runs the agent's scripts kept under $2 (chmod go-w, or choose another statePath)" >&2
    exit 1
  fi
}
