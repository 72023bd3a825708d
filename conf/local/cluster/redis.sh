# shellcheck shell=bash
# conf/local/cluster/redis.sh: two Redis instances (a master and its replica) and three Sentinels.
# Sourced by conf/local/cluster.sh; not a program of its own.
#
# DESIGN
# Instance 1 starts as the master, instance 2 as its replica; the Sentinels (quorum 2) watch the
# master under the name `flashsale` and, when it has been unreachable for a second, promote the
# replica. Which instance is the master is whatever the Sentinels say (`redis-master`); the files
# in $VAR/conf are rewritten by Redis and Sentinel themselves, so a restart keeps the roles.
# redis-kill-master SIGKILLs the current master and notes which instance it was in
# $RUN/redis-killed; redis-start-old starts that instance again as a replica of the new master.

rcli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }
redis_port_ping() { [ "$(rcli "$1" ping 2>/dev/null)" = PONG ]; }

redis_instance_start() {
  local n=$1
  shift
  pid_alive "redis$n" >/dev/null && return 0
  spawn "redis$n" "$LOG/redis$n.log" redis-server "$VAR/conf/redis$n.conf" "$@"
}

sentinel_start() {
  pid_alive "sentinel$1" >/dev/null && return 0
  spawn "sentinel$1" "$LOG/sentinel$1.log" redis-server "$VAR/conf/sentinel$1.conf" --sentinel
}

# The current master's port, as the first Sentinel that answers says.
redis_master_port() {
  local i out
  for i in "${CLUSTER_SENTINELS[@]}"; do
    out=$(rcli "$(sentinel_port "$i")" SENTINEL get-master-addr-by-name flashsale 2>/dev/null \
            | sed -n 2p) || continue
    [ -n "$out" ] && { echo "$out"; return 0; }
  done
  return 1
}

redis_instance_of_port() {
  local i
  for i in "${CLUSTER_REDIS[@]}"; do
    [ "$(redis_port "$i")" = "$1" ] && { echo "$i"; return 0; }
  done
  return 1
}

# One field of `SENTINEL master flashsale` as Sentinel N sees it.
sentinel_master_field() {
  rcli "$(sentinel_port "$1")" SENTINEL master flashsale 2>/dev/null \
    | awk -v want="$2" 'NR % 2 == 1 { key = $0 } NR % 2 == 0 && key == want { print; exit }'
}

# Every Sentinel agrees on the master, knows the two others, and sees a live replica: only then
# can a failover be agreed on.
sentinels_ready() {
  local i master
  master=$(redis_master_port) || return 1
  for i in "${CLUSTER_SENTINELS[@]}"; do
    [ "$(sentinel_master_field "$i" port)" = "$master" ] || return 1
    [ "$(sentinel_master_field "$i" num-other-sentinels)" = 2 ] || return 1
    [ "$(sentinel_master_field "$i" num-slaves)" -ge 1 ] 2>/dev/null || return 1
    [ "$(sentinel_master_field "$i" flags)" = master ] || return 1
  done
  redis_replica_online "$master"
}

# The master on MASTER_PORT has a replica whose link is up.
redis_replica_online() {
  rcli "$1" INFO replication 2>/dev/null | grep -q '^slave[0-9]*:.*state=online'
}

redis_up() {
  local i
  for i in "${CLUSTER_REDIS[@]}"; do redis_instance_start "$i"; done
  for i in "${CLUSTER_REDIS[@]}"; do
    wait_until 20 "redis$i" redis_port_ping "$(redis_port "$i")" || return 1
  done
  for i in "${CLUSTER_SENTINELS[@]}"; do sentinel_start "$i"; done
  wait_until 30 "" sentinels_ready || { say "the Sentinels did not agree on a master and replica"; return 1; }
  rm -f "$RUN/redis-killed"
  say "redis: master on $(redis_master_port), replica and 3 Sentinels up"
}

redis_down() {
  local i
  for i in "${CLUSTER_SENTINELS[@]}"; do stop_component "sentinel$i"; done
  for i in "${CLUSTER_REDIS[@]}"; do stop_component "redis$i"; done
}

cmd_redis_kill_master() {
  local port n pid
  port=$(redis_master_port) || die "no Sentinel answers"
  n=$(redis_instance_of_port "$port") || die "the master's port $port is none of ours"
  pid=$(pid_alive "redis$n") || die "redis $n (port $port) is not running"
  kill -KILL "$pid"
  echo "$n" >"$RUN/redis-killed"
  while kill -0 "$pid" 2>/dev/null && [ -d "/proc/$pid" ] && [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
    sleep 0.05
  done
  say "killed the Redis master (instance $n, port $port, pid $pid)"
}

# The killed instance comes back as a replica of whoever is master now, and the call returns
# once the Sentinels see it as a live replica again.
cmd_redis_start_old() {
  local n master
  [ -r "$RUN/redis-killed" ] || die "no Redis was killed (redis-kill-master)"
  n=$(cat "$RUN/redis-killed")
  mark_cluster_logs
  wait_until 30 "" redis_failed_over "$n" || die "the Sentinels did not fail over from instance $n"
  master=$(redis_master_port)
  redis_instance_start "$n" --replicaof 127.0.0.1 "$master"
  wait_until 20 "redis$n" redis_port_ping "$(redis_port "$n")" || { show_cluster_logs; die "redis $n did not start"; }
  wait_until 30 "" sentinels_ready || { show_cluster_logs; die "the Sentinels do not see redis $n as a replica"; }
  rm -f "$RUN/redis-killed"
  say "redis $n is back as a replica of port $master"
}

# The Sentinels have promoted another instance than N.
redis_failed_over() {
  local port
  port=$(redis_master_port) || return 1
  [ "$port" != "$(redis_port "$1")" ]
}
