// Hold expiry (the API reference "Guarantees" 3): within 1 s after expires_at the units are available for
// reads and new holds without the expiry job; the job (flashsale-release-expired) then releases
// them, logs hold_released per hold and holds_batch_released per batch, and two copies running
// at once never release the same hold twice. The crontab runs it so that its exit status is its
// own and its errors reach syslog at priority err. (expiry_faults_test.cc: the job under faults.)
//
// The suite restarts the pool with hold_ttl_seconds = 2 and puts the default back afterwards.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

constexpr int kShortTtlSeconds = 2;

struct ShortHoldTtl {
  ShortHoldTtl() {
    Stack().RestartPool({{"FLASHSALE_HOLD_TTL_SECONDS", std::to_string(kShortTtlSeconds)}});
  }
  ~ShortHoldTtl() {
    try {
      Stack().RestartPool();
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("could not restore the pool's default hold ttl: " << e.what());
    }
  }
};

// A 201 hold: its id and expires_at in milliseconds.
struct Held {
  int64_t id = 0;
  int64_t expires_ms = 0;
};

Held MustHoldUntil(const Api& api, int64_t product, int64_t quantity) {
  int64_t sent = NowMillis();
  HttpResponse r = api.PostHold(product, quantity);
  BOOST_REQUIRE_MESSAGE(r.status == 201, r.Describe());
  std::optional<int64_t> expires = ParseRfc3339Millis(r.json["expires_at"].asString());
  BOOST_REQUIRE_MESSAGE(expires.has_value(), r.body);
  // The pool really runs with the short ttl (else every wait below is meaningless).
  BOOST_REQUIRE_MESSAGE(*expires <= NowMillis() + kShortTtlSeconds * 1000 + 1000, r.body);
  BOOST_REQUIRE_MESSAGE(*expires >= sent + kShortTtlSeconds * 1000 - 1000, r.body);
  return {r.json["hold_id"].asInt64(), *expires};
}

// Rows of hold_released after `marker` per hold id, for the given holds.
std::map<int64_t, int64_t> ReleasedRows(DbProbe& db, int64_t marker, const std::set<int64_t>& holds) {
  std::map<int64_t, int64_t> rows;
  for (int64_t h : holds) rows[h] = 0;
  for (const SqlRow& r : db.Query(
           "SELECT CAST(JSON_VALUE(payload, '$.hold_id') AS SIGNED), COUNT(*) FROM metrics_logs "
           "WHERE type = 'hold_released' AND id > ? GROUP BY 1",
           {marker})) {
    int64_t hold = std::stoll(r[0].value_or("0"));
    if (rows.count(hold) != 0) rows[hold] = std::stoll(*r[1]);
  }
  return rows;
}

