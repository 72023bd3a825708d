# shellcheck shell=bash
# conf/local/cluster/galera.sh: the three MariaDB Galera nodes of the local cluster.
# Sourced by conf/local/cluster.sh; not a program of its own.
#
# DESIGN
# First start: one datadir is installed (node 1), node 1 bootstraps a new cluster alone, gets the
# application's account, schema and seed, and is shut down cleanly; its datadir is then copied to
# nodes 2 and 3. All three hold the same state UUID and seqno, so when node 1 bootstraps again and
# 2 and 3 join, there is nothing to transfer, and a node that was down later catches up by IST
# from a peer's gcache (gcache.recover keeps it across restarts). A full copy (SST) is never
# made: the state transfer script (sst/wsrep_sst_ist_only) only takes part in IST and refuses
# anything else, so a node whose gap is no longer in any gcache fails to join, loudly.
# Later starts bootstrap from the node whose grastate.dat says safe_to_bootstrap (the last one to
# stop cleanly), else from the highest recovered seqno.

node_sql() { local n=$1; shift; mariadb --no-defaults --socket="$(node_sock "$n")" -uroot --connect-timeout=2 "$@"; }
node_ping() { node_sql "$1" -N -e 'SELECT 1' >/dev/null; }
node_status_var() {
  node_sql "$1" -N -e "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | awk '{ print $2 }'
}
node_synced() { [ "$(node_status_var "$1" wsrep_local_state_comment)" = Synced ]; }
node_cluster_size() { node_status_var "$1" wsrep_cluster_size; }

# grastate_field N FIELD: seqno or safe_to_bootstrap from node N's grastate.dat.
grastate_field() {
  awk -v f="$2:" '$1 == f { print $2 }' "$(node_datadir "$1")/grastate.dat" 2>/dev/null
}

# The datadir of node 1, once.
node_install() {
  local dir
  dir=$(node_datadir 1)
  [ -d "$dir/mysql" ] && return 0
  say "initialising the Galera datadir $dir"
  local as_root=()
  [ "$(id -u)" -ne 0 ] || as_root=(--user=root)
  if ! mariadb-install-db --defaults-file="$VAR/conf/node1.cnf" "${as_root[@]}" --wsrep-on=OFF \
         --auth-root-authentication-method=normal --skip-test-db --cross-bootstrap \
         >>"$LOG/mariadb-install.log" 2>&1; then
    tail -n 25 "$LOG/mariadb-install.log" >&2
    rm -rf "$dir"
    die "mariadb-install-db failed"
  fi
}

# node_spawn N [ARGS...]: starts node N's mariadbd (ARGS: --wsrep-new-cluster to bootstrap).
node_spawn() {
  local n=$1
  shift
  pid_alive "node$n" >/dev/null && return 0
  rm -f "$(node_sock "$n")"
  # mariadbd finds the state transfer script (wsrep_sst_ist_only) in its PATH.
  spawn "node$n" "$LOG/node$n.log" env PATH="$CLUSTER_LIB/sst:$PATH" \
    mariadbd --defaults-file="$VAR/conf/node$n.cnf" "$@"
}

node_wait_synced() {
  wait_until "${2:-60}" "node$1" node_synced "$1" || { say "node $1 is not Synced"; return 1; }
}

# The first start of a cluster: see DESIGN.
cluster_seed() {
  [ -d "$(node_datadir 1)/mysql" ] && [ -d "$(node_datadir 2)/mysql" ] \
    && [ -d "$(node_datadir 3)/mysql" ] && return 0
  rm -rf "$(node_datadir 2)" "$(node_datadir 3)"
  node_install
  node_spawn 1 --wsrep-new-cluster
  node_wait_synced 1 || return 1
  MYSQL_SOCK=$(node_sock 1) db_provision
  # The schema and seed, through node 1 (flashsale-migrate reads the cluster's configuration).
  STACK_CONF=$CLUSTER_CONF db_migrate || return 1
  stop_component node1
  [ "$(grastate_field 1 safe_to_bootstrap)" = 1 ] || die "node 1 did not shut down cleanly"
  local n
  for n in 2 3; do
    mkdir -p "$VAR/node$n"
    cp -a "$(node_datadir 1)" "$(node_datadir "$n")"
    rm -f "$(node_datadir "$n")/galera.cache"
    sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 0/' "$(node_datadir "$n")/grastate.dat"
  done
  say "seeded nodes 2 and 3 from node 1 ($(grastate_field 1 uuid):$(grastate_field 1 seqno))"
}

