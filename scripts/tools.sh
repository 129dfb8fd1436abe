#!/usr/bin/env bash
# Installs the pinned external tools the project runs against into .tools/bin.
# Idempotent: a tool already built at the pinned version is reused (from .tools/bin, or from the
# machine-wide cache in $SWITCHBOARD_TOOLS_CACHE so a fresh clone does not rebuild it).
#
#   scripts/tools.sh                 # every tool
#   scripts/tools.sh nats-server     # only the named ones
#
# Exit codes: 0 all present, 3 a tool could not be had (the message says which and why).
set -euo pipefail

NATS_SERVER_VERSION=v2.12.3
HELM_VERSION=v3.19.0
APT_PROMETHEUS=prometheus            # Debian bookworm: 2.42
APT_ALERTMANAGER=prometheus-alertmanager  # Debian bookworm: 0.25

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.tools/bin"
cache="${SWITCHBOARD_TOOLS_CACHE:-$HOME/.cache/switchboard-tools}"
mkdir -p "$bin" "$cache"

say() { printf 'tools: %s\n' "$*" >&2; }
fail() { say "ERROR: $*"; exit 3; }

# go_tool NAME MODULE VERSION: builds MODULE@VERSION once into the cache, links it into .tools/bin.
go_tool() {
  local name=$1 module=$2 version=$3
  local target="$cache/$name-$version"
  if [ ! -x "$target/$name" ]; then
    command -v go >/dev/null || fail "$name needs Go to build ($module@$version); install Go 1.22+ and re-run"
    say "building $name $version from $module (first time only, ~1-3 min)"
    mkdir -p "$target"
    if ! GOBIN="$target" GOFLAGS=-mod=mod go install "$module@$version" >"$target/build.log" 2>&1; then
      tail -20 "$target/build.log" >&2
      fail "could not build $name $version; see $target/build.log"
    fi
  fi
  ln -sf "$target/$name" "$bin/$name"
  say "$name $version ready"
}

apt_tool() {
  local name=$1 package=$2 path=$3
  if [ ! -x "$path" ]; then
    command -v apt-get >/dev/null || fail "$name comes from Debian package $package, but apt-get is not available"
    say "installing Debian package $package"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    if ! { $sudo apt-get install -y --no-install-recommends "$package" >/dev/null 2>&1 ||
      { $sudo apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "$package" >/dev/null; }; }; then
      fail "could not install Debian package $package (apt-get failed; check network access to the Debian mirror)"
    fi
    [ -x "$path" ] || fail "package $package installed but $path is missing"
  fi
  ln -sf "$path" "$bin/$name"
  say "$name ready ($("$path" --version 2>&1 | head -1))"
}

install_one() {
  case "$1" in
    nats-server) go_tool nats-server github.com/nats-io/nats-server/v2 "$NATS_SERVER_VERSION" ;;
    helm) go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" ;;
    prometheus)
      apt_tool prometheus "$APT_PROMETHEUS" /usr/bin/prometheus
      ln -sf /usr/bin/promtool "$bin/promtool"
      ;;
    alertmanager) apt_tool alertmanager "$APT_ALERTMANAGER" /usr/bin/prometheus-alertmanager ;;
    *) say "unknown tool '$1' (known: nats-server helm prometheus alertmanager)"; exit 2 ;;
  esac
}

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(nats-server alertmanager prometheus helm)
for t in "${tools[@]}"; do install_one "$t"; done
