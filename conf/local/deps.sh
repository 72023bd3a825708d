#!/usr/bin/env bash
# deps.sh: installs the Debian packages the build, the local stack and the tests need.
#
# `make deps` runs this before every `make run` / `make test`, so the common case, everything
# already installed, must cost one dpkg-query and nothing else: apt-get is only called when a
# package is missing. It never starts, stops or configures a service and writes nothing under
# /etc itself: the local stack runs its own private MariaDB, Redis and nginx (conf/local/stack.sh),
# so whatever apt's maintainer scripts do to the system-wide ones does not matter to us.
set -euo pipefail

# Build: compiler and -dev packages. Run: the stack's servers and clients. Tests/bench: curl, wrk.
# procps gives pkill/ps that the tests use to check that nothing is left behind.
# Fuzzing (make test replays the corpora): clang (clang++), libclang-rt-14-dev (libFuzzer and
# the sanitizer runtimes; only a recommendation of clang), llvm (llvm-symbolizer for reports).
# prometheus: promtool checks GET /metrics, and a Prometheus scrapes it, in the metrics tests
# (the tests start their own; the package's service is never used).
# galera-4: the wsrep provider (/usr/lib/galera/libgalera_smm.so) of the local Galera cluster
# (conf/local/cluster.sh); mariadb-server-core's mariadbd has wsrep built in. Not mariadb-server:
# its maintainer scripts start a system database, and the cluster needs no SST script.
readonly PACKAGES=(
  g++ make pkg-config
  clang libclang-rt-14-dev llvm
  libfcgi-dev libmysqlcppconn-dev libhiredis-dev libjsoncpp-dev liblog4cplus-dev
  libboost-test-dev libssl-dev libcurl4-openssl-dev nlohmann-json3-dev
  nginx-light mariadb-server-core mariadb-client-core galera-4 redis-server redis-tools
  curl wrk docker-compose procps prometheus
)

# Prints the packages of PACKAGES that dpkg does not report as installed, one per line.
deps_missing() {
  local installed
  # dpkg-query exits 1 when a name is unknown to it; that package simply counts as missing.
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null \
                | awk '$2 == "installed" { print $1 }' || true)
  local p
  for p in "${PACKAGES[@]}"; do
    grep -qxF -- "$p" <<<"$installed" || echo "$p"
  done
}

# Runs apt-get as root: directly when we are root, else through sudo. DEBIAN_FRONTEND goes on
# sudo's command line because sudo resets the environment by default.
deps_apt_get() {
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get "$@"
  else
    sudo DEBIAN_FRONTEND=noninteractive apt-get "$@"
  fi
}

main() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps.sh: dpkg-query not found; this script supports Debian 12 only." >&2
    echo "deps.sh: install by hand: ${PACKAGES[*]}" >&2
    exit 1
  fi
  local missing
  mapfile -t missing < <(deps_missing)
  # The API reference's linter runs on Node.js. Debian's nodejs and npm, unless a node and npm
  # are already there (another distribution's nodejs package bundles npm and conflicts with it).
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    missing+=(nodejs npm)
  fi
  [ "${#missing[@]}" -eq 0 ] && exit 0

  echo "deps.sh: installing missing packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "deps.sh: not root and sudo is not installed; as root run:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  deps_apt_get update
  deps_apt_get install -y --no-install-recommends "${missing[@]}"
}

main "$@"
