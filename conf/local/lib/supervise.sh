# shellcheck shell=bash
# conf/local/lib/supervise.sh: the local stack's supervisor of the FastCGI pool.
# Sourced by conf/local/stack.sh (which sets `set -euo pipefail` and the globals of
# stack_load_config); not a program of its own. `stack.sh __fcgi-supervise` runs fcgi_supervise.
#
# DESIGN
# In production systemd restarts the pool when its master dies (conf/systemd: Restart=
# on-failure). Under `make run`, `stack.sh start`, the tests and the benchmark, this loop does the
# same job. It is the stack's `fcgi` component: spawn() starts it in its own session with its
# pid in $RUN/fcgi-supervisor.pid, and its output goes to the pool's log. It runs flashsale-fcgi
# as its child (same process group, same environment: restart-fcgi's overrides apply to every
# master it starts) and keeps the master's pid in $RUN/fcgi.pid, removed while no master runs.
#   - The master dies by a signal or exits with another code than 0 or 2: it is started again
#     after STACK_RESTART_DELAY (0.5 s), doubling up to STACK_RESTART_DELAY_MAX (8 s) while
#     masters keep dying within STACK_RESTART_STABLE (10 s) of their start. Before a new master
#     starts, the workers of the dead one (they got SIGTERM from the kernel, PR_SET_PDEATHSIG, and
#     finish the request they were serving) are given up to STACK_ORPHAN_GRACE (5 s) to exit,
#     then SIGKILLed: nothing of an old pool keeps the socket or serves beside the new one.
#   - The master exits 0 (it was asked to stop: SIGTERM sent to it directly) or 2 (kExitFatal:
#     bad configuration, cannot listen; restarting would not help): the supervisor exits with
#     the same code, like systemd's Restart=on-failure with RestartPreventExitStatus=2.
#   - SIGTERM or SIGINT: forwarded to the master, which drains its workers; the supervisor waits
#     for it and exits. `stack.sh stop` then SIGKILLs whatever is left in the process group.
#   - SIGUSR2 or SIGHUP (reload) and SIGUSR1 (reopen logs): forwarded to the master. A reload is
#     no death: the master re-execs itself in place (same pid, app/process/reload.h), so the
#     supervisor's `wait` goes on. A trapped signal interrupts `wait`; it is simply waited again.

readonly STACK_RESTART_DELAY_MS=500
readonly STACK_RESTART_DELAY_MAX_MS=8000
readonly STACK_RESTART_STABLE_MS=10000
readonly STACK_ORPHAN_GRACE_MS=5000

SUP_MASTER=''   # pid of the running master
SUP_NAP=''      # pid of a running `sleep`
SUP_STOP=0      # 1 once SIGTERM/SIGINT arrived
SUP_TRAPPED=0   # 1 when a trapped signal arrived during the last `wait`
SUP_LEFT=()     # see sup_group_leftovers
SUP_RC=0        # how the last master ended, as bash reports it (128 + signal when killed)

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# sup_log LEVEL MESSAGE...: one line in the pool's log, in the pool's own format.
sup_log() {
  local level=$1
  shift
  printf '%s %-5s flashsale.supervise [%s] %s\n' "$(date -u +%FT%T.%3NZ)" "$level" "$$" "$*"
}

sup_on_stop() {
  SUP_STOP=1
  SUP_TRAPPED=1
  [ -z "$SUP_MASTER" ] || kill -TERM "$SUP_MASTER" 2>/dev/null || true
  [ -z "$SUP_NAP" ] || kill -TERM "$SUP_NAP" 2>/dev/null || true
}

# sup_forward SIGNAL: passes a reload or reopen request on to the master.
sup_forward() {
  SUP_TRAPPED=1
  [ -z "$SUP_MASTER" ] || kill -"$1" "$SUP_MASTER" 2>/dev/null || true
}

# sup_sleep MS: sleeps, but returns at once on SIGTERM/SIGINT (the trap kills the nap).
sup_sleep() {
  [ "$SUP_STOP" -eq 0 ] || return 0
  sleep "$(printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )))" &
  SUP_NAP=$!
  wait "$SUP_NAP" 2>/dev/null || true
  SUP_NAP=''
}

