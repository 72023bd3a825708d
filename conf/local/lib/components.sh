# shellcheck shell=bash
# conf/local/lib/components.sh: rendered configs, MariaDB, Redis, the FastCGI pool, nginx, the expiry loop.
# Sourced by conf/local/stack.sh (which sets `set -euo pipefail` and the globals of
# stack_load_config); not a program of its own.
# ---------------------------------------------------------------------------------------------
# Files under $VAR
# ---------------------------------------------------------------------------------------------

# render TEMPLATE OUTPUT USER_LINE [SED_ARGS...]: fills in @VAR@, @PORT@, @FCGI_UPSTREAM@ and
# @USER_LINE@, and whatever the extra sed arguments replace.
render() {
  local esc_var esc_up template=$1 output=$2 user_line=$3
  shift 3
  esc_var=$(printf '%s' "$VAR" | sed 's/[\\|&]/\\&/g')
  esc_up=$(printf '%s' "$FCGI_UPSTREAM" | sed 's/[\\|&]/\\&/g')
  sed -e "s|@VAR@|$esc_var|g" -e "s|@PORT@|$PORT|g" -e "s|@FCGI_UPSTREAM@|$esc_up|g" \
      -e "s|@USER_LINE@|$user_line|g" "$@" "$template" >"$output.tmp"
  mv -f "$output.tmp" "$output"
}

stack_prepare() {
  mkdir -p "$VAR" "$RUN" "$LOG" "$VAR/tmp" "$VAR/conf/flashsale" "$VAR/conf/nginx-extra.d"
  # The sockets in run/ are the access control: MariaDB's root has no password.
  chmod 700 "$RUN"
  local db_user_line=''
  [ "$(id -u)" -ne 0 ] || db_user_line='user = root'
  render conf/local/my.cnf.in "$VAR/conf/my.cnf" "$db_user_line"
  render conf/local/redis.conf.in "$VAR/conf/redis.conf" ""
  nginx_render
}

# ---------------------------------------------------------------------------------------------
# MariaDB
# ---------------------------------------------------------------------------------------------

db_sql() { mariadb --no-defaults --socket="$MYSQL_SOCK" -uroot --connect-timeout=2 "$@"; }
db_ping() { db_sql -N -e 'SELECT 1' >/dev/null; }

# First start only: an existing datadir is never touched again, so data survives `make run`.
# --auth-root-authentication-method=normal gives root@localhost an empty password, which works
# for any OS user (socket auth would only admit an OS user named root); skip-networking and the
# private run/ directory keep it unreachable for anyone else. --cross-bootstrap skips the
# hostname lookup and the root@<hostname> account, which are useless without networking.
db_init() {
  [ -d "$VAR/mysql/mysql" ] && return 0
  say "initialising MariaDB datadir $VAR/mysql"
  local as_root=()
  [ "$(id -u)" -ne 0 ] || as_root=(--user=root)
  if ! mariadb-install-db --defaults-file="$VAR/conf/my.cnf" "${as_root[@]}" \
         --auth-root-authentication-method=normal --skip-test-db --cross-bootstrap \
         >>"$LOG/mariadb-install.log" 2>&1; then
    tail -n 25 "$LOG/mariadb-install.log" >&2
    rm -rf "$VAR/mysql"   # a half-made datadir would be taken for a good one next time
    die "mariadb-install-db failed"
  fi
}

db_start() {
  pid_alive mariadb >/dev/null && return 0
  db_init
  rm -f "$MYSQL_SOCK"
  spawn mariadb "$LOG/mariadb.log" mariadbd --defaults-file="$VAR/conf/my.cnf"
}

db_wait() { wait_until 30 mariadb db_ping; }

