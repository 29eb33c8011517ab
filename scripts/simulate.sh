#!/usr/bin/env bash
# `npm run simulate`: prepares what is missing (a Docker engine, the offline base images), then runs `flysim simulate`: Postgres and Redis, generated
# secrets, the first deploy of the sample app, its URLs and timeline, then its logs until Ctrl-C,
# which removes every container and network of the run. Under CI=true it exits after the deploy.
# Arguments go to `flysim simulate` (e.g. `npm run simulate -- --speed 10`).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

log() { printf '[simulate] %s\n' "$*" >&2; }

ensure_engine() {
  docker info >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    log 'no Docker engine answers: installing and starting one (scripts/provision-docker.sh)'
    bash "$root/scripts/provision-docker.sh"
    return 0
  fi
  log 'no Docker engine answers. Start Docker (or set DOCKER_HOST); on Debian as root,'
  log '`npm run engine` installs and starts one.'
  exit 2
}

main() {
  ensure_engine
  log 'checking the base images (the first build of the offline stand-ins takes about two minutes)'
  bash "$root/scripts/build-images.sh" >&2

  cd "$root"
  # exec: flysim gets Ctrl-C and SIGTERM itself, and tears the run down before it exits.
  exec node simulator/bin/flysim.js simulate "$@"
}

main "$@"
