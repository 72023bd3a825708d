// Database, Tx and Rows over MySQL Connector/C++ 1.1 (JDBC-style API). With db_connect.cc (where
// to connect), the only file that includes Connector/C++ headers and catches
// sql::SQLException: it becomes a DbError inside the store, and a Status at Database::Run's
// boundary.
#include "store/db.h"

#include <cppconn/datatype.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_connection.h>
#include <mysql_driver.h>

#include <chrono>
#include <ctime>
#include <random>
#include <sstream>
#include <thread>

#include "metrics/metrics.h"
#include "util/fault_point.h"
#include "util/log.h"

namespace flashsale::store {
namespace {

DbError Translate(const sql::SQLException& e) { return DbError{e.getErrorCode(), e.what()}; }

// Client-side errors (2000-2999: server gone, lost connection), the server shutting down (1053)
// or killing the connection (1927), a Galera node that stopped taking statements (1047), and a
// failed connect mean the connection is not usable: the next one may go to another node.
bool IsConnectionError(int code) {
  return (code >= 2000 && code < 3000) || code == 1053 || code == 1927 ||
         code == kErrNodeNotReady || code == kErrCannotConnect;
}

// ER_ERROR_DURING_COMMIT: the storage engine or the replication (wsrep) failed the commit.
constexpr int kErrDuringCommit = 1180;

void Bind(sql::PreparedStatement& ps, const std::vector<Param>& params) {
  unsigned i = 1;
  for (const Param& p : params) {
    if (std::holds_alternative<std::nullptr_t>(p)) {
      ps.setNull(i, sql::DataType::VARCHAR);
    } else if (const int64_t* n = std::get_if<int64_t>(&p)) {
      ps.setInt64(i, *n);
    } else {
      ps.setString(i, std::get<std::string>(p));
    }
    ++i;
  }
}

int64_t MonotonicMs() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// A connection unused for this long is pinged before its next transaction (Connection()).
constexpr int64_t kIdleCheckMs = 1000;

// The cause of a failed attempt, as GET /metrics names it.
const char* Cause(int code) {
  switch (code) {
    case kErrDeadlock: return "deadlock";
    case kErrLockWaitTimeout: return "lock_wait_timeout";
    case kErrCannotConnect: return "cannot_connect";
    case kErrNodeNotReady: return "node_not_ready";
    case kErrOutcomeUnknown: return "commit_unknown";
    default: return "connection";
  }
}

void Backoff(int attempt) {
  // Jittered exponential back-off: 2, 4, 8... ms ceilings, so colliding transactions spread out.
  static thread_local std::mt19937 rng{std::random_device{}()};
  int ceiling_us = 2000 << std::min(attempt, 6);
  std::uniform_int_distribution<int> dist(ceiling_us / 4, ceiling_us);
  std::this_thread::sleep_for(std::chrono::microseconds(dist(rng)));
}

}  // namespace

// ---- Rows --------------------------------------------------------------------------------------

Rows::Rows(std::unique_ptr<sql::ResultSet> rs) : rs_(std::move(rs)) {}
Rows::~Rows() = default;

bool Rows::Next() {
  try {
    return rs_->next();
  } catch (const sql::SQLException& e) {
    throw Translate(e);
  }
}
int64_t Rows::Int(int col) const { return rs_->getInt64(col); }
std::string Rows::Str(int col) const { return rs_->getString(col); }
bool Rows::IsNull(int col) const { return rs_->isNull(col); }

// ---- Tx ----------------------------------------------------------------------------------------

Tx::Tx(Database& db) : db_(db) {}

Tx::~Tx() {
  if (done_ || !db_.conn_) return;
  try {
    db_.conn_->rollback();
  } catch (const sql::SQLException& e) {
    // The connection is broken; the server rolls back on its own when it notices.
    LOG4CPLUS_WARN(util::StoreLog(), "rollback failed (" << e.getErrorCode() << "), reconnecting");
    db_.Drop();
  }
}

int64_t Tx::Exec(const std::string& sql, const std::vector<Param>& params) {
  try {
    sql::PreparedStatement& ps = db_.Prepare(sql);
    Bind(ps, params);
    return ps.executeUpdate();
  } catch (const sql::SQLException& e) {
    throw Translate(e);
  }
}

std::unique_ptr<Rows> Tx::Query(const std::string& sql, const std::vector<Param>& params) {
  try {
    sql::PreparedStatement& ps = db_.Prepare(sql);
    Bind(ps, params);
    return std::make_unique<Rows>(std::unique_ptr<sql::ResultSet>(ps.executeQuery()));
  } catch (const sql::SQLException& e) {
    throw Translate(e);
  }
}

bool Tx::TryInsert(const std::string& sql, const std::vector<Param>& params) {
  try {
    Exec(sql, params);
    return true;
  } catch (const DbError& e) {
    if (e.code == kErrDuplicateKey) return false;
    throw;
  }
}

std::string HexLiteral(const std::string& s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "X'";
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out + "'";
}

std::vector<int64_t> Tx::CallForRow(const std::string& call) {
  std::vector<int64_t> row;
  // The procedures called here may COMMIT: a connection lost mid-call has an unknown outcome.
  db_.Committing([&] {
    std::unique_ptr<sql::Statement> st(db_.TxConnection()->createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery(call));
    if (rs->next()) {
      for (unsigned i = 1; i <= rs->getMetaData()->getColumnCount(); ++i) {
        row.push_back(rs->getInt64(i));
      }
    }
    rs.reset();
    while (st->getMoreResults()) {
      std::unique_ptr<sql::ResultSet> more(st->getResultSet());
    }
  });
  return row;
}

void Tx::Savepoint(const std::string& name) { Exec("SAVEPOINT " + name, {}); }
void Tx::RollbackTo(const std::string& name) { Exec("ROLLBACK TO SAVEPOINT " + name, {}); }

void Tx::Commit() {
  // A statement, not Connection::commit(), which ignores a COMMIT that got no answer (db.h).
  db_.Committing([&] {
    std::unique_ptr<sql::Statement> st(db_.TxConnection()->createStatement());
    st->execute("COMMIT");
  });
  done_ = true;
}

// ---- Database ----------------------------------------------------------------------------------

Database::Database(DbOptions options) : options_(std::move(options)) {}
Database::~Database() {
  statements_.clear();  // statements before the connection that owns them
  conn_.reset();
}

void Database::Drop() {
  statements_.clear();
  conn_.reset();
}

void Database::Committing(const std::function<void()>& send) {
  try {
    send();
  } catch (const sql::SQLException& e) {
    int code = e.getErrorCode();
    // A Galera node that leaves the primary component while replicating a commit (1047), or
    // whose replication fails it (1180), cannot tell whether the others committed the write
    // set: unknown, as a lost connection. A certification failure is a plain 1213: the write
    // set was refused on every node, and the transaction runs again.
    if ((IsConnectionError(code) && code != kErrServerGone) || code == kErrDuringCommit) {
      throw DbError{kErrOutcomeUnknown,
                    std::string("connection lost after a committing request was sent: ") + e.what()};
    }
    throw Translate(e);
  }
}

void Database::CheckIdle() {
  int64_t now = MonotonicMs();
  if (conn_ && now - last_used_ms_ > kIdleCheckMs) {
    // Idle long enough for the server to have closed it (wait_timeout, a restart, KILL). Over
    // TCP a send to a closed connection may still succeed and the loss only show in the answer,
    // which for a COMMIT would be an unknown outcome: one ping now avoids that.
    bool alive = false;
    try {
      alive = conn_->isValid();
    } catch (const sql::SQLException&) {
    }
    if (!alive) Drop();
  }
  last_used_ms_ = now;
}

sql::Connection* Database::TxConnection() {
  // Never a new connection in the middle of a transaction: its first statements would be lost
  // with the old one and the rest committed alone. The caller's Run starts over instead.
  if (!conn_) throw DbError{kErrServerGone, "connection dropped during the transaction"};
  return conn_.get();
}

sql::PreparedStatement& Database::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return *it->second;
  std::unique_ptr<sql::PreparedStatement> ps(TxConnection()->prepareStatement(sql));
  return *statements_.emplace(sql, std::move(ps)).first->second;
}