std::string ReadRepoFile(const std::string& relative) {
  std::ifstream in(Stack().repo_root() + "/" + relative);
  BOOST_REQUIRE_MESSAGE(in.good(), "cannot read " << relative);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The lines of the cron.d file that run the job, active or commented out (the variants the file
// offers), without the leading "# "; `active` tells which were not commented.
struct CronLine {
  std::string text;
  bool active = false;
};

std::vector<CronLine> JobCronLines() {
  std::vector<CronLine> lines;
  std::istringstream in(ReadRepoFile("cron/flashsale.cron.d"));
  static const std::regex kSchedule(R"(^([0-9*@][^ ]*\s+){5}flashsale\s+\S)");
  for (std::string line; std::getline(in, line);) {
    bool active = line.rfind('#', 0) != 0;
    size_t start = line.find_first_not_of("# ");
    if (start == std::string::npos) continue;
    std::string text = line.substr(start);
    if (text.find("flashsale-release-expired") == std::string::npos) continue;
    if (!std::regex_search(text, kSchedule)) continue;
    lines.push_back({text, active});
  }
  return lines;
}

// The command part of a cron.d line (after the five schedule fields and the user), pointed at
// this checkout instead of the installed paths.
std::string LocalCronCommand(const std::string& line) {
  std::smatch m;
  static const std::regex kSchedule(R"(^(\S+\s+){6})");
  BOOST_REQUIRE(std::regex_search(line, m, kSchedule));
  std::string cmd = line.substr(m.length(0));
  for (auto [from, to] : {std::pair<std::string, std::string>{"/usr/local/share/flashsale",
                                                              Stack().repo_root()},
                          {"/etc/flashsale/flashsale.conf", "conf/flashsale.conf"}}) {
    for (size_t at; (at = cmd.find(from)) != std::string::npos;) cmd.replace(at, from.size(), to);
  }
  return cmd;
}

// Starts MariaDB again at scope exit, then the pool (with the suite's short hold ttl): its
// workers' connections died with the server, and a hold's first call on a dead connection
// answers 503 (outcome unknown), which later tests must not see.
class StartDbOnExit {
 public:
  ~StartDbOnExit() {
    try {
      Stack().StartDb();
      Stack().RestartPool({{"FLASHSALE_HOLD_TTL_SECONDS", std::to_string(kShortTtlSeconds)}});
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("could not restart MariaDB and the pool: " << e.what());
    }
  }
};

// A UDP socket on a free loopback port, standing in for a remote syslog server.
class UdpSink {
 public:
  UdpSink() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    BOOST_REQUIRE(fd_ >= 0);
    BOOST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    BOOST_REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~UdpSink() { ::close(fd_); }
  int port() const { return port_; }
  // Every datagram that arrives until none came for `quiet_ms`.
  std::vector<std::string> Drain(int quiet_ms) {
    std::vector<std::string> got;
    pollfd p{fd_, POLLIN, 0};
    while (::poll(&p, 1, quiet_ms) == 1) {
      char buf[8192];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.emplace_back(buf, static_cast<size_t>(n));
    }
    return got;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(expiry, *boost::unit_test::fixture<ShortHoldTtl>())

BOOST_AUTO_TEST_CASE(expired_units_return_without_the_job) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 5);
  int64_t marker = db.LastMetricsId();
  Held first = MustHoldUntil(api, product, 5);
  BOOST_TEST(MustGetProduct(api, product).available == 0);
  HttpResponse refused = api.PostHold(product, 1);
  BOOST_TEST(refused.status == 409, refused.Describe());

  // Not before its time: shortly before expires_at the units are still held.
  SleepUntilMillis(first.expires_ms - 600);
  if (NowMillis() < first.expires_ms - 200) {
    BOOST_TEST(MustGetProduct(api, product).available == 0, "units returned before expires_at");
    HttpResponse early = api.PostHold(product, 1);
    BOOST_TEST(early.status == 409, "a hold got units before expires_at: " << early.Describe());
  }

  SleepUntilMillis(first.expires_ms + 1000);
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 5);
  BOOST_TEST(v.available == 5, "units of an expired hold are not available 1 s after expires_at");
  HttpResponse hold = api.GetHold(first.id);
  BOOST_TEST(hold.status == 200, hold.Describe());
  BOOST_TEST(hold.json["status"].asString() == "expired", hold.Describe());
  HttpResponse order = api.PostOrder(first.id);
  BOOST_TEST(order.status == 409, order.Describe());
  BOOST_TEST(order.ErrorCode() == "hold_expired", order.Describe());

  // A new hold gets the units the expired one had.
  HttpResponse again = api.PostHold(product, 5);
  BOOST_TEST(again.status == 201, again.Describe());
  BOOST_TEST(MustGetProduct(api, product).available == 0);
  HttpResponse order_again = api.PostOrder(first.id);
  BOOST_TEST(order_again.ErrorCode() == "hold_expired", order_again.Describe());
  HttpResponse del = api.DeleteHold(first.id);
  BOOST_TEST(del.status == 200, del.Describe());
  BOOST_TEST(del.json["status"].asString() == "expired", del.Describe());
  BOOST_TEST(db.CountMetrics("holds_batch_released", marker) == 0, "the job ran during the test");
  BOOST_TEST(CountOrders(db, product) == 0);
  CheckInvariants(db, "expiry without the job");

  // Whoever released the expired hold (the new hold, the DELETE or the job) logged it once.
  CommandResult job = Stack().RunExpiryJob();
  BOOST_TEST(job.exit_code == 0, job.output);
  BOOST_TEST(CountMetricsFor(db, "hold_released", marker, "hold_id", first.id) == 1);
}

BOOST_AUTO_TEST_CASE(the_job_releases_and_logs) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  std::set<int64_t> holds;
  std::map<int64_t, int64_t> quantity;
  int64_t last_expiry = 0;
  for (int64_t q : {1, 2, 3}) {
    Held h = MustHoldUntil(api, product, q);
    holds.insert(h.id);
    quantity[h.id] = q;
    last_expiry = std::max(last_expiry, h.expires_ms);
  }
  SleepUntilMillis(last_expiry + 1000);
  // Nothing touched the product since: its expired holds are still counted in `reserved`, which
  // is what the job is for (otherwise this test would prove nothing).
  BOOST_TEST_REQUIRE(ReadDbProduct(db, product).reserved == 6,
                     "the expired holds were released before the job ran");

  int64_t other_product = MustCreateProduct(api, 10);
  Held alive = MustHoldUntil(api, other_product, 4);
  int64_t marker = db.LastMetricsId();
  CommandResult job = Stack().RunExpiryJob();
  bool alive_still_unexpired = NowMillis() < alive.expires_ms;
  BOOST_TEST(job.exit_code == 0, job.output);

  for (int64_t h : holds) {
    BOOST_TEST_CONTEXT("hold " << h) {
      BOOST_TEST(HoldStatus(db, h) == "expired");
      std::vector<SqlRow> rows = db.Query(
          "SELECT CAST(JSON_VALUE(payload, '$.product_id') AS SIGNED), "
          "CAST(JSON_VALUE(payload, '$.quantity') AS SIGNED), JSON_VALUE(payload, '$.reason') "
          "FROM metrics_logs WHERE type = 'hold_released' AND id > ? "
          "AND CAST(JSON_VALUE(payload, '$.hold_id') AS SIGNED) = ?",
          {marker, h});
      BOOST_TEST_REQUIRE(rows.size() == 1u);
      BOOST_TEST(rows[0][0].value_or("") == std::to_string(product));
      BOOST_TEST(rows[0][1].value_or("") == std::to_string(quantity[h]));
      BOOST_TEST(rows[0][2].value_or("") == "expired");
      HttpResponse got = api.GetHold(h);
      BOOST_TEST(got.json["status"].asString() == "expired", got.Describe());
      HttpResponse order = api.PostOrder(h);
      BOOST_TEST(order.status == 409, order.Describe());
      BOOST_TEST(order.ErrorCode() == "hold_expired", order.Describe());
      HttpResponse del = api.DeleteHold(h);
      BOOST_TEST(del.status == 200, del.Describe());
      BOOST_TEST(del.json["status"].asString() == "expired", del.Describe());
    }
  }
  // One holds_batch_released row per batch (a batch of 500 holds them all here), in the
  // batch's transaction: {"released": n, "batch": k, "run_id": "<16 hex>", "lock": "redis"}.
  BOOST_TEST(db.CountMetrics("holds_batch_released", marker) >= 1);
  BOOST_TEST(db.Int("SELECT COALESCE(SUM(CAST(JSON_VALUE(payload, '$.released') AS SIGNED)), 0) "
                    "FROM metrics_logs WHERE type = 'holds_batch_released' AND id > ?",
                    {marker}) == db.CountMetrics("hold_released", marker),
             "holds_batch_released does not count the holds the run released");
  for (const SqlRow& row : db.Query(
           "SELECT CAST(JSON_VALUE(payload, '$.batch') AS SIGNED), "
           "JSON_VALUE(payload, '$.run_id'), JSON_VALUE(payload, '$.lock') FROM metrics_logs "
           "WHERE type = 'holds_batch_released' AND id > ? ORDER BY id",
           {marker})) {
    BOOST_TEST(std::stoll(row[0].value_or("0")) >= 1);
    BOOST_TEST(row[1].value_or("").size() == 16u, "run_id " << row[1].value_or("NULL"));
    BOOST_TEST(row[2].value_or("") == "redis");
  }
  BOOST_TEST(db.Int("SELECT COUNT(DISTINCT JSON_VALUE(payload, '$.run_id')) FROM metrics_logs "
                    "WHERE type = 'holds_batch_released' AND id > ?",
                    {marker}) == 1,
             "the rows of one run do not share its run_id");
  BOOST_TEST(ReadDbProduct(db, product).reserved == 0);
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.stock == 10);
  BOOST_TEST(v.available == 10);
  if (alive_still_unexpired) {
    BOOST_TEST(HoldStatus(db, alive.id) == "active", "the job released a hold before its expiry");
  } else {
    BOOST_TEST_MESSAGE("the job took longer than the short ttl; not checking the live hold");
  }

  // The rows are in the API's log too.
  HttpResponse logs = api.GetLogs("type=hold_released&after_id=" + std::to_string(marker));
  BOOST_TEST_REQUIRE(logs.status == 200, logs.Describe());
  std::set<int64_t> logged;
  for (const Json::Value& row : logs.json["data"]) logged.insert(row["payload"]["hold_id"].asInt64());
  for (int64_t h : holds) BOOST_TEST(logged.count(h) == 1u, "hold " << h << " not in /api/logs");

  // A second run finds nothing left to do.
  int64_t marker2 = db.LastMetricsId();
  CommandResult second = Stack().RunExpiryJob();
  BOOST_TEST(second.exit_code == 0, second.output);
  for (const auto& [hold, rows] : ReleasedRows(db, marker2, holds)) {
    BOOST_TEST(rows == 0, "hold " << hold << " released again by a second run");
  }
  CheckInvariants(db, "expiry job");
}

