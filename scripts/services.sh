#!/usr/bin/env bash
# Make sure the shared PostgreSQL (127.0.0.1:5432, database `test`) and Redis
# (127.0.0.1:6379) answer; start them from the installed packages if not.
set -euo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! command -v pg_ctl >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    echo "services: installing PostgreSQL" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if ! command -v redis-server >/dev/null 2>&1; then
    echo "services: installing Redis" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi

if ! pg_up; then
    echo "services: starting PostgreSQL" >&2
    if ls /etc/postgresql/*/main >/dev/null 2>&1; then
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    else
        bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | head -1)")
        data=/var/lib/postgresql/cps-ci
        if [ ! -d "$data" ]; then
            install -d -o postgres -g postgres "$data"
            su postgres -c "$bin/initdb -D $data -A trust -U postgres" >/dev/null
        fi
        su postgres -c "$bin/pg_ctl -D $data -o '-p 5432 -k /tmp -c listen_addresses=127.0.0.1' -l $data/log -w start"
    fi
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
pg_up || { echo "services: PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -c 'create database test' >/dev/null

if ! redis_up; then
    echo "services: starting Redis" >&2
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 30); do redis_up && break; sleep 0.5; done
fi
redis_up || { echo "services: Redis does not answer on 127.0.0.1:6379" >&2; exit 1; }
echo "services: PostgreSQL and Redis answer" >&2
