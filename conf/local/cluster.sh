#!/usr/bin/env bash
# cluster.sh: the local cluster. Three MariaDB Galera nodes, Redis (a master, a replica, three
# Sentinels), several FastCGI pools and one nginx in front of them, all on loopback, for one var dir.
#
#   conf/local/cluster.sh run | start | stop | status
#   conf/local/cluster.sh node-kill N | node-stop N | node-start N | node-pid N     (N = 1..3)
#   conf/local/cluster.sh redis-kill-master | redis-start-old | redis-master
#   conf/local/cluster.sh pool-stop I | pool-start I                                (I = 0..)
#
# `run` starts everything and stays in the foreground until Ctrl-C, then stops everything;
# `start` returns once every pool answers GET /api/health through nginx. `node-kill` SIGKILLs a
# Galera node, `node-stop` shuts it down cleanly, `node-start` starts it and returns once it is
# Synced (it catches up by IST). `redis-kill-master` SIGKILLs whichever Redis is the master now;
# `redis-start-old` waits for the Sentinels' failover and starts the killed one as a replica;
# `redis-master` prints the master's port.
#
# Inputs (environment first, then conf/flashsale.conf, then the default):
#   FLASHSALE_VAR_DIR             var/cluster  all state: node<N>/ redis<N>/ sentinel<N>/ pool<I>/
#                                              run/ (node<N>.sock, pid files) log/ conf/
#   FLASHSALE_HTTP_PORT           8090         nginx: all pools; port + 1 + I: pool I only
#   FLASHSALE_CLUSTER_POOLS       3            number of pools
#   FLASHSALE_CLUSTER_BASE_PORT   27000        a block of 40 loopback ports (cluster/config.sh)
#   FLASHSALE_BIN_DIR, FLASHSALE_EXPIRY_INTERVAL, FLASHSALE_CONFIG, FLASHSALE_DB_*: as stack.sh
#
# DESIGN
# The local stack's pieces (conf/local/lib/*.sh: spawn, pid files, stop, the pool's supervisor,
# config rendering) with the cluster's own in conf/local/cluster/*.sh. Every process runs in its
# own session with its pid in a file under $VAR, so every verb works from any shell.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

STACK_SELF=$(readlink -f "${BASH_SOURCE[0]}")
STACK_REPO=$(cd "$(dirname "$STACK_SELF")/../.." && pwd)
readonly STACK_SELF STACK_REPO
cd "$STACK_REPO"

readonly STACK_LIB=${STACK_SELF%/*}/lib
readonly CLUSTER_LIB=${STACK_SELF%/*}/cluster
# The local stack's functions (conf/local/lib), then the cluster's own (conf/local/cluster).
# shellcheck source=lib/config.sh
source "$STACK_LIB/config.sh"
# shellcheck source=lib/output.sh
source "$STACK_LIB/output.sh"
# shellcheck source=lib/proc.sh
source "$STACK_LIB/proc.sh"
# shellcheck source=lib/components.sh
source "$STACK_LIB/components.sh"
# shellcheck source=lib/supervise.sh
source "$STACK_LIB/supervise.sh"
# shellcheck source=cluster/config.sh
source "$CLUSTER_LIB/config.sh"
# shellcheck source=cluster/output.sh
source "$CLUSTER_LIB/output.sh"
# shellcheck source=cluster/galera.sh
source "$CLUSTER_LIB/galera.sh"
# shellcheck source=cluster/redis.sh
source "$CLUSTER_LIB/redis.sh"
# shellcheck source=cluster/pools.sh
source "$CLUSTER_LIB/pools.sh"

readonly STACK_STOP_TIMEOUT=20    # seconds between SIGTERM and SIGKILL (a Galera node leaving)
readonly STACK_START_TIMEOUT=60   # seconds for a pool to answer /api/health

# Everything, in the order `stop` takes them down (nginx first, the databases last).
cluster_components() {
  local i
  echo nginx expiry
  for (( i = 0; i < POOLS; i++ )); do echo "pool$i" "pool$i-master"; done
  for i in "${CLUSTER_SENTINELS[@]}"; do echo "sentinel$i"; done
  for i in "${CLUSTER_REDIS[@]}"; do echo "redis$i"; done
  for i in 3 2 1; do echo "node$i"; done
}

CLUSTER_KEEP=0
on_exit() {
  local rc=$?
  trap - EXIT
  trap '' INT TERM HUP
  if [ "$CLUSTER_KEEP" -ne 1 ]; then
    [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ] || show_cluster_logs
    say "stopping the cluster in $VAR"
    cluster_down
  fi
  exit "$rc"
}

cluster_down() {
  stop_component nginx
  stop_component expiry
  local i
  for (( i = 0; i < POOLS; i++ )); do pool_stop "$i"; done
  redis_down
  galera_down
}

cluster_up() {
  local c p
  while read -r c; do
    ! pid_alive "$c" >/dev/null || die "a cluster is already running in $VAR ($c): $0 stop"
  done < <(cluster_components | tr ' ' '\n')
  for c in flashsale-fcgi flashsale-migrate flashsale-release-expired; do
    [ -x "$BIN/$c" ] || die "$BIN/$c not found: run 'make all' first"
  done
  [ -r /usr/lib/galera/libgalera_smm.so ] || die "galera-4 is not installed: conf/local/deps.sh"
  for p in $(cluster_ports); do
    tcp_port_is_free "$p" || die "127.0.0.1:$p is already in use (FLASHSALE_HTTP_PORT, FLASHSALE_CLUSTER_BASE_PORT)"
  done
  local hard
  hard=$(ulimit -Hn)
  if [ "$hard" = unlimited ] || [ "$hard" -gt 65536 ]; then hard=65536; fi
  [ "$(ulimit -Sn)" -ge "$hard" ] 2>/dev/null || ulimit -Sn "$hard" 2>/dev/null || true

  local t0=$SECONDS
  mkdir -p "$LOG"
  mark_cluster_logs
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  cluster_prepare
  # Redis and its Sentinels settle while the Galera nodes start.
  local i
  for i in "${CLUSTER_REDIS[@]}"; do redis_instance_start "$i"; done
  galera_up
  # Every start, as stack.sh does: the account (a changed password) and new migrations.
  MYSQL_SOCK=$(node_sock 1) db_provision
  STACK_CONF=$CLUSTER_CONF db_migrate
  redis_up
  render_app_conf "$(redis_master_port)"
  pools_up
  expiry_start
  say "cluster is up in $((SECONDS - t0))s: http://127.0.0.1:$PORT/ (pools: $(for (( i = 0; i < POOLS; i++ )); do printf '%s ' "$(pool_port "$i")"; done)) state in $VAR"
}

cmd_run() {
  cluster_up
  cat <<EOM

  API (all pools): http://127.0.0.1:$PORT/api/
  Pool I only:     http://127.0.0.1:$(pool_port 0)/ ... $(pool_port $(( POOLS - 1 )))
  SQL:             mariadb --no-defaults -S $(node_sock 1) -uroot flashsale
  Redis master:    redis-cli -p \$(conf/local/cluster.sh redis-master)
  Logs:            $LOG/ and $VAR/pool*/flashsale.log
  Stop:            Ctrl-C

EOM
  # Components dying is normal here (node-kill, redis-kill-master from another shell); the
  # cluster runs until Ctrl-C or until nothing of it is left.
  local c
  while :; do
    sleep 1
    while read -r c; do
      if pid_alive "$c" >/dev/null; then continue 2; fi
    done < <(cluster_components | tr ' ' '\n')
    say "every component has stopped"
    exit 0
  done
}

