// What the Galera tests need beside tests/support: a timed hold load that keeps every answer,
// the outage it saw around a fault, and the nodes' own counters (which node took the writes).
//
// HoldLoad: threads placing holds of one unit with an Idempotency-Key through one base URL.
// "No answer", 502, 503, 504 and 409 idempotency_key_in_use are "outcome unknown": the same
// request is sent again with the same key (after 50 ms, so the outage is measured finely) until
// it gets a definite answer or kResolveTimeoutMs passes ("unresolved"). Every attempt is kept
// with its start and end time.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../support/api.h"

namespace flashsale::ctest {

struct Attempt {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  long status = 0;  // 0: no HTTP answer
  bool definite = false;
};

class HoldLoad {
 public:
  static constexpr int64_t kResolveTimeoutMs = 60000;
  HoldLoad(const itest::Api& api, int64_t product, int threads);
  ~HoldLoad();
  void Stop();  // each thread finishes (resolves) its request first

  int64_t in_flight() const { return in_flight_.load(); }
  int64_t definite() const { return definite_.load(); }
  // Call after Stop().
  const std::vector<Attempt>& attempts() const { return attempts_; }
  const std::set<int64_t>& held() const { return held_; }  // hold ids answered 201
  const std::vector<std::string>& problems() const { return problems_; }  // unresolved, surprises

 private:
  void Run(int index);
  const itest::Api& api_;
  int64_t product_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> definite_{0};
  std::mutex mu_;
  std::vector<Attempt> attempts_;
  std::set<int64_t> held_;
  std::vector<std::string> problems_;
};

// What the clients saw from `from_ms` (the fault) on.
struct Outage {
  int64_t failed = 0;     // attempts that ended after from_ms without a definite answer
  int64_t status_503 = 0;
  int64_t status_502 = 0;
  int64_t no_answer = 0;  // status 0 (or 504)
  // From the end of the first failed attempt to the end of the first 201 after it; 0 when
  // nothing failed.
  int64_t without_writer_ms = 0;
  int64_t longest_attempt_ms = 0;  // among the attempts that ended after from_ms
  std::string Describe() const;
};
Outage MeasureOutage(const std::vector<Attempt>& attempts, int64_t from_ms);

// wsrep_local_commits of each node (1..3): commits that started on that node. -1 for a node
// that does not answer.
std::vector<int64_t> LocalCommits();

// Runs `cluster.sh VERB N` and requires it to succeed.
void NodeCommand(const std::string& verb, int node);

// Runs `sql` as MariaDB's root on node `node` (the mariadb client, through the node's socket);
// true when it succeeded.
bool RootSql(int node, const std::string& sql);

// The holds of `product` in the database, read on node `node` after it caught up.
std::set<int64_t> HoldsInDb(int node, int64_t product);

}  // namespace flashsale::ctest