BOOST_AUTO_TEST_CASE(two_jobs_at_once_never_release_a_hold_twice) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  const int kHolds = 60;
  int64_t product = MustCreateProduct(api, kHolds);
  std::vector<HttpResponse> answers =
      RunConcurrently(kHolds, [&](int) { return api.PostHold(product, 1); });
  std::set<int64_t> holds;
  int64_t last_expiry = 0;
  for (const HttpResponse& r : answers) {
    BOOST_TEST_REQUIRE(r.status == 201, r.Describe());
    holds.insert(r.json["hold_id"].asInt64());
    last_expiry = std::max(last_expiry, ParseRfc3339Millis(r.json["expires_at"].asString()).value_or(0));
  }
  SleepUntilMillis(last_expiry + 1000);
  int64_t marker = db.LastMetricsId();

  // Small batches make each run long enough for the two to overlap.
  EnvOverrides small_batches = {{"FLASHSALE_EXPIRY_BATCH_SIZE", "5"}};
  const std::vector<std::string> job = {"build/bin/flashsale-release-expired", "--config",
                                        "conf/flashsale.conf"};
  pid_t a = Stack().StartCommand(job, small_batches);
  pid_t b = Stack().StartCommand(job, small_batches);
  CommandResult ra = Stack().Wait(a);
  CommandResult rb = Stack().Wait(b);
  BOOST_TEST(ra.exit_code == 0, ra.output);
  BOOST_TEST(rb.exit_code == 0, rb.output);

  std::map<int64_t, int64_t> released = ReleasedRows(db, marker, holds);
  for (const auto& [hold, rows] : released) {
    BOOST_TEST(rows == 1, "hold " << hold << " has " << rows << " hold_released rows");
  }
  BOOST_TEST(CountHolds(db, product, "expired") == kHolds);
  BOOST_TEST(ReadDbProduct(db, product).reserved == 0);
  BOOST_TEST(db.Int("SELECT COALESCE(SUM(CAST(JSON_VALUE(payload, '$.released') AS SIGNED)), 0) "
                    "FROM metrics_logs WHERE type = 'holds_batch_released' AND id > ?",
                    {marker}) == db.CountMetrics("hold_released", marker));
  ProductView v = MustGetProduct(api, product);
  BOOST_TEST(v.available == kHolds);
  CheckInvariants(db, "two expiry jobs at once");
}

