# shellcheck shell=bash
# shellcheck disable=SC2034  # the globals set here are used by the other files
# conf/local/cluster/config.sh: the cluster's settings, ports and rendered configuration files.
# Sourced by conf/local/cluster.sh after conf/local/lib/*.sh; not a program of its own.
#
# The ports, all on 127.0.0.1, from FLASHSALE_CLUSTER_BASE_PORT (B, a block of 40):
#   B+0..2    Galera group communication (gmcast.listen_addr) of nodes 1..3
#   B+3..5    Galera incremental state transfer (ist.recv_addr) of nodes 1..3
#   B+10, 11  Redis instances 1 and 2 (1 starts as the master, 2 as its replica)
#   B+20..22  Sentinels 1..3
# MariaDB itself listens on no port: clients use $VAR/run/node<i>.sock.

readonly CLUSTER_NODES=(1 2 3)
readonly CLUSTER_REDIS=(1 2)
readonly CLUSTER_SENTINELS=(1 2 3)
# Large enough that a node that was down during a test catches up by IST from a peer's cache.
readonly CLUSTER_GCACHE_SIZE=128M

# Everything stack_load_config sets, with the cluster's defaults, plus the cluster's own.
cluster_load_config() {
  export FLASHSALE_VAR_DIR=${FLASHSALE_VAR_DIR:-$STACK_REPO/var/cluster}
  export FLASHSALE_HTTP_PORT=${FLASHSALE_HTTP_PORT:-8090}
  stack_load_config
  BASE_PORT=${FLASHSALE_CLUSTER_BASE_PORT:-27000}
  POOLS=${FLASHSALE_CLUSTER_POOLS:-3}
  if ! [[ "$BASE_PORT" =~ ^[0-9]+$ ]] || [ "$BASE_PORT" -lt 1024 ] || [ "$BASE_PORT" -gt 65495 ]; then
    die "FLASHSALE_CLUSTER_BASE_PORT '$BASE_PORT' is not a port from 1024 to 65495"
  fi
  [[ "$POOLS" =~ ^[1-9]$ ]] || die "FLASHSALE_CLUSTER_POOLS '$POOLS' is not a number from 1 to 9"
  [ "$(( PORT + POOLS ))" -le 65535 ] || die "http port $PORT leaves no room for $POOLS pool ports"
  # The application's configuration for this cluster (the pools add their own socket to it).
  CLUSTER_CONF=$VAR/conf/flashsale.conf
  local i
  SENTINEL_ADDRS=''
  for i in "${CLUSTER_SENTINELS[@]}"; do
    SENTINEL_ADDRS+=${SENTINEL_ADDRS:+,}127.0.0.1:$(sentinel_port "$i")
  done
  DB_NODES=''
  for i in "${CLUSTER_NODES[@]}"; do DB_NODES+=${DB_NODES:+,}$(node_sock "$i"); done
}

gmcast_port() { echo $(( BASE_PORT + $1 - 1 )); }
ist_port() { echo $(( BASE_PORT + 3 + $1 - 1 )); }
redis_port() { echo $(( BASE_PORT + 10 + $1 - 1 )); }
sentinel_port() { echo $(( BASE_PORT + 20 + $1 - 1 )); }
pool_port() { echo $(( PORT + 1 + $1 )); }
node_sock() { echo "$RUN/node$1.sock"; }
node_datadir() { echo "$VAR/node$1/mysql"; }
pool_dir() { echo "$VAR/pool$1"; }

# Every TCP port the cluster listens on, for the check that they are free.
cluster_ports() {
  local i
  for i in "${CLUSTER_NODES[@]}"; do gmcast_port "$i"; ist_port "$i"; done
  for i in "${CLUSTER_REDIS[@]}"; do redis_port "$i"; done
  for i in "${CLUSTER_SENTINELS[@]}"; do sentinel_port "$i"; done
  echo "$PORT"
  for (( i = 0; i < POOLS; i++ )); do pool_port "$i"; done
}

tcp_port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Node N's my.cnf: the local stack's (conf/local/my.cnf.in: durability, timeouts, no TCP) with
# the node's own files and the wsrep settings after it (in one group the last value wins).
render_node_conf() {
  local n=$1 peers='' i
  for i in "${CLUSTER_NODES[@]}"; do peers+=${peers:+,}127.0.0.1:$(gmcast_port "$i"); done
  {
    echo "# Galera node $n of the local cluster, written by conf/local/cluster.sh."
    echo "!include $VAR/conf/my.cnf"
    echo "[mysqld]"
    echo "datadir = $(node_datadir "$n")"
    echo "socket = $(node_sock "$n")"
    echo "pid-file = $RUN/node$n.pid"
    echo "log-error = $LOG/node$n.log"
    # Galera replicates row images and cannot take table-level auto-increment locks.
    echo "binlog_format = ROW"
    echo "innodb_autoinc_lock_mode = 2"
    echo "default_storage_engine = InnoDB"
    # Three servers on one machine: a smaller buffer pool each.
    echo "innodb_buffer_pool_size = 64M"
    echo "wsrep_on = ON"
    echo "wsrep_provider = /usr/lib/galera/libgalera_smm.so"
    echo "wsrep_cluster_name = flashsale"
    echo "wsrep_node_name = node$n"
    echo "wsrep_node_address = 127.0.0.1:$(gmcast_port "$n")"
    echo "wsrep_cluster_address = gcomm://$peers"
    # Every node starts from a copy of one datadir and rejoins from a peer's gcache (IST); the
    # method's script (cluster/sst/wsrep_sst_ist_only) refuses a full copy (SST).
    echo "wsrep_sst_method = ist_only"
    echo "wsrep_sst_receive_address = 127.0.0.1"
    # Failure detection in seconds rather than the defaults' 5-15 s, for the tests' faults. A
    # causal wait (wsrep_sync_wait) gives up after 5 s, within the pool's lock wait budget,
    # instead of the default 30 s that would outlast request_terminate_timeout.
    echo "wsrep_provider_options = \"gmcast.listen_addr=tcp://127.0.0.1:$(gmcast_port "$n");" \
         "ist.recv_addr=127.0.0.1:$(ist_port "$n"); gcache.size=$CLUSTER_GCACHE_SIZE; gcache.recover=yes;" \
         "evs.suspect_timeout=PT3S; evs.inactive_timeout=PT6S; evs.install_timeout=PT6S;" \
         "repl.causal_read_timeout=PT5S\""
  } >"$VAR/conf/node$n.cnf.tmp"
  mv -f "$VAR/conf/node$n.cnf.tmp" "$VAR/conf/node$n.cnf"
}