Status Database::Run(const std::function<Status(Tx&)>& body, Isolation isolation) {
  int attempts = std::max(1, options_.retry_attempts);
  const char* last_conflict = "conflict";  // what the last attempt ran into, for the final 503
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    std::optional<Tx> tx;
    try {
      CheckIdle();
      Connection();
      tx.emplace(*this);
      // Applies to the next transaction only: this one, which the body's first statement opens.
      if (isolation == Isolation::kRepeatableRead) {
        tx->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", {});
      }
      Status s = body(*tx);
      if (s.code() == Code::kRetryable) {
        // The body saw a conflict it could not settle itself; same policy as a deadlock.
        tx.reset();  // rolls back
        last_conflict = "conflict";
        if (attempt < attempts) {
          flashsale::metrics::TxRetried(last_conflict);
          Backoff(attempt);
        }
        continue;
      }
      if (!s.ok()) return s;  // ~Tx rolls back
      if (!tx->committed()) {
        util::FaultPoint("db.before_commit");  // a worker stuck with its locks held (tests)
        tx->Commit();
      }
      if (!tx->on_commit_.empty()) util::FaultPoint("db.before_invalidate");
      bool answerable = true;
      for (auto& fn : tx->on_commit_) answerable = fn() && answerable;
      if (!answerable) {
        flashsale::metrics::TxUnavailable("cache");
        return Status::Unavailable("committed, but the cache could not be invalidated");
      }
      return s;
    } catch (const DbError& e) {
      // Post-commit hooks only invalidate caches: if the outcome of a commit is unknown they run
      // anyway, since a committed write must never leave a stale entry behind.
      std::vector<std::function<bool()>> hooks;
      if (tx) hooks = tx->on_commit_;
      if (e.code == kErrNodeNotReady) NodeRefused();
      if (IsConnectionError(e.code) || e.code == kErrOutcomeUnknown) Drop();
      tx.reset();  // rolls back what is still open; nothing to do on a dropped connection
      if (e.code == kErrDeadlock || e.code == kErrLockWaitTimeout) {
        LOG4CPLUS_DEBUG(util::StoreLog(), "conflict " << e.code << ", attempt " << attempt);
        last_conflict = Cause(e.code);
        if (attempt < attempts) {
          flashsale::metrics::TxRetried(last_conflict);
          Backoff(attempt);
        }
        continue;
      }
      if (e.code == kErrOutcomeUnknown) {
        LOG4CPLUS_ERROR(util::StoreLog(), "outcome unknown, answering 503: " << e.message);
        for (auto& fn : hooks) fn();
        flashsale::metrics::TxUnavailable(Cause(e.code));
        return Status::Unavailable("database connection lost during commit");
      }
      if (IsConnectionError(e.code)) {
        // Not committed: the server rolls back a transaction whose connection is gone, and a
        // request that was never sent did nothing. Run it again on a fresh connection.
        LOG4CPLUS_WARN(util::StoreLog(), "database connection failed (" << e.code << "): "
                                             << e.message << "; attempt " << attempt);
        // With db_nodes, a failed connect has already tried every node (bounded connect
        // timeouts each): scanning them again at once would only make the 503 slower.
        bool scanned_all = e.code == kErrCannotConnect && !options_.nodes.empty();
        if (attempt < attempts && !scanned_all) {
          flashsale::metrics::TxRetried(Cause(e.code));
          if (attempt > 1) Backoff(attempt);  // the first retry is a reconnect, at once
          continue;
        }
        flashsale::metrics::TxUnavailable(Cause(e.code));
        return Status::Unavailable("database unavailable");
      }
      LOG4CPLUS_ERROR(util::StoreLog(), "database error " << e.code << ": " << e.message);
      return Status::Internal("database error");
    }
  }
  flashsale::metrics::TxUnavailable(last_conflict);
  return Status::Unavailable("transaction kept conflicting; retry later");
}

