#!/usr/bin/env bash
# `npm run simulate`, until the simulator's deploy lands: Postgres and Redis in containers, the
# release command (migrate) in a throwaway container, then the app's image on 127.0.0.1:8080.
# Ctrl-C removes everything it started (every container and the network carry one run label).
# Under CI=true it checks /health once and tears down.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
run="simulate-$(date +%s)-$$"
network="flysim-$run"
port="${FLYSIM_PORT:-8080}"
label="dev.flysim.run=$run"
env_file=$(mktemp)
chmod 600 "$env_file"

log() { printf '[simulate] %s\n' "$*" >&2; }

cleanup() {
  trap - EXIT INT TERM
  log 'tearing down'
  docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null
  docker network ls -q --filter "label=$label" | xargs -r docker network rm >/dev/null
  rm -f "$env_file"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

image_for() {
  node -e '
    const [file, name] = process.argv.slice(1);
    const { execSync } = require("node:child_process");
    try { execSync(`docker image inspect ${name}`, { stdio: "ignore" }); console.log(name); }
    catch { console.log(require(file)[name].standIn); }
  ' "$root/simulator/images/stand-ins.json" "$1"
}

wait_for_health() {
  for _ in $(seq 1 60); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

# During first-start initialisation Postgres listens on its socket only, so a TCP probe passes
# only once the final server is up.
wait_for_postgres() {
  for _ in $(seq 1 60); do
    docker exec "$1" pg_isready --host 127.0.0.1 --quiet && return 0
    sleep 0.5
  done
  return 1
}

secret() { node -e 'console.log(require("node:crypto").randomBytes(32).toString("hex"))'; }

main() {
  bash "$root/scripts/build-image.sh" >/dev/null
  docker network create --label "$label" "$network" >/dev/null

  log 'starting Postgres and Redis'
  db=$(docker run -d --label "$label" --network "$network" --network-alias grupo-gad-db.internal \
    -e POSTGRES_USER=gcp_user -e POSTGRES_PASSWORD=gcp_password -e POSTGRES_DB=gcp_db \
    "$(image_for postgres:16)")
  docker run -d --label "$label" --network "$network" --network-alias grupo-gad-redis.internal \
    "$(image_for redis:7)" >/dev/null

  # Secrets go in through a 0600 env file, never on a command line.
  {
    echo 'DATABASE_URL=postgres://gcp_user:gcp_password@grupo-gad-db.internal:5432/gcp_db'
    echo 'REDIS_URL=redis://grupo-gad-redis.internal:6379'
    echo "SECRET_KEY=$(secret)"
    echo "JWT_SECRET_KEY=$(secret)"
  } >"$env_file"

  wait_for_postgres "$db" || { log 'Postgres did not become ready within 30 s'; exit 1; }
  log 'running the release command: node service/dist/bin/migrate.js'
  docker run --rm --label "$label" --network "$network" --env-file "$env_file" \
    -e RELEASE_COMMAND=1 grupo-gad:local node service/dist/bin/migrate.js

  log 'starting the app'
  docker run -d --label "$label" --network "$network" --env-file "$env_file" \
    -p "127.0.0.1:$port:8080" grupo-gad:local >/dev/null
  wait_for_health || { log "the app did not answer on port $port"; exit 1; }
  log "grupo-gad is up: http://127.0.0.1:$port/health (Ctrl-C to stop)"

  [ "${CI:-}" = true ] && return 0
  docker logs -f "$(docker ps -q --filter "label=$label" --filter ancestor=grupo-gad:local)"
}

main "$@"
