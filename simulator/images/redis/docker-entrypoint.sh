#!/bin/sh
# Debian builds redis with protected mode on; the official image turns it off so clients on other
# containers and published ports can connect. Callers (RedisContainer) replace CMD, so the switch
# lives here.
set -e

if [ "${1#-}" != "$1" ]; then
  set -- redis-server "$@"
fi

if [ "$1" = redis-server ]; then
  set -- "$@" --protected-mode no
fi

exec "$@"
