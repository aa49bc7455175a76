#!/usr/bin/env bash
# The whole check, as CI runs it: formatting, lint, types, then every test twice over real
# PostgreSQL: the embedded server (the product's default) and Debian's PostgreSQL 15, each
# started here on a free loopback port and stopped afterwards. One Debian redis-server, started
# the same way, serves both runs.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== format (prettier)"
npx prettier --check . >/dev/null
echo "== lint (eslint)"
npx eslint .
echo "== types (tsc -b)"
npx tsc -b

services=$(mktemp -d /tmp/swiftacare-services.XXXXXX)
chmod 755 "$services"
reports="$services/reports"
mkdir -p "$reports"
cleanup() {
  scripts/services/postgres15.sh stop "$services/postgres15" || true
  scripts/services/redis.sh stop "$services/redis" || true
  rm -rf "$services"
}
trap cleanup EXIT

redis_url=$(scripts/services/redis.sh start "$services/redis")

echo "== tests on embedded PostgreSQL"
TEST_REDIS_URL="$redis_url" npx vitest run \
  --reporter=default --reporter=json --outputFile.json="$reports/embedded.json"

echo "== tests on Debian PostgreSQL 15"
url=$(scripts/services/postgres15.sh start "$services/postgres15")
TEST_DATABASE_URL="$url" TEST_REDIS_URL="$redis_url" \
  npx vitest run packages/postgres-store gateway test/src \
  --reporter=default --reporter=json --outputFile.json="$reports/postgres15.json"

node scripts/test-summary.mjs "$reports/embedded.json" "$reports/postgres15.json"
