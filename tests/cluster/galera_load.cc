#include "galera_load.h"

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cstdlib>
#include <exception>
#include <sstream>

#include "../support/db_probe.h"
#include "cluster_stack.h"

namespace flashsale::ctest {

HoldLoad::HoldLoad(const itest::Api& api, int64_t product, int threads) : api_(api), product_(product) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this, i] { Run(i); });
}

HoldLoad::~HoldLoad() { Stop(); }

void HoldLoad::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::sort(attempts_.begin(), attempts_.end(),
            [](const Attempt& a, const Attempt& b) { return a.end_ms < b.end_ms; });
}

void HoldLoad::Run(int index) {
  (void)index;
  while (!stop_) {
    itest::Headers key = {{"Idempotency-Key", itest::UniqueName("galera-hold")}};
    const int64_t deadline = itest::NowMillis() + kResolveTimeoutMs;
    for (;;) {
      Attempt a;
      a.start_ms = itest::NowMillis();
      ++in_flight_;
      itest::HttpResponse r = api_.PostHold(product_, 1, key);
      --in_flight_;
      a.end_ms = itest::NowMillis();
      a.status = r.status;
      bool unknown = r.status == 0 || r.status == 502 || r.status == 503 || r.status == 504 ||
                     (r.status == 409 && r.ErrorCode() == "idempotency_key_in_use");
      a.definite = !unknown;
      bool done = !unknown || a.end_ms > deadline;
      {
        std::lock_guard<std::mutex> lock(mu_);
        attempts_.push_back(a);
        if (!unknown) {
          ++definite_;
          if (r.status == 201 && r.json_ok) {
            held_.insert(r.json["hold_id"].asInt64());
          } else if (!(r.status == 409 && r.ErrorCode() == "insufficient_stock")) {
            problems_.push_back("surprise: " + r.Describe());
          }
        } else if (done) {
          problems_.push_back("unresolved: " + r.Describe());
        }
      }
      if (done) break;
      itest::SleepMillis(50);
    }
  }
}

Outage MeasureOutage(const std::vector<Attempt>& attempts, int64_t from_ms) {
  Outage o;
  int64_t first_failure = -1;
  for (const Attempt& a : attempts) {  // sorted by end time (Stop)
    if (a.end_ms < from_ms) continue;
    o.longest_attempt_ms = std::max(o.longest_attempt_ms, a.end_ms - a.start_ms);
    if (!a.definite) {
      ++o.failed;
      if (a.status == 503) ++o.status_503;
      if (a.status == 502) ++o.status_502;
      if (a.status == 0 || a.status == 504) ++o.no_answer;
      if (first_failure < 0) first_failure = a.end_ms;
    } else if (a.status == 201 && first_failure >= 0 && o.without_writer_ms == 0) {
      o.without_writer_ms = std::max<int64_t>(1, a.end_ms - first_failure);
    }
  }
  return o;
}

std::string Outage::Describe() const {
  std::ostringstream out;
  out << "time without a writer " << without_writer_ms << " ms (first failed request to the first "
      << "201 after it), failed attempts " << failed << " (503: " << status_503 << ", 502: "
      << status_502 << ", no answer/504: " << no_answer << "), longest request " << longest_attempt_ms
      << " ms";
  return out.str();
}

std::vector<int64_t> LocalCommits() {
  std::vector<int64_t> out;
  for (int n = 1; n <= 3; ++n) {
    try {
      itest::DbProbe db(Cluster().node_socket(n));
      std::vector<itest::SqlRow> rows = db.Query("SHOW GLOBAL STATUS LIKE 'wsrep_local_commits'");
      out.push_back(rows.empty() || !rows[0][1] ? -1 : std::stoll(*rows[0][1]));
    } catch (const std::exception&) {
      out.push_back(-1);
    }
  }
  return out;
}

void NodeCommand(const std::string& verb, int node) {
  itest::CommandResult r = Cluster().Command({verb, std::to_string(node)});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "cluster.sh " << verb << " " << node << ": " << r.output);
}

bool RootSql(int node, const std::string& sql) {
  // The socket path comes from mktemp and the SQL from the test: neither holds a quote.
  std::string command = "mariadb --no-defaults -uroot --connect-timeout=5 -S '" +
                        Cluster().node_socket(node) + "' -e \"" + sql + "\" >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

std::set<int64_t> HoldsInDb(int node, int64_t product) {
  itest::DbProbe db(Cluster().node_socket(node));
  db.Exec("SET SESSION wsrep_sync_wait = 7");  // everything the cluster committed before
  std::set<int64_t> ids;
  for (const itest::SqlRow& r : db.Query("SELECT id FROM holds WHERE product_id = ?", {product})) {
    ids.insert(std::stoll(*r[0]));
  }
  return ids;
}

}  // namespace flashsale::ctest
