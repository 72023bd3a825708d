# shellcheck shell=bash
# shellcheck disable=SC2034  # the globals set here are used by the other files
# conf/local/lib/config.sh: the settings of a stack (environment, conf file, defaults).
# Sourced by conf/local/stack.sh (which sets `set -euo pipefail` and the globals of
# stack_load_config); not a program of its own.
# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------

# Prints the value of KEY in the conf file (`key = value`, `#` comments, the last one wins, as in
# the C++ parser), or nothing.
conf_get() {
  [ -r "$STACK_CONF" ] || return 0
  awk -v want="$1" '
    { sub(/#.*/, "") }
    index($0, "=") {
      key = $0; sub(/=.*/, "", key); gsub(/^[ \t]+|[ \t\r]+$/, "", key)
      if (key != want) next
      val = $0; sub(/^[^=]*=/, "", val); gsub(/^[ \t]+|[ \t\r]+$/, "", val)
      found = 1; last = val
    }
    END { if (found) print last }' "$STACK_CONF"
}

# setting ENV_NAME KEY DEFAULT: the environment wins, then the conf file, then DEFAULT.
setting() {
  local value=${!1:-}
  [ -n "$value" ] || value=$(conf_get "$2")
  printf '%s\n' "${value:-$3}"
}

# Absolute path of $1, relative paths taken from the repository root.
abs_path() {
  case "$1" in
    /*) realpath -m -- "$1" ;;
    *) realpath -m -- "$STACK_REPO/$1" ;;
  esac
}

stack_load_config() {
  STACK_CONF=$(abs_path "${FLASHSALE_CONFIG:-conf/flashsale.conf}")
  VAR=$(abs_path "$(setting FLASHSALE_VAR_DIR var_dir ./var)")
  PORT=$(setting FLASHSALE_HTTP_PORT http_port 8080)
  BIN=$(abs_path "${FLASHSALE_BIN_DIR:-build/bin}")
  EXPIRY_INTERVAL=${FLASHSALE_EXPIRY_INTERVAL:-5}
  DB_NAME=$(setting FLASHSALE_DB_NAME db_name flashsale)
  DB_USER=$(setting FLASHSALE_DB_USER db_user flashsale)
  DB_PASSWORD=$(setting FLASHSALE_DB_PASSWORD db_password flashsale)
  RUN=$VAR/run
  LOG=$VAR/log
  MYSQL_SOCK=$RUN/mysqld.sock
  REDIS_SOCK=$RUN/redis.sock
  # The pool's address comes from the same setting the pool reads, so nginx always points at it.
  FCGI_LISTEN=$(setting FLASHSALE_FCGI_LISTEN fcgi_listen run/fcgi.sock)
  case "$FCGI_LISTEN" in
    *:*) FCGI_UPSTREAM=$FCGI_LISTEN; FCGI_SOCK= ;;
    /*) FCGI_SOCK=$FCGI_LISTEN; FCGI_UPSTREAM=unix:$FCGI_SOCK ;;
    *) FCGI_SOCK=$VAR/$FCGI_LISTEN; FCGI_UPSTREAM=unix:$FCGI_SOCK ;;
  esac
  export FLASHSALE_VAR_DIR=$VAR
  export FLASHSALE_CONFIG=$STACK_CONF

  if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
    die "http port '$PORT' is not a port number"
  fi
  [[ "$EXPIRY_INTERVAL" =~ ^[0-9]+([.][0-9]+)?$ ]] \
    || die "FLASHSALE_EXPIRY_INTERVAL='$EXPIRY_INTERVAL' is not a number of seconds"
  # sun_path holds 107 bytes; past that the servers fail with obscure bind errors.
  [ "${#MYSQL_SOCK}" -le 107 ] || die "var dir path too long for unix sockets: $VAR"
}