BOOST_AUTO_TEST_CASE(the_crontab_line_keeps_the_job_exit_status) {
  std::vector<CronLine> lines = JobCronLines();
  const CronLine* active = nullptr;
  for (const CronLine& line : lines) {
    BOOST_TEST_CONTEXT(line.text) {
      BOOST_TEST(line.text.find('|') == std::string::npos, "a pipe hides the job's exit status");
      BOOST_TEST(line.text.find("conf/log4cplus-cron.properties") != std::string::npos,
                 "the job does not log to syslog by itself");
    }
    if (line.active && active == nullptr) active = &line;
  }
  BOOST_REQUIRE_MESSAGE(active != nullptr, "no active crontab line runs the job");

  // Run the active line as cron's /bin/sh would, with this checkout's binaries first in PATH.
  Api api;
  DbProbe db(Stack().mysql_socket());
  std::string cmd = LocalCronCommand(active->text);
  EnvOverrides env = {{"PATH", Stack().repo_root() + "/build/bin:/usr/bin:/bin"}};
  int64_t product = MustCreateProduct(api, 5);
  Held h = MustHoldUntil(api, product, 5);
  SleepUntilMillis(h.expires_ms + 1000);
  CommandResult ok = Stack().Run({"/bin/sh", "-c", cmd}, env);
  BOOST_TEST(ok.exit_code == 0, cmd << "\n" << ok.output);
  BOOST_TEST(HoldStatus(db, h.id) == "expired");
  BOOST_TEST(ReadDbProduct(db, product).reserved == 0, "the crontab line released nothing");
  BOOST_TEST(ok.output.find("log4cplus:") == std::string::npos, ok.output);

  {
    StartDbOnExit start_db;
    Stack().StopDb();
    CommandResult failed = Stack().Run({"/bin/sh", "-c", cmd}, env);
    BOOST_TEST(failed.exit_code == 1, "MariaDB down, exit " << failed.exit_code << ": " << cmd
                                                             << "\n" << failed.output);
    BOOST_TEST(failed.output.find("log4cplus:") == std::string::npos, failed.output);
  }
  DbProbe fresh(Stack().mysql_socket());  // the first one's connection died with the server
  CheckInvariants(fresh, "the crontab line");
}

