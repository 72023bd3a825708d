# shellcheck shell=bash
# conf/local/lib/components.sh: rendered configs, MariaDB, Redis, the FastCGI pool, nginx, the expiry loop.
# Sourced by conf/local/stack.sh (which sets `set -euo pipefail` and the globals of
# stack_load_config); not a program of its own.
# ---------------------------------------------------------------------------------------------
# Files under $VAR
# ---------------------------------------------------------------------------------------------

# render TEMPLATE OUTPUT USER_LINE: fills in @VAR@, @PORT@, @FCGI_UPSTREAM@ and @USER_LINE@.
render() {
  local esc_var esc_up
  esc_var=$(printf '%s' "$VAR" | sed 's/[\\|&]/\\&/g')
  esc_up=$(printf '%s' "$FCGI_UPSTREAM" | sed 's/[\\|&]/\\&/g')
  sed -e "s|@VAR@|$esc_var|g" -e "s|@PORT@|$PORT|g" -e "s|@FCGI_UPSTREAM@|$esc_up|g" \
      -e "s|@USER_LINE@|$3|g" "$1" >"$2.tmp"
  mv -f "$2.tmp" "$2"
}

stack_prepare() {
  mkdir -p "$VAR" "$RUN" "$LOG" "$VAR/tmp" "$VAR/conf/flashsale" "$VAR/conf/nginx-extra.d"
  # The sockets in run/ are the access control: MariaDB's root has no password.
  chmod 700 "$RUN"
  local db_user_line='' nginx_user_line=
  if [ "$(id -u)" -eq 0 ]; then
    db_user_line='user = root'
    nginx_user_line='user root root;'
  fi
  render conf/local/my.cnf.in "$VAR/conf/my.cnf" "$db_user_line"
  render conf/local/redis.conf.in "$VAR/conf/redis.conf" ""
  render conf/local/nginx.conf.in "$VAR/conf/nginx.conf" "$nginx_user_line"
  # The shared routing, copied so the rendered nginx.conf finds it relative to its own directory.
  cp -f conf/nginx/flashsale-api.conf conf/nginx/fastcgi_params "$VAR/conf/flashsale/"
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

