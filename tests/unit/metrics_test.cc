#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "http/router.h"
#include "metrics/exposition.h"
#include "metrics/prometheus.h"
#include "metrics/registry.h"
#include "metrics/status.h"
#include "process/scoreboard.h"
#include "util/json_reader.h"

using namespace flashsale::metrics;
using flashsale::process::Scoreboard;

namespace {

// Memory shared with forked children, like the pool's.
struct SharedArea {
  explicit SharedArea(size_t n) : bytes(n) {
    base = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    BOOST_REQUIRE(base != MAP_FAILED);
  }
  ~SharedArea() { munmap(base, bytes); }
  void* base;
  size_t bytes;
};

const SeriesValue* FindSeries(const std::vector<SeriesValue>& all, const std::string& family,
                              const LabelPairs& labels) {
  for (const SeriesValue& s : all) {
    if (s.family == family && s.labels == labels) return &s;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(prometheus_text)

BOOST_AUTO_TEST_CASE(label_values_and_help_are_escaped) {
  BOOST_TEST(EscapeLabelValue("plain /api/holds/{id}") == "plain /api/holds/{id}");
  BOOST_TEST(EscapeLabelValue("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  BOOST_TEST(EscapeHelp("x\\y\nz \"q\"") == "x\\\\y\\nz \"q\"");  // quotes stay in HELP

  Family f{"t_total", "help with \\ and\nnewline", Type::kCounter,
           {{{{"route", "say \"hi\"\n"}, {"b", "\\"}}, 3}}, {}};
  BOOST_TEST(WriteText({f}) ==
             "# HELP t_total help with \\\\ and\\nnewline\n"
             "# TYPE t_total counter\n"
             "t_total{route=\"say \\\"hi\\\"\\n\",b=\"\\\\\"} 3\n");
}

BOOST_AUTO_TEST_CASE(values_are_written_exactly) {
  BOOST_TEST(FormatValue(0) == "0");
  BOOST_TEST(FormatValue(42) == "42");
  BOOST_TEST(FormatValue(-7) == "-7");
  BOOST_TEST(FormatValue(1e15) == "1000000000000000");
  BOOST_TEST(FormatValue(0.001) == "0.001");
  BOOST_TEST(FormatValue(2.5) == "2.5");
  BOOST_TEST(FormatValue(1.5e-06) == "1.5e-06");
  BOOST_TEST(FormatValue(std::numeric_limits<double>::infinity()) == "+Inf");
  BOOST_TEST(FormatValue(-std::numeric_limits<double>::infinity()) == "-Inf");
  BOOST_TEST(FormatValue(std::nan("")) == "NaN");
  BOOST_TEST(std::stod(FormatValue(0.1 + 0.2)) == 0.1 + 0.2);  // round trip
}

BOOST_AUTO_TEST_CASE(histograms_are_cumulative_and_end_with_inf) {
  HistogramSample h{{{"route", "/r"}}, {0.1, 1}, {2, 0, 3}, 4.25};
  Family f{"lat_seconds", "Latency.", Type::kHistogram, {}, {h}};
  BOOST_TEST(WriteText({f}) ==
             "# HELP lat_seconds Latency.\n"
             "# TYPE lat_seconds histogram\n"
             "lat_seconds_bucket{route=\"/r\",le=\"0.1\"} 2\n"
             "lat_seconds_bucket{route=\"/r\",le=\"1\"} 2\n"
             "lat_seconds_bucket{route=\"/r\",le=\"+Inf\"} 5\n"
             "lat_seconds_sum{route=\"/r\"} 4.25\n"
             "lat_seconds_count{route=\"/r\"} 5\n");
  HistogramSample bare{{}, {0.5}, {1, 1}, 0.75};
  Family g{"x_seconds", "X.", Type::kHistogram, {}, {bare}};
  std::string text = WriteText({g});
  BOOST_TEST(text.find("x_seconds_bucket{le=\"0.5\"} 1\n") != std::string::npos, text);
  BOOST_TEST(text.find("x_seconds_bucket{le=\"+Inf\"} 2\n") != std::string::npos, text);
  BOOST_TEST(text.find("x_seconds_count 2\n") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(a_family_without_samples_keeps_help_and_type) {
  Family f{"g", "A gauge.", Type::kGauge, {}, {}};
  BOOST_TEST(WriteText({f}) == "# HELP g A gauge.\n# TYPE g gauge\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(metrics_registry)

BOOST_AUTO_TEST_CASE(counts_and_observes_per_key) {
  SharedArea area(64 * 1024);
  Registry r(area.base, area.bytes, true);
  r.Add("c_total", {{"a", "1"}});
  r.Add("c_total", {{"a", "1"}}, 4);
  r.Add("c_total", {{"a", "2"}});
  r.Observe("h_seconds", {{"route", "/x"}}, 1000);      // 0.001 s: the first bucket (le is <=)
  r.Observe("h_seconds", {{"route", "/x"}}, 1001);      // just over: the second
  r.Observe("h_seconds", {{"route", "/x"}}, 60000000);  // 60 s: +Inf
  std::vector<SeriesValue> all = r.Snapshot();
  BOOST_TEST(all.size() == 3u);
  BOOST_TEST(FindSeries(all, "c_total", {{"a", "1"}})->value == 5u);
  BOOST_TEST(FindSeries(all, "c_total", {{"a", "2"}})->value == 1u);
  const SeriesValue* h = FindSeries(all, "h_seconds", {{"route", "/x"}});
  BOOST_REQUIRE(h != nullptr);
  BOOST_TEST(h->value == 3u);
  BOOST_TEST(h->sum_micros == 60002001u);
  BOOST_TEST(h->buckets[0] == 1u);
  BOOST_TEST(h->buckets[1] == 1u);
  BOOST_TEST(h->buckets[kBounds] == 1u);
  BOOST_TEST(r.dropped() == 0u);
}

BOOST_AUTO_TEST_CASE(processes_add_to_the_same_series) {
  SharedArea area(64 * 1024);
  Registry r(area.base, area.bytes, true);
  const int kChildren = 4, kEach = 20000;
  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    pid_t pid = fork();
    if (pid == 0) {
      // Every child creates the keys itself, racing the others for the same entries.
      for (int i = 0; i < kEach; ++i) {
        r.Add("shared_total", {{"k", "same"}});
        r.Add("shared_total", {{"k", std::to_string(i % 7)}});
      }
      _exit(0);
    }
    BOOST_REQUIRE(pid > 0);
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  std::vector<SeriesValue> all = r.Snapshot();
  BOOST_TEST(FindSeries(all, "shared_total", {{"k", "same"}})->value ==
             static_cast<uint64_t>(kChildren * kEach));
  uint64_t spread = 0;
  for (int k = 0; k < 7; ++k) spread += FindSeries(all, "shared_total", {{"k", std::to_string(k)}})->value;
  BOOST_TEST(spread == static_cast<uint64_t>(kChildren * kEach));
  BOOST_TEST(all.size() == 8u);  // duplicates, if a race made any, are summed under one key
}

BOOST_AUTO_TEST_CASE(a_full_table_drops_and_says_so) {
  SharedArea area(4096);
  Registry r(area.base, area.bytes, true);
  BOOST_REQUIRE(r.capacity() > 0u);
  for (size_t i = 0; i < r.capacity() + 3; ++i) r.Add("many_total", {{"i", std::to_string(i)}});
  BOOST_TEST(r.Snapshot().size() == r.capacity());
  BOOST_TEST(r.dropped() == 3u);
  r.Add("x_total", {{"long", std::string(Registry::kKeyBytes, 'v')}});
  BOOST_TEST(r.dropped() == 4u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(metrics_pages)

BOOST_AUTO_TEST_CASE(the_router_names_the_template_it_matched) {
  flashsale::http::Router<int> router;
  router.Add("GET", "/api/holds/{id}", 1);
  auto m = router.Resolve("GET", "/api/holds/12");
  BOOST_REQUIRE(m.pattern != nullptr);
  BOOST_TEST(*m.pattern == "/api/holds/{id}");
  BOOST_TEST(router.Resolve("POST", "/api/holds/12").pattern == nullptr);  // 405
  BOOST_TEST(router.Resolve("GET", "/api/holds/x").pattern == nullptr);    // 404
}

BOOST_AUTO_TEST_CASE(status_and_metrics_read_the_board) {
  auto board = Scoreboard::Create(3);
  BOOST_REQUIRE(board);
  Registry registry(board->metrics_area(), Scoreboard::kMetricsAreaBytes, true);
  for (size_t i = 0; i < 2; ++i) {
    board->Spawning(i);
    board->Spawned(i, 100 + static_cast<pid_t>(i));
    board->WorkerIdle(i);
  }
  board->RequestStarted(1);
  board->RequestRouted(1, "GET", "/api/products/{id}");
  registry.Add("flashsale_holds_total", {{"outcome", "granted"}, {"answered_by", "database"}}, 2);
  registry.Observe("flashsale_http_request_duration_seconds", {{"method", "GET"}, {"route", "/x"}}, 3000);

  PoolState state = ReadPoolState(*board, -1);
  auto doc = flashsale::util::ReadJson(StatusJson(state, false));
  BOOST_REQUIRE(doc.has_value());
  BOOST_TEST(doc->value["total_workers"].asInt() == 2);
  BOOST_TEST(doc->value["active_workers"].asInt() == 1);
  BOOST_TEST(doc->value["idle_workers"].asInt() == 1);
  BOOST_TEST(doc->value["max_workers"].asInt() == 3);
  BOOST_TEST(doc->value["accepted_requests"].asInt() == 1);
  BOOST_TEST(doc->value["listen_queue"].isNull());  // no socket: unknown, not 0
  BOOST_TEST(!doc->value.isMember("workers"));

  auto full = flashsale::util::ReadJson(StatusJson(state, true));
  BOOST_REQUIRE(full.has_value());
  const Json::Value& workers = full->value["workers"];
  BOOST_REQUIRE(workers.size() == 3u);
  BOOST_TEST(workers[1]["pid"].asInt() == 101);
  BOOST_TEST(workers[1]["state"].asString() == "busy");
  BOOST_TEST(workers[1]["request_method"].asString() == "GET");
  BOOST_TEST(workers[1]["request_route"].asString() == "/api/products/{id}");
  BOOST_TEST(workers[1]["request_duration_us"].isUInt64());
  BOOST_TEST(workers[0]["request_route"].isNull());  // no request yet
  BOOST_TEST(workers[2]["state"].asString() == "empty");
  BOOST_TEST(workers[2]["pid"].isNull());

  ScrapeInputs in;
  in.pool = state;
  in.series = registry.Snapshot();
  in.mariadb_up = true;
  std::string text = MetricsText(in);
  for (const char* line :
       {"flashsale_holds_total{outcome=\"granted\",answered_by=\"database\"} 2\n",
        "flashsale_workers{state=\"busy\"} 1\n", "flashsale_workers{state=\"idle\"} 1\n",
        "flashsale_workers_max 3\n", "flashsale_pool_accepted_requests_total 1\n",
        "flashsale_mariadb_up 1\n", "flashsale_redis_up 0\n",
        "flashsale_http_request_duration_seconds_bucket{method=\"GET\",route=\"/x\",le=\"0.005\"} 1\n",
        "# TYPE flashsale_orders_total counter\n"}) {
    BOOST_TEST(text.find(line) != std::string::npos, "missing: " << line << text);
  }
  // Unknown figures are absent, not zero.
  BOOST_TEST(text.find("\nflashsale_listen_queue ") == std::string::npos);
  BOOST_TEST(text.find("\nflashsale_expiry_runs_total ") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