# Prints the position (uuid:seqno) node N would join with. A node that was killed has seqno -1
# in its grastate.dat, and mariadbd started directly (no mysqld_safe or galera_recovery) does
# not look further: `mariadbd --wsrep-recover` reads the real position from InnoDB, and the node
# is then started with --wsrep-start-position (node_start_args).
node_position() {
  local n=$1 seqno pos
  seqno=$(grastate_field "$n" seqno)
  if [ "${seqno:--1}" != -1 ]; then
    echo "$(grastate_field "$n" uuid):$seqno"
    return 0
  fi
  local out=$VAR/tmp/node$n-recover.log
  rm -f "$out"
  mariadbd --defaults-file="$VAR/conf/node$n.cnf" --wsrep-recover --log-error="$out" \
    >/dev/null 2>&1 || true
  pos=$(sed -n 's/.*WSREP: Recovered position: \([-0-9a-f]*:[-0-9]*\).*/\1/p' "$out" | tail -n 1)
  echo "${pos:-00000000-0000-0000-0000-000000000000:-1}"
}

# Sets NODE_ARGS to what node N needs to start with the position it really has.
node_start_args() {
  NODE_ARGS=()
  [ "$(grastate_field "$1" seqno)" != -1 ] && return 0
  local pos
  pos=$(node_position "$1")
  say "node $1 was not shut down cleanly; its recovered position is $pos"
  [ "${pos##*:}" != -1 ] || return 0
  NODE_ARGS=(--wsrep-start-position="$pos")
  # Galera takes its starting point from grastate.dat, which a failed join may also have
  # cleared to the null UUID: it gets the recovered position too.
  local state
  state=$(node_datadir "$1")/grastate.dat
  sed -i -e "s/^uuid:.*/uuid:    ${pos%:*}/" -e "s/^seqno:.*/seqno:   ${pos##*:}/" "$state"
}

# The node to bootstrap from: safe_to_bootstrap, else the most advanced.
bootstrap_node() {
  local n best='' best_seqno=-2 seqno
  for n in "${CLUSTER_NODES[@]}"; do
    if [ "$(grastate_field "$n" safe_to_bootstrap)" = 1 ]; then echo "$n"; return 0; fi
  done
  for n in "${CLUSTER_NODES[@]}"; do
    seqno=$(node_position "$n")
    seqno=${seqno##*:}
    if [ "$seqno" -gt "$best_seqno" ]; then best=$n; best_seqno=$seqno; fi
  done
  say "no node is safe to bootstrap; node $best has the highest position ($best_seqno)" >&2
  sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 1/' "$(node_datadir "$best")/grastate.dat"
  echo "$best"
}

# All three nodes, Synced: one bootstraps, the others join it one after the other.
galera_up() {
  cluster_seed || return 1
  local first n
  first=$(bootstrap_node)
  node_start_args "$first"
  node_spawn "$first" --wsrep-new-cluster "${NODE_ARGS[@]}"
  node_wait_synced "$first" || return 1
  for n in "${CLUSTER_NODES[@]}"; do
    [ "$n" = "$first" ] || { node_join "$n" || return 1; }
  done
  say "galera: 3 nodes Synced (bootstrapped from node $first)"
}

# node_join N: starts node N into the running cluster and waits until it is Synced.
node_join() {
  local n=$1
  NODE_ARGS=()
  pid_alive "node$n" >/dev/null || node_start_args "$n"
  node_spawn "$n" "${NODE_ARGS[@]}"
  node_wait_synced "$n" 90 || return 1

}

# Nodes stop one at a time, node 1 last: it is then the one safe to bootstrap next time.
galera_down() {
  local n
  for n in 3 2 1; do stop_component "node$n"; done
}
