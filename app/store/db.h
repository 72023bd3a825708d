// The database: one MariaDB connection per worker process, transactions, bounded retries.
//
// DESIGN
// Every request that touches data runs in exactly one InnoDB transaction: Database::Run(body)
// opens it, `body` does its reads and writes through the Tx, and the transaction commits only if
// `body` returns OK. A domain error (insufficient stock, hold used...) rolls everything back, so a
// request either commits as a whole or leaves no trace.
//
// Deadlocks (1213) and lock wait timeouts (1205) are not errors of the request but of the
// interleaving: the whole body runs again, up to db_retry_attempts times with a jittered back-off,
// then the caller gets kUnavailable (503).
//
// Run is the one place that decides what a failure means for the transaction:
//   - not committed: a statement failed, the connection broke before the commit point, or the
//     committing request was never sent (2006 on send; a connection the server closed while we
//     were idle). Nothing happened: the body runs again on a fresh connection.
//   - outcome unknown: the connection broke after COMMIT (or a CALL that commits) was sent and
//     before its answer came. It may have committed. Never retried here (the work could happen
//     twice); the caller answers 503, and a retry with the same Idempotency-Key or webhook key
//     finds the committed answer or does the work once. The cache hooks run anyway.
//   - committed: COMMIT answered OK.
// COMMIT is sent as a statement, not through Connection::commit(): Connector/C++ 1.1 ignores
// mysql_commit()'s result, so a COMMIT whose answer never came would pass for a success.
//
// The connection keeps autocommit off, so the first statement opens the transaction and COMMIT
// or ROLLBACK ends it: no extra round trip per request. Prepared statements are cached per
// connection for the same reason.
//
// Isolation: READ COMMITTED by default (the session's level). Every plain read sees what was
// committed when it started, and locking reads take no gap locks. The hold path relies on it:
// the per-buyer sum read after the buyer's lock sees every hold committed before the lock was
// granted, and after a refused counter update the availability it reports is current, not the
// snapshot of the transaction's first read. A body that needs REPEATABLE READ's next-key locks
// (the payment webhook locks the gap where a missing order will be inserted) asks for it; that
// costs one more round trip (SET TRANSACTION) per attempt.
//
// A Galera cluster (db_nodes): connections go to the one writer node store/db_nodes.h chooses
// (store/db_connect.cc), and every session waits for the cluster before each transaction
// (wsrep_sync_wait). A certification failure or a brute-force abort is a 1213 like a deadlock:
// the whole body runs again. A node that stops taking statements answers 1047: handled as a
// lost connection (not committed, run again on a connection to the next node), except after
// COMMIT was sent, where it is an unknown outcome like a lost connection (also 1180).
//
// No MariaDB header leaks out of the .cc files: repositories use Tx, Rows and DbError only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "store/db_nodes.h"
#include "util/status.h"

namespace sql {
class Connection;
class PreparedStatement;
class ResultSet;
}  // namespace sql

namespace flashsale::store {

struct DbOptions {
  std::string socket;  // used when not empty
  std::string host = "127.0.0.1";
  int port = 3306;
  // A Galera cluster (db_nodes.h): when not empty, replaces socket/host/port. nodes_error: the
  // list could not be parsed; every connection fails with it (the binaries refuse to start).
  std::vector<DbEndpoint> nodes;
  std::string nodes_error;
  std::string user;
  std::string password;
  std::string schema;
  int retry_attempts = 4;
  // Seconds a statement waits for a row lock (innodb_lock_wait_timeout) or a metadata lock
  // (lock_wait_timeout), set on each connection; 0 = the server's defaults.
  int lock_wait_timeout = 0;
};

// A database error with MariaDB's error number (1062 duplicate key, 1213 deadlock...).
struct DbError {
  int code;
  std::string message;
};

constexpr int kErrDuplicateKey = 1062;
// ER_UNKNOWN_COM_ERROR, which a Galera node answers to every statement while it cannot take
// them ("WSREP has not yet prepared node for application use": it left the primary component,
// or it is still joining). Handled like a lost connection: the next one goes to another node.
constexpr int kErrNodeNotReady = 1047;
constexpr int kErrLockWaitTimeout = 1205;
constexpr int kErrDeadlock = 1213;
// libmariadb's CR_SERVER_GONE_ERROR: the request could not be sent (the connection was already
// closed), so the server never saw it.
constexpr int kErrServerGone = 2006;
// Not MariaDB's: the connection was lost after a request that commits was sent, so whether it
// committed is unknown. Never retried (a retry could do the work twice).
constexpr int kErrOutcomeUnknown = -1;
// Not MariaDB's: no connection could be made (refused, too many connections, access denied...).
constexpr int kErrCannotConnect = -2;

using Param = std::variant<std::nullptr_t, int64_t, std::string>;

// A string as a SQL hex literal (X'..'): any bytes, nothing to escape.
std::string HexLiteral(const std::string& s);

// A forward-only result set. Column indexes are 1-based, as in JDBC.
class Rows {
 public:
  explicit Rows(std::unique_ptr<sql::ResultSet> rs);
  ~Rows();
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  bool Next();
  int64_t Int(int col) const;
  std::string Str(int col) const;
  bool IsNull(int col) const;

