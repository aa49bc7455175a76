#!/usr/bin/env bash
# Debian's PostgreSQL 15 for the tests, on a free loopback port, in a folder of its own.
#   postgres15.sh start DIR   installs the server if missing, starts it, prints its URL
#   postgres15.sh stop DIR    stops it
# Trust authentication is acceptable only because it listens on 127.0.0.1 for a test run.
set -euo pipefail

cmd=${1:?usage: postgres15.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: postgres15.sh start|stop DIR}")
bin=/usr/lib/postgresql/15/bin

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_server() {
  if [ -x "$bin/postgres" ]; then return; fi
  echo "installing postgresql-15 from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql-15 >&2
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

case "$cmd" in
  start)
    install_server
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 >"$dir/initdb.log" 2>&1
    fi
    port=$(free_port)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' -c fsync=off -c max_connections=200" \
      start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    ;;
  *)
    echo "usage: postgres15.sh start|stop DIR" >&2
    exit 2
    ;;
esac
