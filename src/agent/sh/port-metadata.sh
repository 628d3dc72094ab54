# shellcheck shell=sh
# Built-in metadata: each port's tree of files (src/metadata/tree.ts) under $MD_DIR, served by
# the network's metadata server with the root $MD_DIR/by-ip/<client address>. Needs MD_DIR and
# MD_GROUP (the server's group) from the port header.
#
#   $MD_DIR/trees/<port id>.<digest>/  one port's tree; a change is a new directory
#   $MD_DIR/by-ip/<IPv4 address>       a link to the tree of the port that holds the address
#
# A change re-points the port's links with rename(2), so a client reads its old tree or its new
# one, never half of each; no other port's files are touched. Trees are root:$MD_GROUP, 0750
# and 0640: user-data may hold secrets that only the server's workers may read.

md_init() {
  [ -d "$MD_DIR/by-ip" ] && return 0
  (umask 027 && mkdir -p "$MD_DIR/trees" "$MD_DIR/by-ip") && chgrp "$MD_GROUP" "$MD_DIR" "$MD_DIR/trees" "$MD_DIR/by-ip"
}

# md_check <dir>: sha256 of what the tree holds — each file's sha256, each link's target,
# anything readable by others or not of the server's group — as md_check_expected computes it
# (src/agent/port-metadata.ts) for the wanted tree.
md_check() {
  (cd "$1" && {
    LC_ALL=C find . -mindepth 1 -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
    LC_ALL=C find . -mindepth 1 -type l -printf '%p -> %l\n' | LC_ALL=C sort
    LC_ALL=C find . ! -type l \( -perm /o=rwx -o ! -group "$MD_GROUP" \) -printf 'open %p\n'
  } | sha256sum | cut -d' ' -f1)
}

# md_tree_begin <id> <digest> <check>: true, with MD_NEW the directory to write the files into,
# unless the tree is on the node already, intact (same metadata, same digest: nothing to write).
md_tree_begin() {
  md_init || return 2
  [ -d "$MD_DIR/trees/$1.$2" ] && [ "$(md_check "$MD_DIR/trees/$1.$2")" = "$3" ] && return 1
  MD_NEW="$MD_DIR/trees/$1.$2.new"
  rm -rf "$MD_NEW"
  (umask 077 && mkdir -p "$MD_NEW")
}

# md_file <relative path> <content>: one file of the tree begun, private until md_publish.
md_file() {
  case "$1" in */*) (umask 077 && mkdir -p "$MD_NEW/${1%/*}") ;; esac
  (umask 077 && printf '%s' "$2" > "$MD_NEW/$1")
}

# md_publish <id> <digest> <addresses> <earlier addresses>: the tree made readable by the
# server's group and put in place, each address linked to it, the port's other links and trees
# removed. Address lists are space-separated.
md_publish() {
  tree="trees/$1.$2"
  if [ -d "$MD_DIR/$tree.new" ]; then
    chgrp -R "$MD_GROUP" "$MD_DIR/$tree.new" && chmod -R g+rX "$MD_DIR/$tree.new" || return 1
    # A damaged tree of the same content is replaced (its clients see 404 between the two renames).
    if [ -e "$MD_DIR/$tree" ]; then rm -rf "$MD_DIR/$tree.old" && mv "$MD_DIR/$tree" "$MD_DIR/$tree.old"; fi
    mv "$MD_DIR/$tree.new" "$MD_DIR/$tree" || return 1
  fi
  for ip in $3; do
    ln -sfn "../$tree" "$MD_DIR/by-ip/.$ip.new" && mv -Tf "$MD_DIR/by-ip/.$ip.new" "$MD_DIR/by-ip/$ip" || return 1
  done
  md_prune "$1" "$tree" "$3" "$4"
}

# md_unpublish <id> <earlier addresses>: the port serves nothing any more.
md_unpublish() {
  md_prune "$1" '' '' "$2"
}

# md_prune <id> <tree kept> <addresses kept> <addresses to check>: removes the links among the
# addresses to check that point at this port but are not kept, and the port's other trees.
md_prune() {
  for ip in $4; do
    l="$MD_DIR/by-ip/$ip"
    [ -L "$l" ] || continue
    case " $3 " in *" $ip "*) continue ;; esac
    # The address may be another port's by now: only this port's link goes.
    case "$(readlink "$l")" in "../trees/$1."*) rm -f "$l" ;; esac
  done
  for d in "$MD_DIR/trees/$1."*; do
    [ -e "$d" ] || continue
    [ "$d" = "$MD_DIR/$2" ] || rm -rf "$d"
  done
}

# md_observe <addresses>: per address, where its link points; then, for the first one's tree,
# each file's sha256 and each link's target (`f <sha> <path>`, `l <target> <path>`), and
# `open <path>` for anything others than root and the server's group may read.
md_observe() {
  first=
  for ip in $1; do
    t=$(readlink "$MD_DIR/by-ip/$ip" 2>/dev/null) || t=missing
    echo "link $ip $t"
    [ -n "$first" ] || first=$t
  done
  case "$first" in ../trees/*) ;; *) return 0 ;; esac
  md_observe_tree "$MD_DIR/${first#../}"
}

# md_observe_tree <dir>: md_observe's lines for one tree (the node's gathering, sh/gather.sh,
# prints them for every tree an address links to). Digests only, never a file's content.
md_observe_tree() {
  [ -d "$1" ] || { echo "tree missing"; return 0; }
  (cd "$1" && find . -mindepth 1 \( -type f -o -type l \) | sort | while read -r f; do
    if [ -L "$f" ]; then echo "l $(readlink "$f") ${f#./}"; else echo "f $(file_sha "$f") ${f#./}"; fi
  done)
  find "$1" -mindepth 1 ! -type l -perm /o=rwx | sed "s|^$1/|open |"
  [ "$(stat -c %G "$1")" = "$MD_GROUP" ] || echo "group $(stat -c %G "$1")"
}