BOOST_AUTO_TEST_CASE(the_cron_log_config_sends_errors_to_syslog_at_err) {
  // The cron properties as they are, with their syslog appender pointed at a UDP sink (RFC 5424:
  // "<PRI>1 ..." with PRI = facility * 8 + severity) instead of the local /dev/log.
  std::string props = ReadRepoFile("conf/log4cplus-cron.properties");
  std::smatch m;
  BOOST_REQUIRE_MESSAGE(
      std::regex_search(props, m, std::regex(R"(log4cplus\.appender\.(\w+)\s*=\s*log4cplus::SysLogAppender)")),
      "conf/log4cplus-cron.properties has no SysLogAppender");
  UdpSink sink;
  std::string appender = "log4cplus.appender." + m[1].str();
  props += "\n" + appender + ".host=127.0.0.1\n" + appender + ".port=" +
           std::to_string(sink.port()) + "\n";
  std::string path = Stack().var_dir() + "/tmp/log4cplus-cron-udp.properties";
  std::ofstream(path) << props;

  CommandResult r;
  {
    StartDbOnExit start_db;
    Stack().StopDb();
    r = Stack().RunExpiryJob({{"FLASHSALE_LOG_CONFIG", path}});
  }
  BOOST_TEST(r.exit_code == 1, r.output);
  BOOST_TEST(r.output.find("log4cplus:") == std::string::npos, r.output);
  bool error_at_err = false;
  std::vector<std::string> got = sink.Drain(1000);
  for (const std::string& d : got) {
    BOOST_TEST_CONTEXT(d) {
      std::smatch pri;
      BOOST_TEST_REQUIRE(std::regex_search(d, pri, std::regex(R"(^<(\d+)>)")));
      int severity = std::stoi(pri[1].str()) % 8;
      BOOST_TEST(d.find("flashsale-release-expired") != std::string::npos, "no ident");
      if (d.find("ERROR") != std::string::npos) {
        BOOST_TEST(severity == 3, "an ERROR line at syslog severity " << severity);
        error_at_err = error_at_err || severity == 3;
      } else {
        BOOST_TEST(severity > 3, "a line below ERROR at syslog severity " << severity);
      }
    }
  }
  BOOST_TEST(error_at_err, "no ERROR line reached syslog; got " << got.size() << " datagrams");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
