#!/usr/bin/env bash
# Make sure a Docker engine answers. A no-op when one already does; otherwise, on Debian as root,
# install the engine (docker.io) and debootstrap when missing, start dockerd in the background and
# wait until it answers. Safe to run any number of times.
set -euo pipefail

log() { printf '[provision-docker] %s\n' "$*" >&2; }

engine_answers() { docker info >/dev/null 2>&1; }

if engine_answers; then
  log "engine already answers: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "no Docker engine answers, and this is not root on Debian: start one (or set DOCKER_HOST)"
  exit 1
fi

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  # The machine may already carry a newer docker CLI in /usr/local/bin; docker.io's own CLI in
  # /usr/bin is fine next to it, and the engine is what we need.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" iptables >/dev/null
fi

log_file=/var/log/flysim-dockerd.log
log "starting dockerd (log: $log_file)"
setsid dockerd >"$log_file" 2>&1 </dev/null &

for _ in $(seq 1 120); do
  if engine_answers; then
    log "engine answers: $(docker version --format '{{.Server.Version}}')"
    exit 0
  fi
  sleep 0.5
done

log "dockerd did not answer within 60 s; last lines of $log_file:"
tail -n 20 "$log_file" >&2
exit 1
