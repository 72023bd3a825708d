// bench-db-ceiling: the raw hot-row rate of a MariaDB server, through the connector the service
// uses (Connector/C++ 1.1, JDBC API). N threads, one connection each, run the cheapest statement
// that still does what every hold does to its product row: a durable, conditional, single-row
// update of the same row,
//
//   UPDATE bench_ceiling SET n = n + 1 WHERE id = 1 AND n < <huge>     (autocommit)
//
// for a fixed duration. Each commit waits for its redo log flush (innodb_flush_log_at_trx_commit
// = 1 in the stack's my.cnf) and every statement queues on the one row lock, so this is the rate
// no checkout can beat on this server: `make bench` reports holds and checkouts as ratios of it.
//
//   bench-db-ceiling --socket PATH --user U --password P --schema S [--clients N] [--duration SEC]
//
// Creates (if needed) and resets table bench_ceiling itself. Prints one JSON line on stdout:
//   {"scenario":"ceiling_db","clients":4,"duration_s":12.0,"updates":..,"errors":..,
//    "rps":..,"p50_ms":..,"p99_ms":..}
// Exits non-zero if it cannot connect or set up the table.
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>
#include <mysql_connection.h>
#include <mysql_driver.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string socket;
  std::string user;
  std::string password;
  std::string schema;
  int clients = 4;
  double duration_s = 12.0;
};

std::unique_ptr<sql::Connection> Connect(const Options& o) {
  sql::ConnectOptionsMap props;
  props["hostName"] = sql::SQLString("unix://" + o.socket);
  props["userName"] = sql::SQLString(o.user);
  props["password"] = sql::SQLString(o.password);
  props["schema"] = sql::SQLString(o.schema);
  props["OPT_CONNECT_TIMEOUT"] = 2;
  props["OPT_RECONNECT"] = false;
  props["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  return std::unique_ptr<sql::Connection>(sql::mysql::get_mysql_driver_instance()->connect(props));
}

struct ClientResult {
  uint64_t updates = 0;
  uint64_t errors = 0;
  std::vector<uint32_t> latency_us;  // one sample per successful update
};

void Usage() {
  std::fprintf(stderr,
               "usage: bench-db-ceiling --socket PATH --user U --password P --schema S "
               "[--clients N] [--duration SEC]\n");
  std::exit(2);
}

double Percentile(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) Usage();
    std::string v = argv[++i];
    if (a == "--socket") o.socket = v;
    else if (a == "--user") o.user = v;
    else if (a == "--password") o.password = v;
    else if (a == "--schema") o.schema = v;
    else if (a == "--clients") o.clients = std::atoi(v.c_str());
    else if (a == "--duration") o.duration_s = std::atof(v.c_str());
    else Usage();
  }
  if (o.socket.empty() || o.user.empty() || o.schema.empty() || o.clients < 1 || o.duration_s <= 0) {
    Usage();
  }

  // Set up the one hot row. InnoDB, like products; n starts at 0 and the condition never fails,
  // but the server still has to evaluate it, as it does for `reserved + ? <= stock`.
  try {
    auto conn = Connect(o);
    std::unique_ptr<sql::Statement> st(conn->createStatement());
    st->execute(
        "CREATE TABLE IF NOT EXISTS bench_ceiling ("
        " id BIGINT UNSIGNED NOT NULL PRIMARY KEY,"
        " n BIGINT NOT NULL"
        ") ENGINE=InnoDB");
    st->execute("REPLACE INTO bench_ceiling (id, n) VALUES (1, 0)");
  } catch (const sql::SQLException& e) {
    std::fprintf(stderr, "bench-db-ceiling: setup failed (%d): %s\n", e.getErrorCode(), e.what());
    return 1;
  }

  // Every client connects and prepares first; the clock starts when all are ready, so connection
  // set-up is not part of the measurement.
  std::vector<ClientResult> results(o.clients);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<bool> setup_failed{false};
  Clock::time_point start, deadline;
  std::mutex err_mu;

  std::vector<std::thread> threads;
  for (int c = 0; c < o.clients; ++c) {
    threads.emplace_back([&, c] {
      ClientResult& r = results[c];
      std::unique_ptr<sql::Connection> conn;
      std::unique_ptr<sql::PreparedStatement> ps;
      try {
        conn = Connect(o);
        conn->setAutoCommit(true);
        ps.reset(conn->prepareStatement(
            "UPDATE bench_ceiling SET n = n + 1 WHERE id = 1 AND n < 9000000000000000000"));
      } catch (const sql::SQLException& e) {
        std::lock_guard<std::mutex> lock(err_mu);
        std::fprintf(stderr, "bench-db-ceiling: client %d: %s\n", c, e.what());
        setup_failed = true;
      }
      ++ready;
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      if (!ps) return;
      r.latency_us.reserve(1 << 16);
      for (;;) {
        Clock::time_point t0 = Clock::now();
        if (t0 >= deadline) break;
        try {
          int n = ps->executeUpdate();
          Clock::time_point t1 = Clock::now();
          if (n == 1) {
            ++r.updates;
            r.latency_us.push_back(static_cast<uint32_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()));
          } else {
            ++r.errors;  // the row vanished or the condition failed: not a counted update
          }
        } catch (const sql::SQLException& e) {
          ++r.errors;
          if (r.errors <= 3) {
            std::lock_guard<std::mutex> lock(err_mu);
            std::fprintf(stderr, "bench-db-ceiling: client %d: (%d) %s\n", c, e.getErrorCode(),
                         e.what());
          }
        }
      }
    });
  }
  while (ready.load() < o.clients) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  start = Clock::now();
  deadline = start + std::chrono::microseconds(static_cast<int64_t>(o.duration_s * 1e6));
  go.store(true, std::memory_order_release);
  for (std::thread& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  if (setup_failed) return 1;

  uint64_t updates = 0, errors = 0;
  std::vector<uint32_t> all;
  for (ClientResult& r : results) {
    updates += r.updates;
    errors += r.errors;
    all.insert(all.end(), r.latency_us.begin(), r.latency_us.end());
  }
  std::sort(all.begin(), all.end());
  std::printf(
      "{\"scenario\":\"ceiling_db\",\"clients\":%d,\"duration_s\":%.3f,\"updates\":%llu,"
      "\"errors\":%llu,\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n",
      o.clients, elapsed, static_cast<unsigned long long>(updates),
      static_cast<unsigned long long>(errors), updates / elapsed, Percentile(all, 50),
      Percentile(all, 99));
  return 0;
}
