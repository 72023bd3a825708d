// A Galera cluster as the pool sees it: the node list of `db_nodes` and the pure rules that
// choose the one node every connection writes to. The connections themselves are made in
// store/db_connect.cc.
//
// DESIGN
// Single writer. Galera accepts writes on every node, but two nodes writing the same row find
// out only at COMMIT, when certification aborts one of them (1213): the hot product row of a
// flash sale would turn most holds into retries. And a few guarantees rest on InnoDB locks,
// which are local to a node (invariant 6: a webhook's gap lock orders it with the order's
// insert). So every process writes to the same node: the first of the list that accepts
// writes, that is, it answers and reports wsrep_ready = ON, wsrep_cluster_status = Primary and
// wsrep_local_state_comment = Synced, and does not refuse client queries (wsrep_reject_queries
// = NONE): a joiner, a donor, a node cut off from the majority or one taken out for maintenance
// is skipped. Every pool, the expiry job and the migrations are given the same list, so they all
// pick the same node without talking to each other.
//
// Failover and going back. A connection stays on its node while it works. When it breaks, or
// the node refuses statements (1047: it left the primary component), the next connection scans
// the list again from the top, so it lands on the first node that still accepts writes. A node
// that failed in the last kNodeRetryMs is tried after the others (TryOrder): over TCP a dead
// host costs a whole connect timeout, which a worker must not pay at every reconnect. A
// preferred node that comes back is taken again only at a reconnect, never in the middle of a
// transaction: a worker whose connection is on a later node than the first checks, between two
// requests and at most once per kFailBackCheckMs, whether an earlier node accepts writes again,
// and moves there if so (FailBackDue). That bounds the time two nodes are written to after a
// node rejoins (every worker moves within one period) and keeps a node that keeps crashing from
// pulling the writers back more than once per period; a rejoining node counts only once it is
// Synced, i.e. once IST has given it every write the others committed.
//
// Why a node list in the configuration rather than HAProxy in front of the cluster: HAProxy's
// `mysql-check` only sees that a node completes a handshake. A joiner, a donor or a node in a
// non-primary component completes it too, and then refuses every statement (1047), so HAProxy
// would need an extra health-check service on each node (clustercheck over xinetd) to see
// Synced/Primary. The pool asks the node itself, on the connection it is about to use, with
// nothing more to install or run, and needs no extra hop per query. The list order also gives
// every pool the same writer, which HAProxy only does with `first`/backup servers configured
// identically on every app host.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

namespace flashsale::store {

// One place a MariaDB server listens: a unix socket (when `socket` is set) or host:port.
struct DbEndpoint {
  std::string socket;
  std::string host;
  int port = 3306;
  std::string Describe() const;  // the socket path or host:port, for logs and `-t`
};

// Parses `db_nodes`: comma-separated entries, blanks around them ignored. An entry with a '/'
// is a unix socket path (returned as written: the caller resolves relative paths against
// var_dir); otherwise `host`, `host:port`, or `[v6-address]:port`. Empty list = no nodes. An
// empty entry, a bad port or a duplicate node is an error naming the entry.
Result<std::vector<DbEndpoint>> ParseDbNodes(const std::string& list);

// What a node says about itself (SHOW GLOBAL STATUS), the three values that decide.
struct NodeState {
  std::string ready;           // wsrep_ready: ON / OFF
  std::string cluster_status;  // wsrep_cluster_status: Primary / non-Primary / Disconnected
  std::string local_state;     // wsrep_local_state_comment: Synced / Donor/Desynced / Joining...
  std::string reject_queries;  // @@wsrep_reject_queries: NONE, or ALL / ALL_KILL (maintenance)
};

// Empty when the node accepts writes; otherwise why not, for the log ("not Synced (Joined)").
// A server without wsrep (no such status) does not.
std::string WhyNotWriter(const NodeState& state);

// How long a node that failed to connect or refused writes is tried after the others.
constexpr int64_t kNodeRetryMs = 5000;
// How often, at most, a worker on a later node looks whether an earlier one is back.
constexpr int64_t kFailBackCheckMs = 5000;

// The order in which to try the nodes: list order, except that nodes whose last failure
// (failed_at_ms[i], 0 = never) is less than kNodeRetryMs old come after the others (still in
// list order among themselves, so they are still tried when nothing else answers).
std::vector<size_t> TryOrder(const std::vector<int64_t>& failed_at_ms, int64_t now_ms);

// Whether a connection to node `current` (index in the list), last checked at checked_ms, should
// look for an earlier node now.
bool FailBackDue(size_t current, int64_t checked_ms, int64_t now_ms);

}  // namespace flashsale::store
