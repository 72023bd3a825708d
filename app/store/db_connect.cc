// Where Database connects: the one server of db_socket / db_host, or the writer node of a Galera
// cluster (db_nodes.h says which node and why). Besides db.cc, the only file that includes
// Connector/C++ headers; a failure to connect becomes DbError{kErrCannotConnect} here.
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <mysql_connection.h>
#include <mysql_driver.h>

#include <ctime>

#include "store/db.h"
#include "util/log.h"

namespace flashsale::store {
namespace {

int64_t NowMs() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// wsrep_sync_wait for every session on a Galera node: 1 (reads) + 2 (UPDATE, DELETE) + 4
// (INSERT, REPLACE). Before the first statement of a transaction, the node waits until it has
// applied every write set the cluster ordered before that statement, so a request sees every
// write committed (and answered) before it started, on whichever node: after a failover, the
// new writer may still have the old one's last write sets in its apply queue. Measured on
// MariaDB 10.11 (status wsrep_causal_reads): the wait happens only when no transaction is
// active, i.e. once per transaction, at its first statement; locking reads (FOR UPDATE, LOCK IN
// SHARE MODE, the webhook's REPEATABLE READ reads) are reads and wait like the others, and the
// SELECTs inside our procedures wait. With 1 alone, a transaction that starts with a write (the
// Idempotency-Key claim, the expiry job's updates) would never wait, and its later reads would
// not either: a keyed hold could then store a 409 computed from a row the old writer had
// already changed. SET TRANSACTION (webhook) does not start a transaction and does not wait.
// The wait is bounded by the node's repl.causal_read_timeout; when it runs out the statement
// fails with 1205 and Run retries it like a lock wait timeout.
constexpr int kGaleraSyncWait = 7;

// A node's connect timeout (seconds). With a list, a node that does not answer must not take
// the whole request's time: over TCP a dead host costs this once per kNodeRetryMs (TryOrder).
constexpr int kNodeConnectTimeout = 1;

// Empty when the node on `conn` accepts writes, else why not. A node taken out of service with
// wsrep_reject_queries (maintenance) still says Synced and still answers this SELECT, but
// refuses the application's statements (1047): the variable is read too.
std::string WriterCheck(sql::Connection& conn) {
  NodeState state;
  try {
    std::unique_ptr<sql::Statement> st(conn.createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery(
        "SELECT LOWER(VARIABLE_NAME), VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
        "WHERE VARIABLE_NAME IN ('WSREP_READY', 'WSREP_CLUSTER_STATUS', 'WSREP_LOCAL_STATE_COMMENT') "
        "UNION ALL SELECT 'wsrep_reject_queries', @@global.wsrep_reject_queries"));
    while (rs->next()) {
      std::string name = rs->getString(1), value = rs->getString(2);
      if (name == "wsrep_ready") state.ready = value;
      if (name == "wsrep_cluster_status") state.cluster_status = value;
      if (name == "wsrep_local_state_comment") state.local_state = value;
      if (name == "wsrep_reject_queries") state.reject_queries = value;
    }
    conn.commit();  // the read opened a transaction (autocommit is off)
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() == kErrNodeNotReady) return "refuses queries (1047: " + std::string(e.what()) + ")";
    throw;
  }
  return WhyNotWriter(state);
}

}  // namespace