bool Database::Ping() {
  try {
    CheckIdle();  // a connection the server closed meanwhile is not an outage
    std::unique_ptr<sql::Statement> st(Connection()->createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT 1"));
    conn_->commit();
    return rs->next();
  } catch (const sql::SQLException& e) {
    Drop();
    return false;
  } catch (const DbError&) {
    return false;
  }
}

bool Database::ReadInt(const std::string& sql, int64_t* out) {
  try {
    CheckIdle();
    std::unique_ptr<sql::Statement> st(Connection()->createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery(sql));
    bool found = rs->next();
    if (found) *out = rs->getInt64(1);
    conn_->commit();
    return found;
  } catch (const sql::SQLException& e) {
    Drop();
    return false;
  } catch (const DbError&) {
    return false;
  }
}

Status Database::ExecScript(const std::string& script) {
  // Statements end with the delimiter at the end of a line: ";" unless a "DELIMITER x" line
  // changed it (as in the mariadb client), which stored procedure bodies need.
  std::istringstream in(script);
  std::string line, statement, delimiter = ";";
  try {
    std::unique_ptr<sql::Statement> st(Connection()->createStatement());
    while (std::getline(in, line)) {
      size_t start = line.find_first_not_of(" \t");
      if (statement.empty() && (start == std::string::npos || line.compare(start, 2, "--") == 0)) {
        continue;
      }
      if (statement.empty() && line.compare(start, 10, "DELIMITER ") == 0) {
        delimiter = line.substr(start + 10);
        delimiter.erase(delimiter.find_last_not_of(" \t\r") + 1);
        continue;
      }
      size_t end = line.find_last_not_of(" \t\r");
      if (end != std::string::npos && end + 1 >= delimiter.size() &&
          line.compare(end + 1 - delimiter.size(), delimiter.size(), delimiter) == 0) {
        statement += line.substr(0, end + 1 - delimiter.size());
        st->execute(statement);
        statement.clear();
      } else {
        statement += line + "\n";
      }
    }
    if (statement.find_first_not_of(" \t\r\n") != std::string::npos) st->execute(statement);
    st->execute("COMMIT");  // a statement: Connection::commit() hides a lost COMMIT (db.h)
    return Status::Ok();
  } catch (const sql::SQLException& e) {
    return Status::Internal("statement failed (" + std::to_string(e.getErrorCode()) + "): " +
                            e.what());
  } catch (const DbError& e) {
    return Status::Unavailable("cannot connect: " + e.message);
  }
}

}  // namespace flashsale::store
