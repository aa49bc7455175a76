#!/usr/bin/env bash
# Debian's Redis for the tests, on a free loopback port, in a folder of its own.
#   redis.sh start DIR   installs the server if missing, starts it, prints its URL
#   redis.sh stop DIR    stops it
# No password and no persistence: it listens on 127.0.0.1 for one test run and holds nothing
# that is not also elsewhere (the cache is never the only copy).
set -euo pipefail

cmd=${1:?usage: redis.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: redis.sh start|stop DIR}")

install_server() {
  if command -v redis-server >/dev/null; then return; fi
  echo "installing redis-server from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq redis-server >&2
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# True once the server answers PING with PONG. redis-cli comes with redis-tools; without it a
# small node probe speaks the same one-line protocol.
answers_ping() {
  if command -v redis-cli >/dev/null; then
    [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]
  else
    node -e "
      const s = require('net').connect($1, '127.0.0.1', () => s.write('PING\r\n'));
      let got = '';
      s.setTimeout(1000, () => process.exit(1));
      s.on('data', (d) => { got += d; if (got.includes('\r\n')) process.exit(got.startsWith('+PONG') ? 0 : 1); });
      s.on('error', () => process.exit(1));
    " 2>/dev/null
  fi
}

case "$cmd" in
  start)
    install_server
    mkdir -p "$dir"
    port=$(free_port)
    echo "$port" >"$dir/port"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --daemonize yes
    for _ in $(seq 1 100); do
      if answers_ping "$port"; then
        echo "redis://127.0.0.1:$port"
        exit 0
      fi
      sleep 0.1
    done
    echo "redis-server did not answer on port $port; see $dir/redis.log" >&2
    exit 1
    ;;
  stop)
    if [ ! -f "$dir/redis.pid" ]; then exit 0; fi
    pid=$(cat "$dir/redis.pid")
    # Both end the server without saving (--save '' leaves nothing to save); SIGTERM is the
    # way in when redis-cli is absent.
    if command -v redis-cli >/dev/null && [ -f "$dir/port" ]; then
      redis-cli -h 127.0.0.1 -p "$(cat "$dir/port")" shutdown nosave >/dev/null 2>&1 || true
    else
      kill -TERM "$pid" 2>/dev/null || true
    fi
    # Redis removes its pidfile on a clean exit. Waiting on that rather than `kill -0` matters
    # where PID 1 reaps late: the exited daemon lingers as a zombie that still takes signals.
    for _ in $(seq 1 50); do
      [ -f "$dir/redis.pid" ] || exit 0
      sleep 0.1
    done
    echo "redis-server (pid $pid) did not stop; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/redis.pid"
    ;;
  *)
    echo "usage: redis.sh start|stop DIR" >&2
    exit 2
    ;;
esac
