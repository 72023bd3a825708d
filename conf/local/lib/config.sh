# shellcheck shell=bash
# shellcheck disable=SC2034  # the globals set here are used by the other files
# conf/local/lib/config.sh: the settings of a stack (environment, conf file, defaults).
# Sourced by conf/local/stack.sh (which sets `set -euo pipefail` and the globals of
# stack_load_config); not a program of its own.
# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------

# Prints the value of KEY in the conf file, or nothing: the rules of the C++ parser
# (app/util/config_line.h): `#` starts a comment at the start of a line or after a blank,
# "double quotes" with \" and \\, 'single quotes' literal, the last line wins.
conf_get() {
  [ -r "$STACK_CONF" ] || return 0
  awk -v want="$1" '
    /^[ \t]*#/ { next }
    index($0, "=") {
      key = $0; sub(/=.*/, "", key); gsub(/^[ \t]+|[ \t\r]+$/, "", key)
      if (key != want) next
      val = $0; sub(/^[^=]*=/, "", val); gsub(/^[ \t]+|[ \t\r]+$/, "", val)
      q = substr(val, 1, 1)
      if (q == "\"" || q == "\047") {
        out = ""
        for (i = 2; i <= length(val); i++) {
          c = substr(val, i, 1)
          if (c == q) break
          if (q == "\"" && c == "\\" && (substr(val, i + 1, 1) == "\"" || substr(val, i + 1, 1) == "\\")) { i++; c = substr(val, i, 1) }
          out = out c
        }
        val = out
      } else {
        if (substr(val, 1, 1) == "#") val = ""
        else if (match(val, /[ \t\r]#/)) { val = substr(val, 1, RSTART - 1); gsub(/[ \t\r]+$/, "", val) }
      }
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
  # The environment's var dir is taken from the repository root (where `make` runs); the file's,
  # like every relative path in it, from the file's own directory (as the binaries read it).
  local file_var
  file_var=$(conf_get var_dir)
  if [ -n "${FLASHSALE_VAR_DIR:-}" ]; then
    VAR=$(abs_path "$FLASHSALE_VAR_DIR")
  elif [ -z "$file_var" ]; then
    VAR=$(abs_path ./var)
  else
    case "$file_var" in
      /*) VAR=$(realpath -m -- "$file_var") ;;
      *) VAR=$(realpath -m -- "$(dirname "$STACK_CONF")/$file_var") ;;
    esac
  fi
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
  # The pool refuses the public development secrets of conf/flashsale.conf anywhere but here
  # (app/util/config_check.h).
  export FLASHSALE_ALLOW_DEVELOPMENT_SECRETS=true

  if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
    die "http port '$PORT' is not a port number"
  fi
  [[ "$EXPIRY_INTERVAL" =~ ^[0-9]+([.][0-9]+)?$ ]] \
    || die "FLASHSALE_EXPIRY_INTERVAL='$EXPIRY_INTERVAL' is not a number of seconds"
  # sun_path holds 107 bytes; past that the servers fail with obscure bind errors.
  [ "${#MYSQL_SOCK}" -le 107 ] || die "var dir path too long for unix sockets: $VAR"
}

