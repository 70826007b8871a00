#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the registry tests.
#
#   source ci/postgres.sh      start it (or reuse the one already running) and export
#                              MASSINVOICE_TEST_PG=postgresql+psycopg://postgres@127.0.0.1:PORT/DB
#   bash ci/postgres.sh        the same, printing the MASSINVOICE_TEST_PG=... line
#   bash ci/postgres.sh stop   stop it and delete its data (or, once sourced: massinvoice_pg_stop)
#
# Installs Debian's postgresql when no server binaries are found (as root; not when
# MASSINVOICE_PG_NO_INSTALL=1). The cluster lives in $MASSINVOICE_PG_DIR (default
# /tmp/massinvoice-pg), listens on a free port, trusts local connections, skips fsync (its data
# is throwaway) and runs as the postgres user when started by root. Sourcing it twice reuses
# the running server. It never changes the caller's shell options and works under
# `set -euo pipefail`; it returns non-zero when no server could be had.

_mipg_log() { echo "ci/postgres.sh: $*" >&2; }

_mipg_bindir() {
  local dir
  if [ -n "${MASSINVOICE_PG_BIN:-}" ] && [ -x "${MASSINVOICE_PG_BIN}/initdb" ]; then
    echo "$MASSINVOICE_PG_BIN"
    return 0
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r || true); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

_mipg_install() {
  if [ "${MASSINVOICE_PG_NO_INSTALL:-}" = "1" ] || [ "$(id -u)" != "0" ]; then
    _mipg_log "no PostgreSQL server found (install Debian's 'postgresql' package)"
    return 1
  fi
  _mipg_log "installing PostgreSQL"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      postgresql postgresql-client >&2
}

# Run a server binary as the cluster's owner: postgres when we are root, else ourselves.
_mipg_as_owner() {
  if [ "$(id -u)" = "0" ]; then
    if command -v runuser >/dev/null 2>&1; then
      (cd / && runuser -u postgres -- "$@")
    else
      (cd / && su postgres -s /bin/sh -c "$(printf '%q ' "$@")")
    fi
  else
    "$@"
  fi
}

_mipg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
    2>/dev/null || echo $((20000 + RANDOM % 40000))
}

_mipg_answers() {  # url: does a server answer there?
  local uri="${1/+psycopg/}" bin
  if bin="$(_mipg_bindir)"; then
    "$bin/psql" "$uri" -tAc "SELECT 1" >/dev/null 2>&1
  else
    python3 -c 'import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=5).close()' \
      "$uri" >/dev/null 2>&1
  fi
}

_mipg_ready() {  # bindir port
  "$1/pg_isready" -q -h 127.0.0.1 -p "$2" -d postgres -U postgres >/dev/null 2>&1
}

_mipg_start() {
  local dir="${MASSINVOICE_PG_DIR:-/tmp/massinvoice-pg}"
  local db="${MASSINVOICE_PG_DB:-massinvoice_test}"
  local bin port attempt url

  # Already given a server that answers: keep it.
  if [ -n "${MASSINVOICE_TEST_PG:-}" ]; then
    if _mipg_answers "$MASSINVOICE_TEST_PG"; then
      echo "$MASSINVOICE_TEST_PG"
      return 0
    fi
    _mipg_log "MASSINVOICE_TEST_PG=$MASSINVOICE_TEST_PG does not answer; starting a local server"
  fi

  bin="$(_mipg_bindir)" || { _mipg_install && bin="$(_mipg_bindir)"; } || return 1

  # Ours, from an earlier call, still running: reuse it.
  if [ -f "$dir/port" ] && _mipg_ready "$bin" "$(cat "$dir/port")"; then
    port="$(cat "$dir/port")"
  else
    if [ -e "$dir" ]; then
      if [ ! -f "$dir/.massinvoice-pg" ]; then
        _mipg_log "$dir exists and is not ours: set MASSINVOICE_PG_DIR to another folder"
        return 1
      fi
      _mipg_as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
      rm -rf "$dir"
    fi
    mkdir -p "$dir" && touch "$dir/.massinvoice-pg" && chmod 700 "$dir" || return 1
    if [ "$(id -u)" = "0" ]; then
      chown -R postgres:postgres "$dir" || return 1
    fi
    _mipg_as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
      --no-sync >"$dir/initdb.log" 2>&1 || {
      _mipg_log "initdb failed:"
      cat "$dir/initdb.log" >&2
      return 1
    }
    for attempt in 1 2 3; do
      port="$(_mipg_free_port)" || return 1
      if _mipg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir \
            -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
            -c max_connections=200" start >/dev/null 2>&1; then
        break
      fi
      port=""
      _mipg_log "start on port attempt $attempt failed"
    done
    if [ -z "$port" ]; then
      _mipg_log "PostgreSQL did not start:"
      tail -n 20 "$dir/server.log" >&2 2>/dev/null || true
      return 1
    fi
    echo "$port" >"$dir/port"
  fi

  if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$db'" 2>/dev/null | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db" || return 1
  fi
  url="postgresql+psycopg://postgres@127.0.0.1:$port/$db"
  echo "$url"
}

_mipg_stop() {
  local dir="${MASSINVOICE_PG_DIR:-/tmp/massinvoice-pg}" bin
  [ -f "$dir/.massinvoice-pg" ] || return 0
  if bin="$(_mipg_bindir)"; then
    _mipg_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

massinvoice_pg_stop() {
  _mipg_stop
  unset MASSINVOICE_TEST_PG
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Sourced: export the URL into the caller's shell, return (never exit) with a status.
  if _mipg_url="$(_mipg_start)"; then
    export MASSINVOICE_TEST_PG="$_mipg_url"
    echo "MASSINVOICE_TEST_PG=$MASSINVOICE_TEST_PG"
    unset _mipg_url
    true
  else
    unset _mipg_url
    _mipg_log "no PostgreSQL for the tests"
    false
  fi
else
  case "${1:-start}" in
    start)
      if _mipg_url="$(_mipg_start)"; then
        echo "MASSINVOICE_TEST_PG=$_mipg_url"
      else
        exit 1
      fi
      ;;
    stop) _mipg_stop ;;
    *)
      echo "usage: bash ci/postgres.sh [start|stop]   or   source ci/postgres.sh" >&2
      exit 2
      ;;
  esac
fi
