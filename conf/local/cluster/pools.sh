# shellcheck shell=bash
# shellcheck disable=SC2034  # STACK_PID_FILE and STACK_CONF are read by conf/local/lib/*.sh
# conf/local/cluster/pools.sh: the FastCGI pools (app hosts) of the local cluster, and the one
# nginx in front of them. Sourced by conf/local/cluster.sh; not a program of its own.
#
# DESIGN
# Pool I is a flashsale-fcgi master with its own configuration, socket, pid files and log in
# $VAR/pool<I>/, under the local stack's supervisor (lib/supervise.sh: `cluster.sh
# __pool-supervise I` runs it with RUN and STACK_CONF pointing there). nginx is the local stack's
# (conf/local/nginx.conf.in) with every pool in its upstream, plus one server per pool on
# http_port + 1 + I whose requests go to that pool only; each server includes the shared routing
# (conf/nginx/flashsale-api.conf), the per-pool ones with their own upstream's name in it.

# pool<I> is the supervisor, pool<I>-master the master it runs (as fcgi / fcgi-master in stack.sh).
pool_register() {
  local i
  for (( i = 0; i < POOLS; i++ )); do
    STACK_PID_FILE["pool$i"]=../pool$i/fcgi-supervisor
    STACK_PID_FILE["pool$i-master"]=../pool$i/fcgi
  done
}

pool_start() {
  local i=$1 dir
  dir=$(pool_dir "$i")
  pid_alive "pool$i" >/dev/null && return 0
  rm -f "$dir/fcgi.sock"
  spawn "pool$i" "$dir/flashsale.log" "$BASH" "$STACK_SELF" __pool-supervise "$i"
}

pool_stop() {
  stop_component "pool$1"
  stop_component "pool$1-master"
}

pool_socket_ready() { [ -S "$(pool_dir "$1")/fcgi.sock" ]; }

# GET /api/health through pool I's own nginx server answers 200.
pool_healthy() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --noproxy '*' --max-time 2 \
         "http://127.0.0.1:$(pool_port "$1")/api/health" || true)" = 200 ]
}

# Runs in the supervisor's own process (`cluster.sh __pool-supervise I`).
pool_supervise() {
  RUN=$(pool_dir "$1")
  STACK_CONF=$RUN/flashsale.conf
  fcgi_supervise
}

# nginx.conf: the local stack's template rendered with all pools in the upstream, then the
# per-pool upstreams and servers added at the end of its http {} block.
cluster_nginx_render() {
  local i upstream='' saved=$FCGI_UPSTREAM
  for (( i = 0; i < POOLS; i++ )); do
    upstream+=${upstream:+; server }unix:$(pool_dir "$i")/fcgi.sock
  done
  FCGI_UPSTREAM=$upstream
  nginx_render
  FCGI_UPSTREAM=$saved
  local conf=$VAR/conf/nginx.conf
  # The template's last line closes http {}.
  [ "$(tail -n 1 "$conf")" = "}" ] || die "conf/local/nginx.conf.in does not end with the http block's }"
  {
    head -n -1 "$conf"
    for (( i = 0; i < POOLS; i++ )); do
      sed "s/fastcgi_pass flashsale_fcgi;/fastcgi_pass flashsale_pool$i;/" \
        "$VAR/conf/flashsale/flashsale-api.conf" >"$VAR/conf/flashsale/flashsale-api-pool$i.conf"
      cat <<NGINX

    # Pool $i only (conf/local/cluster.sh).
    upstream flashsale_pool$i {
        server unix:$(pool_dir "$i")/fcgi.sock;
    }
    server {
        listen 127.0.0.1:$(pool_port "$i") backlog=4096;
        server_name localhost;
        include flashsale/flashsale-api-pool$i.conf;
    }
NGINX
    done
    echo "}"
  } >"$conf.tmp"
  mv -f "$conf.tmp" "$conf"
}

pools_up() {
  local i
  for (( i = 0; i < POOLS; i++ )); do pool_start "$i"; done
  nginx_start
  for (( i = 0; i < POOLS; i++ )); do wait_until 20 "pool$i" pool_socket_ready "$i" || return 1; done
  wait_until 20 nginx nginx_answers || return 1
  for (( i = 0; i < POOLS; i++ )); do
    wait_until "$STACK_START_TIMEOUT" "pool$i" pool_healthy "$i" \
      || { say "pool $i: GET /api/health did not answer 200"; return 1; }
  done
}

cmd_pool_start() {
  local i=$1
  mark_cluster_logs
  pool_start "$i"
  if ! wait_until 20 "pool$i" pool_socket_ready "$i" \
       || ! wait_until "$STACK_START_TIMEOUT" "pool$i" pool_healthy "$i"; then
    show_cluster_logs
    die "pool $i did not start"
  fi
  say "pool $i started (master pid $(cat "$(pid_file "pool$i-master")" 2>/dev/null))"
}
