#!/usr/bin/env bash
# install.sh: `make install` and `make uninstall` for a Debian host (nginx, MariaDB, Redis, cron).
#
#   conf/install.sh install | uninstall        (the Makefile passes PREFIX, DESTDIR, SYSCONFDIR)
#
# What goes where (PREFIX=/usr/local and SYSCONFDIR=/etc by default; DESTDIR is prepended to
# every path, for staging and packaging):
#   PREFIX/bin/flashsale-{fcgi,migrate,release-expired}    stripped binaries
#   PREFIX/share/flashsale/sql/                             migrations and the demo seed
#   PREFIX/share/flashsale/conf/                            log4cplus configs, nginx snippets and
#                                                           site, the MariaDB drop-in
#   PREFIX/lib/systemd/system/flashsale-fcgi.service        the pool's unit
#   SYSCONFDIR/cron.d/flashsale                             the expiry job, as user flashsale
#   SYSCONFDIR/flashsale/flashsale.conf                     the configuration, only when absent
# Paths inside the unit, the cron file and the configuration are written for PREFIX and
# SYSCONFDIR. The installed configuration has absolute paths and no secrets: the pool refuses to
# start until webhook_secret, admin_token and db_password are set.
#
# Every file and directory gets an explicit mode, so the tree is the same whatever the umask of
# the shell that runs `make install` (under umask 077 a plain `cp` would leave sql/ unreadable to
# the service user). Development-only files (conf/local/, conf/docker/, this script) stay out.
# `uninstall` removes what `install` put there, except the configuration, which holds the
# site's secrets (removed only with PURGE=1), as Debian's `remove` keeps conffiles.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
SYSCONFDIR=${SYSCONFDIR:-/etc}
BIN_DIR=${BIN_DIR:-$REPO/build/bin}
STRIP=${STRIP:-strip}

readonly BINARIES=(flashsale-fcgi flashsale-migrate flashsale-release-expired)
SHARE=$PREFIX/share/flashsale
UNIT_DIR=$PREFIX/lib/systemd/system
CONF_FILE=$SYSCONFDIR/flashsale/flashsale.conf

say() { printf '[install] %s\n' "$*"; }
die() { printf '[install] error: %s\n' "$*" >&2; exit 1; }

# dest PATH: PATH under DESTDIR.
dest() { printf '%s%s' "$DESTDIR" "$1"; }

# put MODE SRC PATH: one file, from SRC, at PATH (under DESTDIR), parents created 0755.
put() {
  install -d -m 0755 "$(dirname "$(dest "$3")")"
  install -m "$1" "$2" "$(dest "$3")"
}

# render SRC: SRC with the installed locations in place of the defaults it was written for.
render() {
  sed -e "s|/usr/local/share/flashsale|$SHARE|g" \
      -e "s|/usr/local/bin|$PREFIX/bin|g" \
      -e "s|/etc/flashsale/|$SYSCONFDIR/flashsale/|g" "$1"
}

# The configuration a host starts from: conf/flashsale.conf with absolute paths, the Debian
# services' sockets and every secret empty.
render_config() {
  sed -e '1i # Installed by `make install` from conf/flashsale.conf: paths for this host, no secrets.\n# Set webhook_secret, admin_token and db_password before starting the pool.' \
      -e "s|^var_dir *=.*|var_dir = /run/flashsale|" \
      -e "s|^fcgi_listen *=.*|fcgi_listen = /run/flashsale/fcgi.sock|" \
      -e "s|^db_socket *=.*|db_socket = /run/mysqld/mysqld.sock|" \
      -e "s|^redis_socket *=.*|redis_socket =|" \
      -e "s|^webhook_secret *=.*|webhook_secret =|" \
      -e "s|^admin_token *=.*|admin_token =|" \
      -e "s|^db_password *=.*|db_password =|" \
      -e "s|^sql_dir *=.*|sql_dir = $SHARE/sql|" \
      -e "s|^log_config *=.*|log_config = $SHARE/conf/log4cplus.properties|" \
      "$REPO/conf/flashsale.conf"
}

do_install() {
  local b f tmp
  for b in "${BINARIES[@]}"; do
    [ -x "$BIN_DIR/$b" ] || die "$BIN_DIR/$b not found: run 'make all' first"
  done
  install -d -m 0755 "$(dest "$PREFIX/bin")"
  for b in "${BINARIES[@]}"; do
    install -m 0755 --strip --strip-program="$STRIP" "$BIN_DIR/$b" "$(dest "$PREFIX/bin/$b")"
  done
  (cd "$REPO" && find sql -type f -name '*.sql') | while IFS= read -r f; do
    put 0644 "$REPO/$f" "$SHARE/$f"
  done
  for f in log4cplus.properties log4cplus-cron.properties; do put 0644 "$REPO/conf/$f" "$SHARE/conf/$f"; done
  for f in "$REPO"/conf/nginx/*; do put 0644 "$f" "$SHARE/conf/nginx/${f##*/}"; done
  put 0644 "$REPO/conf/mariadb/flashsale.cnf" "$SHARE/conf/mariadb/flashsale.cnf"

  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  render "$REPO/conf/systemd/flashsale-fcgi.service" >"$tmp/unit"
  put 0644 "$tmp/unit" "$UNIT_DIR/flashsale-fcgi.service"
  render "$REPO/cron/flashsale.cron.d" >"$tmp/cron"
  put 0644 "$tmp/cron" "$SYSCONFDIR/cron.d/flashsale"

  # The configuration holds the site's secrets once edited: never overwritten, readable by
  # root and the flashsale group only (the group exists once the service user is created).
  if [ -e "$(dest "$CONF_FILE")" ]; then
    say "kept the existing $(dest "$CONF_FILE")"
  else
    render_config >"$tmp/conf"
    install -d -m 0750 "$(dest "$SYSCONFDIR/flashsale")"
    install -m 0640 "$tmp/conf" "$(dest "$CONF_FILE")"
    if [ "$(id -u)" = 0 ] && getent group flashsale >/dev/null; then
      chgrp flashsale "$(dest "$SYSCONFDIR/flashsale")" "$(dest "$CONF_FILE")"
    fi
    say "wrote $(dest "$CONF_FILE") (set its secrets before starting the pool)"
  fi
  say "installed into ${DESTDIR:-/} (PREFIX=$PREFIX, SYSCONFDIR=$SYSCONFDIR)"
}

do_uninstall() {
  local b
  for b in "${BINARIES[@]}"; do rm -f "$(dest "$PREFIX/bin/$b")"; done
  rm -rf "$(dest "$SHARE")"
  rm -f "$(dest "$UNIT_DIR/flashsale-fcgi.service")" "$(dest "$SYSCONFDIR/cron.d/flashsale")"
  if [ "${PURGE:-0}" = 1 ]; then
    rm -rf "$(dest "$SYSCONFDIR/flashsale")"
  elif [ -e "$(dest "$CONF_FILE")" ]; then
    say "kept $(dest "$CONF_FILE") (PURGE=1 removes it)"
  fi
  say "uninstalled from ${DESTDIR:-/} (PREFIX=$PREFIX)"
}

case "${1:-}" in
  install) do_install ;;
  uninstall) do_uninstall ;;
  *) die "usage: $0 install|uninstall" ;;
esac