cmd_status() {
  local c pid
  while read -r c; do
    case "$c" in pool[0-9]-master) continue ;; esac
    if pid=$(pid_alive "$c"); then
      case "$c" in
        node[0-9]) printf '%-10s running (pid %s, %s)\n' "$c" "$pid" \
                     "$(node_status_var "${c#node}" wsrep_local_state_comment || true)" ;;
        pool[0-9]) printf '%-10s running (pid %s, master %s)\n' "$c" "$pid" \
                     "$(pid_alive "$c-master" || echo 'none (restarting)')" ;;
        *) printf '%-10s running (pid %s)\n' "$c" "$pid" ;;
      esac
    else
      printf '%-10s stopped\n' "$c"
    fi
  done < <(cluster_components | tr ' ' '\n')
  printf '%-10s %s\n' redis-master "$(redis_master_port 2>/dev/null || echo unknown)"
}

node_arg() {
  [[ "${1:-}" =~ ^[1-3]$ ]] || die "a node number (1..3) is needed"
  echo "$1"
}
pool_arg() {
  if ! [[ "${1:-}" =~ ^[0-9]$ ]] || [ "$1" -ge "$POOLS" ]; then
    die "a pool number (0..$(( POOLS - 1 ))) is needed"
  fi
  echo "$1"
}

cmd_node_kill() {
  local n pid
  n=$(node_arg "$1")
  pid=$(pid_alive "node$n") || die "node $n is not running"
  kill -KILL "$pid"
  while [ -d "/proc/$pid" ] && [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do sleep 0.05; done
  say "node $n killed (pid $pid)"
}

cmd_node_start() {
  local n
  n=$(node_arg "$1")
  mark_cluster_logs
  node_join "$n" || { show_cluster_logs; die "node $n did not rejoin"; }
  say "node $n is Synced (cluster size $(node_cluster_size "$n"))"
}

usage() {
  sed -n '2,16p' "$STACK_SELF" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local n
  [ $# -ge 1 ] || usage
  cluster_load_config
  pool_register
  case "$1" in
    run) cmd_run ;;
    start) cluster_up; CLUSTER_KEEP=1 ;;
    stop) [ -d "$RUN" ] && cluster_down; true ;;
    status) cmd_status ;;
    node-kill) cmd_node_kill "${2:-}" ;;
    node-stop) n=$(node_arg "${2:-}"); stop_component "node$n" ;;
    node-start) cmd_node_start "${2:-}" ;;
    node-pid) n=$(node_arg "${2:-}"); pid_alive "node$n" || die "node $n is not running" ;;
    redis-kill-master) cmd_redis_kill_master ;;
    redis-start-old) cmd_redis_start_old ;;
    redis-master) redis_master_port || die "no Sentinel answers" ;;
    pool-stop) n=$(pool_arg "${2:-}"); pool_stop "$n" ;;
    pool-start) n=$(pool_arg "${2:-}"); cmd_pool_start "$n" ;;
    __pool-supervise) n=$(pool_arg "${2:-}"); pool_supervise "$n" ;;
    __expiry-loop) STACK_CONF=$CLUSTER_CONF expiry_loop ;;
    *) usage ;;
  esac
}

main "$@"