# Sets SUP_LEFT to the live processes in this supervisor's process group other than itself:
# the workers of a dead master. $$ is the group (spawn() made it a session leader). Read from
# /proc by this shell itself: a helper process (a $(...) subshell, pgrep) would be in the group
# too. Zombies are left out: they hold nothing, and whoever inherited them reaps them.
sup_group_leftovers() {
  SUP_LEFT=()
  local d stat
  local -a f
  for d in /proc/[0-9]*; do
    [ "${d#/proc/}" != "$$" ] || continue
    read -r stat 2>/dev/null <"$d/stat" || continue
    # shellcheck disable=SC2206
    f=(${stat##*) })   # state ppid pgrp ...: the fields after "pid (comm) "
    [ "${f[2]:-}" = "$$" ] && [ "${f[0]}" != Z ] && SUP_LEFT+=("${d#/proc/}")
  done
  return 0
}

# Waits up to STACK_ORPHAN_GRACE_MS for the workers of a dead master to exit, then kills them.
sup_reap_orphans() {
  local deadline
  deadline=$(( $(now_ms) + STACK_ORPHAN_GRACE_MS ))
  while sup_group_leftovers && [ "${#SUP_LEFT[@]}" -gt 0 ] && [ "$SUP_STOP" -eq 0 ]; do
    if [ "$(now_ms)" -ge "$deadline" ]; then
      sup_log WARN "workers of the dead master still running after ${STACK_ORPHAN_GRACE_MS} ms;" \
                   "killing ${SUP_LEFT[*]}"
      kill -KILL "${SUP_LEFT[@]}" 2>/dev/null || true
      break
    fi
    sup_sleep 50
  done
}

# Waits for the master to exit and sets SUP_RC. Not in a $(...) subshell: only this shell can
# wait for its child.
sup_wait_master() {
  # A stop that arrived between starting the master and recording its pid.
  [ "$SUP_STOP" -eq 0 ] || kill -TERM "$SUP_MASTER" 2>/dev/null || true
  local rc collected=0
  while :; do
    SUP_TRAPPED=0
    rc=0
    wait "$SUP_MASTER" 2>/dev/null || rc=$?
    # 127: the status was already collected by the previous round (the trap ran just after the
    # master's exit was reported): that one stands.
    if [ "$rc" -eq 127 ] && [ "$collected" -eq 1 ]; then return 0; fi
    SUP_RC=$rc
    collected=1
    # `wait` also returns when a trapped signal arrives (a stop while the master drains, a
    # forwarded reload): wait again. If the master did exit meanwhile, that `wait` reports it.
    [ "$SUP_TRAPPED" -eq 1 ] && [ "$rc" -gt 128 ] || return 0
  done
}

fcgi_supervise() {
  trap sup_on_stop TERM INT
  trap 'sup_forward HUP' HUP
  trap 'sup_forward USR1' USR1
  trap 'sup_forward USR2' USR2
  local delay=$STACK_RESTART_DELAY_MS started rc lived
  while [ "$SUP_STOP" -eq 0 ]; do
    started=$(now_ms)
    # The master's SIGINT must not stay ignored (bash ignores it in background jobs).
    env --default-signal=INT,QUIT,TERM "$BIN/flashsale-fcgi" --config "$STACK_CONF" &
    SUP_MASTER=$!
    echo "$SUP_MASTER" >"$RUN/fcgi.pid.tmp" && mv -f "$RUN/fcgi.pid.tmp" "$RUN/fcgi.pid"
    sup_wait_master
    rc=$SUP_RC
    rm -f "$RUN/fcgi.pid"
    SUP_MASTER=''
    [ "$SUP_STOP" -eq 0 ] || break
    case "$rc" in
      0) sup_log INFO "master exited normally; not restarted"; return 0 ;;
      2) sup_log ERROR "master failed fatally (exit 2); not restarted"; return 2 ;;
    esac
    lived=$(( $(now_ms) - started ))
    if [ "$lived" -ge "$STACK_RESTART_STABLE_MS" ]; then
      delay=$STACK_RESTART_DELAY_MS
    fi
    if [ "$rc" -gt 128 ]; then
      sup_log WARN "master killed by signal $(( rc - 128 )) after ${lived} ms; restarting in ${delay} ms"
    else
      sup_log WARN "master exited with $rc after ${lived} ms; restarting in ${delay} ms"
    fi
    sup_sleep "$delay"
    sup_reap_orphans
    delay=$(( delay * 2 > STACK_RESTART_DELAY_MAX_MS ? STACK_RESTART_DELAY_MAX_MS : delay * 2 ))
  done
  sup_log INFO "stopped"
}