# Redis instance N. Sentinel rewrites the file (replicaof) when it reconfigures the instance,
# so it is written only when missing: a restart keeps the role Sentinel gave it.
render_redis_conf() {
  local n=$1
  local file=$VAR/conf/redis$n.conf
  [ -e "$file" ] && return 0
  {
    echo "# Redis instance $n of the local cluster, written by conf/local/cluster.sh."
    echo "# The cache is disposable: no persistence. Sentinel edits this file."
    echo "bind 127.0.0.1"
    echo "port $(redis_port "$n")"
    echo "daemonize no"
    echo "logfile $LOG/redis$n.log"
    echo "dir $VAR/redis$n"
    echo 'save ""'
    echo "appendonly no"
    [ "$n" -eq 1 ] || echo "replicaof 127.0.0.1 $(redis_port 1)"
  } >"$file"
}

# Sentinel N watches the master of instance 1 under the name `flashsale` (rewritten by Sentinel
# as it learns the replicas, the other Sentinels and failovers; written only when missing).
render_sentinel_conf() {
  local n=$1
  local file=$VAR/conf/sentinel$n.conf
  [ -e "$file" ] && return 0
  {
    echo "# Sentinel $n of the local cluster, written by conf/local/cluster.sh; Sentinel edits it."
    echo "bind 127.0.0.1"
    echo "port $(sentinel_port "$n")"
    echo "daemonize no"
    echo "logfile $LOG/sentinel$n.log"
    echo "dir $VAR/sentinel$n"
    echo "sentinel monitor flashsale 127.0.0.1 $(redis_port 1) 2"
    echo "sentinel down-after-milliseconds flashsale 1000"
    echo "sentinel failover-timeout flashsale 5000"
    echo "sentinel parallel-syncs flashsale 1"
  } >"$file"
}

# The application's configuration: conf/flashsale.conf, then the cluster's values (the last
# line of a key wins). Paths are absolute: the file lives under the var dir. MASTER_PORT: the
# Redis master now (instance 1 until the Sentinels know better), for a pool without Sentinel.
render_app_conf() {
  local master_port=$1
  {
    cat "$STACK_CONF"
    echo
    echo "# ---- written by conf/local/cluster.sh for the local cluster ----"
    echo "var_dir = $VAR"
    echo "sql_dir = $STACK_REPO/sql"
    echo "log_config = $STACK_REPO/conf/log4cplus.properties"
    echo "db_nodes = $DB_NODES"
    echo "db_socket = $(node_sock 1)"
    echo "redis_sentinels = $SENTINEL_ADDRS"
    echo "redis_sentinel_master = flashsale"
    echo "redis_socket ="
    echo "redis_host = 127.0.0.1"
    echo "redis_port = $master_port"
  } >"$CLUSTER_CONF.tmp"
  mv -f "$CLUSTER_CONF.tmp" "$CLUSTER_CONF"
  local i dir
  for (( i = 0; i < POOLS; i++ )); do
    dir=$(pool_dir "$i")
    { cat "$CLUSTER_CONF"; echo "fcgi_listen = $dir/fcgi.sock"; } >"$dir/flashsale.conf.tmp"
    mv -f "$dir/flashsale.conf.tmp" "$dir/flashsale.conf"
  done
}

cluster_prepare() {
  mkdir -p "$VAR" "$RUN" "$LOG" "$VAR/tmp" "$VAR/conf/flashsale" "$VAR/conf/nginx-extra.d"
  chmod 700 "$RUN"
  local i db_user_line=''
  [ "$(id -u)" -ne 0 ] || db_user_line='user = root'
  render conf/local/my.cnf.in "$VAR/conf/my.cnf" "$db_user_line"
  for i in "${CLUSTER_NODES[@]}"; do mkdir -p "$VAR/node$i"; render_node_conf "$i"; done
  # Written for other ports (FLASHSALE_CLUSTER_BASE_PORT changed): Redis and Sentinel start over.
  if [ -e "$VAR/conf/redis1.conf" ] && ! grep -qx "port $(redis_port 1)" "$VAR/conf/redis1.conf"; then
    rm -f "$VAR"/conf/redis[0-9].conf "$VAR"/conf/sentinel[0-9].conf
  fi
  for i in "${CLUSTER_REDIS[@]}"; do mkdir -p "$VAR/redis$i"; render_redis_conf "$i"; done
  for i in "${CLUSTER_SENTINELS[@]}"; do mkdir -p "$VAR/sentinel$i"; render_sentinel_conf "$i"; done
  for (( i = 0; i < POOLS; i++ )); do mkdir -p "$(pool_dir "$i")"; chmod 700 "$(pool_dir "$i")"; done
  render_app_conf "$(redis_port 1)"
  cluster_nginx_render
}
