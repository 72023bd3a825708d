# shellcheck shell=bash
# conf/local/cluster/output.sh: the cluster's messages and, after a failure, its new log lines.
# Sourced by conf/local/cluster.sh after conf/local/lib/output.sh (whose say/die it replaces).

say() { printf '[cluster] %s\n' "$*"; }
die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

cluster_logs() {
  local i
  echo "$LOG/mariadb-install.log"
  for i in "${CLUSTER_NODES[@]}"; do echo "$LOG/node$i.log"; done
  for i in "${CLUSTER_REDIS[@]}"; do echo "$LOG/redis$i.log"; done
  for i in "${CLUSTER_SENTINELS[@]}"; do echo "$LOG/sentinel$i.log"; done
  echo "$LOG/migrate.log"
  for (( i = 0; i < POOLS; i++ )); do echo "$(pool_dir "$i")/flashsale.log"; done
  echo "$LOG/nginx-error.log"
}

declare -A CLUSTER_LOG_MARK=()
mark_cluster_logs() {
  local f
  while read -r f; do CLUSTER_LOG_MARK[$f]=$(stat -c %s "$f" 2>/dev/null || echo 0); done \
    < <(cluster_logs)
}

# What each log got since mark_cluster_logs (the last lines).
show_cluster_logs() {
  local f new
  while read -r f; do
    [ -s "$f" ] || continue
    new=$(tail -c +"$(( ${CLUSTER_LOG_MARK[$f]:-0} + 1 ))" "$f" | tail -n 15)
    [ -n "$new" ] || continue
    printf '\n==> %s <==\n%s\n' "$f" "$new" >&2
  done < <(cluster_logs)
}