std::unique_ptr<sql::Connection> Database::Open(const DbEndpoint& node, bool galera) const {
  sql::ConnectOptionsMap props;
  if (!node.socket.empty()) {
    props["hostName"] = sql::SQLString("unix://" + node.socket);
  } else {
    props["hostName"] = sql::SQLString("tcp://" + node.host);
    props["port"] = node.port;
  }
  props["userName"] = sql::SQLString(options_.user);
  props["password"] = sql::SQLString(options_.password);
  props["schema"] = sql::SQLString(options_.schema);
  props["OPT_CONNECT_TIMEOUT"] = galera ? kNodeConnectTimeout : 2;
  props["OPT_READ_TIMEOUT"] = 30;
  props["OPT_WRITE_TIMEOUT"] = 30;
  props["OPT_RECONNECT"] = false;  // a silent reconnect would lose the open transaction
  props["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  std::unique_ptr<sql::Connection> conn(sql::mysql::get_mysql_driver_instance()->connect(props));
  std::unique_ptr<sql::Statement> st(conn->createStatement());
  st->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");  // see db.h
  std::string settings;
  if (options_.lock_wait_timeout > 0) {
    // Our own lock waits, not the server's (Debian's MariaDB waits 50 s for a row lock and a
    // day for a metadata lock): the retry budget must fit inside the request timeouts.
    std::string n = std::to_string(options_.lock_wait_timeout);
    settings = "SESSION innodb_lock_wait_timeout = " + n + ", SESSION lock_wait_timeout = " + n;
  }
  if (galera) {
    settings += (settings.empty() ? "" : ", ");
    settings += "SESSION wsrep_sync_wait = " + std::to_string(kGaleraSyncWait);
  }
  if (!settings.empty()) st->execute("SET " + settings);
  conn->setAutoCommit(false);
  return conn;
}

sql::Connection* Database::Connection() {
  if (conn_) return conn_.get();
  if (!options_.nodes_error.empty()) throw DbError{kErrCannotConnect, options_.nodes_error};
  if (!options_.nodes.empty()) {
    ConnectToWriter();
    return conn_.get();
  }
  DbEndpoint server{options_.socket, options_.host, options_.port};
  try {
    conn_ = Open(server, false);
    return conn_.get();
  } catch (const sql::SQLException& e) {
    // Whatever the reason (refused, 1040 too many connections, access denied), the database
    // cannot be used now: that is "unavailable" for the client, not an internal error.
    conn_.reset();
    throw DbError{kErrCannotConnect,
                  "cannot connect (" + std::to_string(e.getErrorCode()) + "): " + e.what()};
  }
}

void Database::Adopt(std::unique_ptr<sql::Connection> conn, size_t node) {
  Drop();
  conn_ = std::move(conn);
  node_ = node;
  node_checked_ms_ = NowMs();
  node_failed_ms_[node] = 0;
  const std::string& name = options_.nodes[node].Describe();
  if (name != writer_) {
    // Logged by each process once per change: the first connection, a failover, a failback.
    if (writer_.empty()) {
      LOG4CPLUS_INFO(util::StoreLog(), "writing to Galera node " << name);
    } else {
      LOG4CPLUS_WARN(util::StoreLog(), "writer node changed from " << writer_ << " to " << name);
    }
    writer_ = name;
  }
}

void Database::ConnectToWriter() {
  const std::vector<DbEndpoint>& nodes = options_.nodes;
  node_failed_ms_.resize(nodes.size(), 0);
  std::string why;
  for (size_t i : TryOrder(node_failed_ms_, NowMs())) {
    std::string reason;
    try {
      std::unique_ptr<sql::Connection> conn = Open(nodes[i], true);
      reason = WriterCheck(*conn);
      if (reason.empty()) {
        Adopt(std::move(conn), i);
        return;
      }
    } catch (const sql::SQLException& e) {
      reason = "cannot connect (" + std::to_string(e.getErrorCode()) + "): " + e.what();
    }
    node_failed_ms_[i] = NowMs();
    why += (why.empty() ? "" : "; ") + nodes[i].Describe() + ": " + reason;
  }
  throw DbError{kErrCannotConnect, "no Galera node accepts writes: " + why};
}

void Database::NodeRefused() {
  if (conn_ && !options_.nodes.empty()) node_failed_ms_[node_] = NowMs();
}

void Database::FailBack() {
  if (!conn_ || options_.nodes.empty()) return;
  int64_t now = NowMs();
  if (!FailBackDue(node_, node_checked_ms_, now)) return;
  node_checked_ms_ = now;
  for (size_t i = 0; i < node_; ++i) {
    try {
      std::unique_ptr<sql::Connection> conn = Open(options_.nodes[i], true);
      if (WriterCheck(*conn).empty()) {
        Adopt(std::move(conn), i);  // the old connection is idle: closing it loses nothing
        last_used_ms_ = now;
        return;
      }
    } catch (const sql::SQLException&) {
    }
    node_failed_ms_[i] = now;
  }
}

std::string Database::node() const {
  if (!conn_) return "";
  if (!options_.nodes.empty()) return options_.nodes[node_].Describe();
  return DbEndpoint{options_.socket, options_.host, options_.port}.Describe();
}

std::string Database::CheckNode(const DbEndpoint& node) const {
  try {
    std::unique_ptr<sql::Connection> conn = Open(node, true);
    return WriterCheck(*conn);
  } catch (const sql::SQLException& e) {
    return "cannot connect (" + std::to_string(e.getErrorCode()) + "): " + e.what();
  }
}

}  // namespace flashsale::store