# The application's database and account, every start: cheap, and a password changed in the
# conf file takes effect.
db_provision() {
  local q_pw=${DB_PASSWORD//\\/\\\\}
  q_pw=${q_pw//\'/\\\'}
  local q_user=${DB_USER//\'/\\\'} q_db=${DB_NAME//\`/\`\`}
  db_sql <<SQL
CREATE DATABASE IF NOT EXISTS \`$q_db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$q_user'@'localhost' IDENTIFIED BY '$q_pw';
ALTER USER '$q_user'@'localhost' IDENTIFIED BY '$q_pw';
GRANT ALL PRIVILEGES ON \`$q_db\`.* TO '$q_user'@'localhost';
SQL
}

# Migrations and seed: flashsale-migrate is safe to run twice. It reads sql_dir and log_config
# relative to its working directory, which is the repository root here.
db_migrate() {
  if ! "$BIN/flashsale-migrate" --config "$STACK_CONF" --seed >>"$LOG/migrate.log" 2>&1; then
    say "flashsale-migrate failed"
    return 1
  fi
  say "$(tail -n 1 "$LOG/migrate.log")"
}

# ---------------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------------

redis_ping() { [ "$(redis-cli -s "$REDIS_SOCK" ping 2>/dev/null)" = PONG ]; }

redis_start() {
  pid_alive redis >/dev/null && return 0
  rm -f "$REDIS_SOCK"
  spawn redis "$LOG/redis.log" redis-server "$VAR/conf/redis.conf"
}

redis_wait() { wait_until 20 redis redis_ping; }


# ---------------------------------------------------------------------------------------------
# FastCGI pool, nginx, expiry loop
# ---------------------------------------------------------------------------------------------

# The pool runs under its supervisor (lib/supervise.sh), which restarts a master that dies.
fcgi_start() {
  [ -x "$BIN/flashsale-fcgi" ] || die "$BIN/flashsale-fcgi not found: run 'make all' first"
  pid_alive fcgi >/dev/null && return 0
  [ -z "$FCGI_SOCK" ] || rm -f "$FCGI_SOCK"   # so readiness below means the new pool's socket
  spawn fcgi "$LOG/flashsale.log" "$BASH" "$STACK_SELF" __fcgi-supervise
}

fcgi_socket_ready() { [ -z "$FCGI_SOCK" ] || [ -S "$FCGI_SOCK" ]; }

# nginx's settings: admission control and the per-client rate limit from the environment and
# conf/flashsale.conf (conf/nginx/flashsale-limits.conf explains them), and its open files and
# connections from the hard RLIMIT_NOFILE, which is all an ordinary user may take (capped: nginx
# allocates every connection slot at start).
nginx_settings() {
  ADMISSION_LIMIT=$(setting FLASHSALE_ADMISSION_LIMIT admission_limit 1024)
  RATE_LIMIT=$(setting FLASHSALE_RATE_LIMIT_PER_SECOND rate_limit_per_second 0)
  RATE_BURST=$(setting FLASHSALE_RATE_LIMIT_BURST rate_limit_burst 20)
  { [[ "$ADMISSION_LIMIT" =~ ^[1-9][0-9]{0,4}$ ]] && [ "$ADMISSION_LIMIT" -le 65535 ]; } \
    || die "admission_limit '$ADMISSION_LIMIT' is not a number from 1 to 65535"
  [[ "$RATE_LIMIT" =~ ^(0|[1-9][0-9]{0,6})$ ]] \
    || die "rate_limit_per_second '$RATE_LIMIT' is not a number from 0 (off) to 9999999"
  [[ "$RATE_BURST" =~ ^(0|[1-9][0-9]{0,6})$ ]] \
    || die "rate_limit_burst '$RATE_BURST' is not a number from 0 to 9999999"
  NGINX_NOFILE=$(ulimit -Hn)
  if [ "$NGINX_NOFILE" = unlimited ] || [ "$NGINX_NOFILE" -gt 65536 ]; then NGINX_NOFILE=65536; fi
  # A few descriptors stay for the logs and the listening socket.
  NGINX_CONNECTIONS=$(( NGINX_NOFILE - 64 > 256 ? NGINX_NOFILE - 64 : 256 ))
}

# $VAR/conf/nginx.conf, the shared routing next to it, and flashsale-limits.conf written in place
# of the shipped one (which LAMP and Docker use as is), all from the caller's environment.
nginx_render() {
  nginx_settings
  local user_line='' zone='# rate_limit_per_second = 0: no per-client rate limit'
  [ "$(id -u)" -ne 0 ] || user_line='user root root;'
  [ "$RATE_LIMIT" -eq 0 ] \
    || zone="limit_req_zone \$binary_remote_addr zone=flashsale_rate:10m rate=${RATE_LIMIT}r/s;"
  render conf/local/nginx.conf.in "$VAR/conf/nginx.conf" "$user_line" \
    -e "s|@NOFILE@|$NGINX_NOFILE|g" -e "s|@WORKER_CONNECTIONS@|$NGINX_CONNECTIONS|g" \
    -e "s|@RATE_LIMIT_ZONE@|$zone|g"
  # The shared routing, copied so the rendered nginx.conf finds it relative to its own directory.
  cp -f conf/nginx/flashsale-api.conf conf/nginx/flashsale-trusted.conf conf/nginx/fastcgi_params "$VAR/conf/flashsale/"
  local limits=$VAR/conf/flashsale/flashsale-limits.conf
  {
    echo "# Written by conf/local/stack.sh from admission_limit = $ADMISSION_LIMIT," \
         "rate_limit_per_second = $RATE_LIMIT, rate_limit_burst = $RATE_BURST."
    echo "# conf/nginx/flashsale-limits.conf (the shipped default) explains each line."
    echo "limit_conn flashsale_inflight $ADMISSION_LIMIT;"
    echo "limit_conn_status 503;"
    echo "limit_conn_log_level info;"
    if [ "$RATE_LIMIT" -gt 0 ]; then
      # nginx refuses burst=0; leaving it out means the same.
      if [ "$RATE_BURST" -gt 0 ]; then
        echo "limit_req zone=flashsale_rate burst=$RATE_BURST nodelay;"
      else
        echo "limit_req zone=flashsale_rate;"
      fi
      echo "limit_req_status 429;"
      echo "limit_req_log_level info;"
    fi
  } >"$limits.tmp"
  mv -f "$limits.tmp" "$limits"
}

# `nginx -t` on the rendered config: prints nginx's complaint and fails when it is bad.
nginx_check() {
  nginx -t -q -p "$VAR/" -c "$VAR/conf/nginx.conf" -e "$LOG/nginx-error.log" 2>&1
}

nginx_start() {
  pid_alive nginx >/dev/null && return 0
  spawn nginx "$LOG/nginx-error.log" \
    nginx -p "$VAR/" -c "$VAR/conf/nginx.conf" -e "$LOG/nginx-error.log"
}

expiry_start() {
  # 0 (or 0.0): the caller drives the job itself, as the tests do.
  [[ ! "$EXPIRY_INTERVAL" =~ ^0*([.]0*)?$ ]] || return 0
  pid_alive expiry >/dev/null && return 0
  spawn expiry "$LOG/release-expired.log" "$BASH" "$STACK_SELF" __expiry-loop
}

# The expiry loop itself (runs in its own session, see expiry_start). The job takes a Redis lock,
# so a run that overlaps a manual one is harmless. On SIGTERM a job run in progress finishes
# (bash runs the trap after it), and the nap is killed and reaped rather than left to init.
expiry_loop() {
  local nap=''
  trap 'if [ -n "$nap" ]; then kill "$nap" 2>/dev/null; wait "$nap"; fi; exit 0' TERM
  while :; do
    "$BIN/flashsale-release-expired" --config "$STACK_CONF" || echo "[expiry] run failed ($?)"
    sleep "$EXPIRY_INTERVAL" &
    nap=$!
    wait "$nap" || true
    nap=''
  done
}

