#!/usr/bin/env bash
# Local stand-ins for the Dockerfile's two public base images, for machines that cannot pull from a container
# registry (the test machines). Users build with the public bases (docs/install.md); the test suite builds
# the same Dockerfile with these passed as its BUILD_BASE and RUNTIME_BASE arguments.
#
#   build base    Debian 13 minbase (debootstrap from the Debian mirror apt uses) + the pinned Node.js
#                 binary at /usr/local/bin/node + npm, as in the official node:26-trixie-slim
#   runtime base  the same Debian 13 minbase + Node.js at /nodejs/bin/node + user 65532 "nonroot", as in
#                 gcr.io/distroless/nodejs26-debian13:nonroot (which has no shell or apt; this one does)
#
# Both are made once into buildah's storage under the tools cache, named by the pinned versions, and reused
# while those stay the same (a new NODE_VERSION in scripts/tools.sh makes new ones). Needs root, buildah and
# debootstrap (scripts/tools.sh buildah debootstrap) and the cached Node.js (scripts/tools.sh node).
#
# Prints, one a line: BUILD_BASE=... RUNTIME_BASE=... STORAGE_ROOT=... RUN_ROOT=... (the buildah/podman
# storage options every caller must pass: --root, --runroot, --storage-driver vfs).
# Exit codes: 0 ready, 3 a prerequisite is missing (the message says which).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache="${SWITCHBOARD_TOOLS_CACHE:-$HOME/.cache/switchboard-tools}"

# One pin for Node.js: scripts/tools.sh's.
NODE_VERSION=$(sed -n 's/^NODE_VERSION=\([0-9][0-9.]*\).*/\1/p' "$root/scripts/tools.sh")
# npm: the release line Node.js 26 ships with, from the npm registry.
NPM_VERSION=11.21.2
# Debian 13, the release of the public bases (node:26-trixie-slim, distroless nodejs26-debian13).
DEBIAN_SUITE=trixie

# vfs: works on any filesystem and without kernel overlay support (containers in containers).
STORAGE_ROOT="${SWITCHBOARD_CONTAINERS_ROOT:-$cache/containers/storage}"
RUN_ROOT="${SWITCHBOARD_CONTAINERS_RUNROOT:-/run/switchboard-containers}"
BUILD_BASE="localhost/switchboard-build-base:node$NODE_VERSION-npm$NPM_VERSION-$DEBIAN_SUITE"
RUNTIME_BASE="localhost/switchboard-runtime-base:node$NODE_VERSION-$DEBIAN_SUITE"

say() { printf 'image-bases: %s\n' "$*" >&2; }
fail() { say "ERROR: $*"; exit 3; }

[ -n "$NODE_VERSION" ] || fail "no NODE_VERSION in scripts/tools.sh"
[ "$(id -u)" = 0 ] || fail "making the base images needs root (debootstrap, buildah with the chroot isolation)"
command -v buildah >/dev/null || fail "buildah is not installed; run: scripts/tools.sh buildah"
command -v debootstrap >/dev/null || fail "debootstrap is not installed; run: scripts/tools.sh debootstrap"
node_bin="$cache/node-$NODE_VERSION/bin/node"
[ -x "$node_bin" ] || fail "node $NODE_VERSION is not in the tools cache; run: scripts/tools.sh node"

b() { buildah --root "$STORAGE_ROOT" --runroot "$RUN_ROOT" --storage-driver vfs "$@"; }

# The mirror apt uses here (deb822 or one-line sources), so the bases come from where the machine's packages do.
debian_mirror() {
  local m
  m=$(sed -n 's#^URIs:[[:space:]]*\(https\?://[^[:space:]]*/debian\)/\?$#\1#p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  [ -n "$m" ] || m=$(sed -n 's#^deb[[:space:]]\+\(https\?://[^[:space:]]*/debian\)/\?[[:space:]].*#\1#p' /etc/apt/sources.list 2>/dev/null | head -1)
  printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

has_image() { b inspect --type image "$1" >/dev/null 2>&1; }

print_result() {
  printf 'BUILD_BASE=%s\nRUNTIME_BASE=%s\nSTORAGE_ROOT=%s\nRUN_ROOT=%s\n' "$BUILD_BASE" "$RUNTIME_BASE" "$STORAGE_ROOT" "$RUN_ROOT"
}

mkdir -p "$STORAGE_ROOT" "$RUN_ROOT" "$cache/containers"
# Two test runs at once (or a test and a developer) must not both make the bases.
exec 9>"$cache/containers/bases.lock"
flock 9

if has_image "$BUILD_BASE" && has_image "$RUNTIME_BASE"; then
  print_result
  exit 0
fi

work=$(mktemp -d "$cache/containers/bases.XXXXXX")
containers=()
cleanup() {
  for c in "${containers[@]}"; do b rm "$c" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

mirror=$(debian_mirror)
say "debootstrap $DEBIAN_SUITE (minbase) from $mirror (first time only, ~1 min)"
if ! debootstrap --variant=minbase --include=ca-certificates,libatomic1 "$DEBIAN_SUITE" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
  tail -20 "$work/debootstrap.log" >&2
  fail "debootstrap $DEBIAN_SUITE from $mirror failed"
fi
rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*

say "fetching npm $NPM_VERSION (npm registry)"
if ! (cd "$work" && npm pack --silent "npm@$NPM_VERSION" >pack.log 2>&1 && tar xzf "npm-$NPM_VERSION.tgz"); then
  cat "$work/pack.log" >&2
  fail "could not fetch npm@$NPM_VERSION from the npm registry"
fi

PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# new_from_rootfs: a scratch container holding a copy of the Debian rootfs, in $c, mounted at $mnt.
c='' mnt=''
new_from_rootfs() {
  c=$(b from scratch)
  containers+=("$c")
  mnt=$(b mount "$c")
  cp -a "$work/rootfs/." "$mnt/"
}

if ! has_image "$BUILD_BASE"; then
  say "making $BUILD_BASE"
  new_from_rootfs
  install -D -m 0755 "$node_bin" "$mnt/usr/local/bin/node"
  mkdir -p "$mnt/usr/local/lib/node_modules"
  cp -a "$work/package" "$mnt/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  b umount "$c" >/dev/null
  b config --env "$PATH_ENV" --cmd node \
    --label "switchboard.base.node=$NODE_VERSION" --label "switchboard.base.npm=$NPM_VERSION" \
    --label "switchboard.base.debian=$DEBIAN_SUITE" "$c"
  b commit --quiet "$c" "$BUILD_BASE" >/dev/null
fi

if ! has_image "$RUNTIME_BASE"; then
  say "making $RUNTIME_BASE"
  new_from_rootfs
  install -D -m 0755 "$node_bin" "$mnt/nodejs/bin/node"
  echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >>"$mnt/etc/passwd"
  echo 'nonroot:x:65532:' >>"$mnt/etc/group"
  install -d -m 0700 -o 65532 -g 65532 "$mnt/home/nonroot"
  b umount "$c" >/dev/null
  b config --env "$PATH_ENV" --user 65532:65532 --workingdir /home/nonroot --entrypoint '["/nodejs/bin/node"]' \
    --label "switchboard.base.node=$NODE_VERSION" --label "switchboard.base.debian=$DEBIAN_SUITE" "$c"
  b commit --quiet "$c" "$RUNTIME_BASE" >/dev/null
fi

say "bases ready"
print_result
