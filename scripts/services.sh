#!/usr/bin/env bash
# Start what the store tests talk to, on this machine, the way CI does (.ci/run calls this):
#   Redis      127.0.0.1:6379, nothing kept on disk
#   PostgreSQL 127.0.0.1:5432, user postgres, database "test", trust auth on loopback
# Debian packages: redis-server, postgresql. Anything already answering is left as it is.
set -euo pipefail

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
fi
for _ in $(seq 1 30); do
  if redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then break; fi
  sleep 1
done
redis-cli -h 127.0.0.1 ping
pg_isready -h 127.0.0.1 -p 5432
# The tests connect as postgres to database "test" without a password.
if ! psql -h 127.0.0.1 -U postgres -d test -c 'SELECT 1' >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -d postgres -c 'CREATE DATABASE test' >/dev/null
fi
psql -h 127.0.0.1 -U postgres -d test -Atc "SELECT 'PostgreSQL ' || current_setting('server_version') || ', database ' || current_database()"
