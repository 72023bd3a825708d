# shellcheck shell=bash
# conf/local/lib/proc.sh: starting components in their own session, recognising and stopping them.
# Sourced by conf/local/stack.sh (which sets `set -euo pipefail` and the globals of
# stack_load_config); not a program of its own.
# ---------------------------------------------------------------------------------------------
# Processes: spawn, liveness, stop
# ---------------------------------------------------------------------------------------------

# component -> pid of what this very process spawned for it (see pid_alive).
declare -A STACK_SPAWNED=()

# The pid file of each component is $RUN/<component>.pid, except for the pool: `fcgi` is its
# supervisor (lib/supervise.sh), and fcgi.pid keeps holding the pool's master, written by the
# supervisor, so that whatever looks for the pool (tests, benchmark) finds the master there.
# `fcgi-master` is not started by anyone but the supervisor; `stop` still looks for it, in case
# the supervisor was killed and left its master behind.
declare -A STACK_PID_FILE=([fcgi]=fcgi-supervisor [fcgi-master]=fcgi)
pid_file() { printf '%s/%s.pid\n' "$RUN" "${STACK_PID_FILE[$1]:-$1}"; }

# spawn COMPONENT LOGFILE COMMAND...: starts COMMAND in its own session, in the background,
# stdin from /dev/null, stdout+stderr appended to LOGFILE, and records its pid.
spawn() {
  local component=$1 log=$2
  shift 2
  (
    # Do not hand the caller's other descriptors (a test harness's pipes) to a daemon: whoever
    # reads them would wait for EOF until the stack stops.
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    # Background jobs of a script start with SIGINT ignored, and a caller (a test watchdog) may
    # ignore SIGTERM too; an ignored SIGTERM would survive exec and make `stop` wait for SIGKILL.
    exec setsid env --default-signal=INT,QUIT,TERM "$@" </dev/null >>"$log" 2>&1
  ) &
  STACK_SPAWNED[$component]=$!
  echo "$!" >"$RUN/${STACK_PID_FILE[$component]:-$component}.pid"
}

# What each component's command line contains. nginx and redis-server rewrite their process
# title over their environment, so for them this is the only way to recognise them.
component_signature() {
  case "$1" in
    mariadb | node[0-9]) echo mariadbd ;;
    redis | redis[0-9] | sentinel[0-9]) echo redis-server ;;
    fcgi) echo __fcgi-supervise ;;
    pool[0-9]) echo __pool-supervise ;;   # the cluster's pools (conf/local/cluster.sh)
    fcgi-master | pool[0-9]-master) echo flashsale-fcgi ;;
    nginx) echo nginx ;;
    expiry) echo __expiry-loop ;;
  esac
}

# Prints the pid of COMPONENT if it is running (and not a zombie), else fails. A pid file can
# outlive its process (SIGKILL, reboot) and the pid be reused, so the process must also look
# like ours:
#   - this very script spawned it and it is still our child (its parent is $$). That holds from
#     fork() on, so it covers the spawn() subshell that has not exec'd yet (or is exec'ing),
#     whose command line and environment are still the script's own: the environment check
#     below would call it dead, and `start` would give up with "exited during startup" (or
#     `stop` leave it running). An unreaped child's pid cannot be reused;
#   - otherwise (spawned by an earlier command, long exec'd): its command line names the
#     component, or (a wrapper script in FLASHSALE_BIN_DIR) its environment has this stack's
#     FLASHSALE_VAR_DIR.
pid_alive() {
  local file=$RUN/${STACK_PID_FILE[$1]:-$1}.pid pid stat state ppid cmdline
  [ -r "$file" ] || return 1
  read -r pid 2>/dev/null <"$file" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
  read -r state ppid _ <<<"${stat##*) }"   # after "pid (comm) ": comm may contain spaces
  [ "$state" != Z ] || return 1
  if [ "${STACK_SPAWNED[$1]:-}" = "$pid" ] && [ "$ppid" = "$$" ]; then
    echo "$pid"
    return 0
  fi
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  case "$1" in
    fcgi|fcgi-master|expiry|pool[0-9]|pool[0-9]-master)
      # Started with this stack's environment: a pool or loop of another stack on this machine
      # has the same command line, and a reused pid must never make `stop` signal it.
      [[ "$cmdline" == *"$(component_signature "$1")"* ]] || return 1
      tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qxF "FLASHSALE_VAR_DIR=$VAR" \
        || return 1 ;;
    *)
      if [[ "$cmdline" != *"$(component_signature "$1")"* ]]; then
        tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qxF "FLASHSALE_VAR_DIR=$VAR" \
          || return 1
      fi ;;
  esac
  echo "$pid"
}

# stop_component NAME: SIGTERM, up to STACK_STOP_TIMEOUT s of grace, then SIGKILL to the group.
stop_component() {
  local component=$1 pid
  if pid=$(pid_alive "$component"); then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( $(date +%s%N) + STACK_STOP_TIMEOUT * 1000000000 ))
    while pid_alive "$component" >/dev/null; do
      if [ "$(date +%s%N)" -ge "$deadline" ]; then
        say "$component (pid $pid) ignored SIGTERM for ${STACK_STOP_TIMEOUT}s; killing it"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
    # Leftovers in its process group: a worker, the expiry loop's sleep or job run.
    kill -KILL -- "-$pid" 2>/dev/null || true
    say "$component stopped"
  fi
  rm -f "$(pid_file "$component")"
}

stack_down() {
  local c
  for c in "${STACK_COMPONENTS_DOWN[@]}"; do stop_component "$c"; done
}

