# shellcheck shell=sh
# Builds the systemd lab nodes' root image (see image.ts); runs under the image lock.
# `$1` final image dir, `$2` suite, `$3` arch, `$4` mirror, `$5` packages (comma separated),
# `$6` keyring file or '', `$7` root user, `$8` sudo user, `$9` password-sudo user; the sudoers
# text on stdin. Prints `built` or `cached`.
# Its text is part of the image recipe, whose hash names the cached image: a change here
# builds a new image.
set -eu
final=$1 suite=$2 arch=$3 mirror=$4 packages=$5 keyring=$6 root_user=$7 sudo_user=$8 pw_user=$9
tmp=$final.building

# Whatever an interrupted build left mounted below $1 (debootstrap mounts /proc and /sys).
unmount_below() {
  awk -v p="$1/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m"; done
}

add_user() { # name, extra useradd options…
  name=$1; shift
  # '*': no usable password, yet not locked (sshd with UsePAM no refuses locked accounts).
  chroot "$tmp/root" useradd -M -d / -s /bin/sh -p '*' "$@" "$name"
}

customize() {
  r=$tmp/root
  # Each node gets its own host key, machine id and hostname.
  rm -f "$r"/etc/ssh/ssh_host_*
  : > "$r/etc/machine-id"
  rm -f "$r/etc/hostname" "$r/var/lib/dbus/machine-id"
  add_user "$root_user" -o -u 0 -g 0
  add_user "$sudo_user"
  add_user "$pw_user"
  cat > "$r/etc/sudoers.d/dhcp-agent-lab"
  chmod 0440 "$r/etc/sudoers.d/dhcp-agent-lab"
  # The console is a log file; nobody logs in there.
  chroot "$r" systemctl mask console-getty.service getty@.service >/dev/null 2>&1
  rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/*
}

if [ -d "$final" ]; then echo cached; exit 0; fi
if [ -e "$tmp" ]; then
  unmount_below "$tmp"
  rm -rf --one-file-system "$tmp"
fi
mkdir -p "$tmp"
set -- --variant=minbase --arch="$arch" --include="$packages"
[ -n "$keyring" ] && set -- "$@" --keyring="$keyring"
debootstrap "$@" "$suite" "$tmp/root" "$mirror" >"$tmp/debootstrap.log" 2>&1 || {
  unmount_below "$tmp"
  echo "debootstrap failed:" >&2; tail -n 15 "$tmp/debootstrap.log" >&2; exit 1
}
customize
mv "$tmp/debootstrap.log" "$tmp/build.log"
mv "$tmp" "$final"
echo built
