#!/usr/bin/env bash
# Build the sample app's image as grupo-gad:local from the repo's Dockerfile and print its size.
# The base image is node:20-bookworm-slim when the engine has it, else its offline stand-in
# (scripts/build-images.sh makes one of the two exist).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tag="${1:-grupo-gad:local}"
official=node:20-bookworm-slim

log() { printf '[build-image] %s\n' "$*" >&2; }

base_image() {
  if docker image inspect "$official" >/dev/null 2>&1; then
    echo "$official"
    return
  fi
  node -e 'console.log(require(process.argv[1])[process.argv[2]].standIn)' \
    "$root/simulator/images/stand-ins.json" "$official"
}

# npm may trust a CA of its own (a TLS-intercepting proxy); the builder stage needs it for npm ci.
# The file always exists in the context (empty without such a CA), since COPY cannot be optional.
write_ca_file() {
  local cafile
  cafile=$(npm config get cafile 2>/dev/null || true)
  if [ -n "$cafile" ] && [ "$cafile" != null ] && [ "$cafile" != undefined ] && [ -f "$cafile" ]; then
    cp "$cafile" "$root/.npm-ca.pem"
  else
    : >"$root/.npm-ca.pem"
  fi
}

main() {
  bash "$root/scripts/build-images.sh"
  local base
  base=$(base_image)
  docker image inspect "$base" >/dev/null 2>&1 || { log "base image $base is missing"; exit 1; }

  write_ca_file
  trap 'rm -f "$root/.npm-ca.pem"' EXIT
  log "building $tag from $base"
  local out
  out=$(mktemp)
  if ! docker build --build-arg "BASE_IMAGE=$base" --label dev.flysim.app=grupo-gad \
    -t "$tag" "$root" >"$out" 2>&1; then
    grep -v '^DEPRECATED\|legacy builder\|buildx\|docs.docker.com/go/buildx' "$out" | tail -n 40 >&2
    rm -f "$out"
    log "build failed"
    exit 1
  fi
  rm -f "$out"

  # Untagged leftovers of earlier builds of this tag still hold the builder stage (and the CA).
  docker image prune --force --filter label=dev.flysim.app=grupo-gad >/dev/null
  docker image inspect --format '{{.Size}}' "$tag" \
    | awk -v tag="$tag" '{ printf "%s: %.1f MB\n", tag, $1 / 1000000 }'
}

main "$@"