 private:
  std::unique_ptr<sql::ResultSet> rs_;
};

class Database;

// One open transaction. Destroying it without Commit() rolls it back.
class Tx {
 public:
  explicit Tx(Database& db);
  ~Tx();
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  // Statements throw DbError; Database::Run is the one place that catches it.
  int64_t Exec(const std::string& sql, const std::vector<Param>& params);
  std::unique_ptr<Rows> Query(const std::string& sql, const std::vector<Param>& params);
  // Like Exec, but a duplicate key answers false instead of throwing.
  bool TryInsert(const std::string& sql, const std::vector<Param>& params);

  // Runs a stored procedure CALL (text protocol) and returns the integer columns of its first
  // row, draining the remaining results. REQUIRES: `call` holds only values the program made
  // (numbers, formatted times, HexLiteral strings).
  std::vector<int64_t> CallForRow(const std::string& call);
  // The server committed this transaction inside a procedure: no COMMIT or ROLLBACK follows,
  // and the OnCommit hooks run as after Commit().
  void CommittedByServer() { done_ = true; }

  void Savepoint(const std::string& name);
  void RollbackTo(const std::string& name);

  // Runs after a successful COMMIT (cache invalidation). Not run on rollback or retry. A hook
  // that returns false turns the committed write's answer into 503 (ProductCache::Invalidate).
  void OnCommit(std::function<bool()> fn) { on_commit_.push_back(std::move(fn)); }

  void Commit();
  bool committed() const { return done_; }

 private:
  friend class Database;
  Database& db_;
  bool done_ = false;
  std::vector<std::function<bool()>> on_commit_;
};

class Database {
 public:
  explicit Database(DbOptions options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs `body` in one transaction with the retry policy above. Returns body's status, or
  // kUnavailable when the database cannot be reached or conflicts outlast the retries, or
  // kInternal for an unexpected database error (logged here, with the SQL error, once).
  enum class Isolation { kReadCommitted, kRepeatableRead };
  Status Run(const std::function<Status(Tx&)>& body,
             Isolation isolation = Isolation::kReadCommitted);

  // Connects if needed and runs SELECT 1.
  bool Ping();

  // One read of a single integer, in a transaction of its own, tried once and counted nowhere:
  // for housekeeping reads whose failure the caller handles itself (the trust ledger's lease),
  // so that they never add retries, back-off or 503 counts to the request they happen in.
  bool ReadInt(const std::string& sql, int64_t* out);
  // Between two requests (never inside Run): a connection on a later node of db_nodes than
  // the first moves to an earlier node that accepts writes again, at most once per
  // kFailBackCheckMs (db_nodes.h). Does nothing without db_nodes.
  void FailBack();
  // The node or server the current connection goes to; "" when there is none.
  std::string node() const;
  // Connects to one node on its own and says whether it accepts writes: "" if so, else why
  // not (`-t` prints it for every node).
  std::string CheckNode(const DbEndpoint& node) const;

  // Executes a script statement by statement outside any retry logic (migrations).
  // REQUIRES: statements separated by ";" at the end of a line.
  Status ExecScript(const std::string& script);

 private:
  friend class Tx;
  sql::Connection* Connection();    // connects lazily; throws DbError when it cannot
  // store/db_connect.cc: a connection to `node` with the session settings, or sql::SQLException.
  std::unique_ptr<sql::Connection> Open(const DbEndpoint& node, bool galera) const;
  // The writer choice of db_nodes.h; throws DbError{kErrCannotConnect} when no node accepts writes.
  void ConnectToWriter();
  void Adopt(std::unique_ptr<sql::Connection> conn, size_t node);
  void NodeRefused();  // the connection's node answered 1047: tried after the others for a while
  sql::Connection* TxConnection();  // inside a transaction: the same connection, or DbError
  void CheckIdle();                 // pings a connection unused for over a second, drops it if dead
  sql::PreparedStatement& Prepare(const std::string& sql);
  void Drop();  // forget the connection after a connection-level failure
  // Runs `send` (a COMMIT, or a CALL that may commit) and maps a connection failure to
  // kErrOutcomeUnknown, unless the request was never sent.
  void Committing(const std::function<void()>& send);

  DbOptions options_;
  std::unique_ptr<sql::Connection> conn_;
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
  int64_t last_used_ms_ = 0;  // monotonic; a connection idle for long is checked before use
  // With db_nodes: the node conn_ goes to, when it last looked for an earlier one, and when each
  // node last failed (0 = not recently), for TryOrder.
  size_t node_ = 0;
  int64_t node_checked_ms_ = 0;
  std::vector<int64_t> node_failed_ms_;
  std::string writer_;  // the node last written to, to log a change of writer once
};

}  // namespace flashsale::store
