// GET /metrics as Prometheus reads it: `promtool check metrics` (format and Prometheus's naming
// lint) and a real Prometheus server scraping the stack for a few seconds, queried through its
// HTTP API. Both come with Debian's `prometheus` package, which conf/local/deps.sh installs; a
// test skips (with a message) only when the binary is missing. Also the listen queue reader on
// sockets the test makes itself.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>
#include <vector>

#include "../support/api.h"
#include "../support/metrics_text.h"
#include "../support/raw_http.h"
#include "../support/test_stack.h"
#include "metrics/listen_queue.h"

namespace flashsale::itest {
namespace {

// The absolute path of `tool` on PATH, or "" when it is not installed.
std::string Which(const std::string& tool) {
  CommandResult r = Stack().Run({"sh", "-c", "command -v " + tool});
  std::string path = r.output.substr(0, r.output.find('\n'));
  return r.exit_code == 0 && !path.empty() && path[0] == '/' ? path : "";
}

// A directory of the test's own under the stack's var dir (removed with it).
std::string ScratchDir(const std::string& name) {
  std::string dir = Stack().var_dir() + "/tmp/" + name;
  BOOST_REQUIRE(Stack().Run({"mkdir", "-p", dir}).exit_code == 0);
  return dir;
}

// One query to Prometheus's HTTP API (/api/v1/query): the result vector, or null. Raw HTTP, not
// HttpClient: its responses under /api are checked against our own API reference.
Json::Value Query(int port, const std::string& promql_encoded) {
  RawResponse r = RawRequest(port, RawRequestText("GET", "/api/v1/query?query=" + promql_encoded), 5000);
  if (r.status != 200 || !r.json_ok || r.json["status"].asString() != "success") return Json::Value();
  return r.json["data"]["result"];
}

// The first sample's value of a query result, or -1.
double FirstValue(const Json::Value& result) {
  if (!result.isArray() || result.empty()) return -1;
  return std::stod(result[0]["value"][1].asString());
}

// Stops the Prometheus server the test started, at scope exit.
struct StopOnExit {
  pid_t pid = 0;
  ~StopOnExit() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    CommandResult r = Stack().Wait(pid);
    BOOST_TEST_MESSAGE("prometheus exited with " << r.exit_code);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(metrics_pass_promtool) {
  std::string promtool = Which("promtool");
  if (promtool.empty()) {
    BOOST_TEST_MESSAGE("SKIPPED: promtool is not installed (Debian package prometheus; "
                       "conf/local/deps.sh installs it)");
    return;
  }
  Api api;
  int64_t product = MustCreateProduct(api, 1);
  MustHold(api, product, 1);
  BOOST_TEST_REQUIRE(api.PostHold(product, 1).status == 409);  // a refusal: more series
  HttpResponse r = api.http().Get("/metrics");
  BOOST_TEST_REQUIRE(r.status == 200, r.Describe());
  BOOST_TEST(r.Header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  std::string file = ScratchDir("promtool") + "/metrics.txt";
  std::ofstream(file) << r.body;
  CommandResult check = Stack().Run({"sh", "-c", "\"$0\" check metrics < \"$1\"", promtool, file});
  BOOST_TEST(check.exit_code == 0, check.output);
  BOOST_TEST(check.output.empty(), "promtool's findings:\n" << check.output);
  // promtool itself finds what it should: a lint finding and a broken line fail.
  std::ofstream(file) << "# TYPE bad counter\nbad 1\n";
  BOOST_TEST(Stack().Run({"sh", "-c", "\"$0\" check metrics < \"$1\"", promtool, file}).exit_code != 0);
}

BOOST_AUTO_TEST_CASE(prometheus_scrapes_the_pool) {
  std::string prometheus = Which("prometheus");
  if (prometheus.empty()) {
    BOOST_TEST_MESSAGE("SKIPPED: prometheus is not installed (Debian package prometheus; "
                       "conf/local/deps.sh installs it)");
    return;
  }
  std::string dir = ScratchDir("prometheus");
  std::ofstream(dir + "/prometheus.yml")
      << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
      << "scrape_configs:\n  - job_name: flashsale\n    static_configs:\n"
      << "      - targets: ['127.0.0.1:" << Stack().port() << "']\n";
  int port = FreeLoopbackPort();
  StopOnExit server;
  server.pid = Stack().StartCommand(
      {prometheus, "--config.file=" + dir + "/prometheus.yml", "--storage.tsdb.path=" + dir + "/data",
       "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"});

  // up{job="flashsale"} is 1 once a scrape succeeded (a failed one is 0).
  double up = -1;
  bool scraped = Eventually(60000, [&] {
    up = FirstValue(Query(port, "up%7Bjob%3D%22flashsale%22%7D"));
    return up == 1;
  });
  BOOST_TEST_REQUIRE(scraped, "up{job=\"flashsale\"} is " << up << " after 60 s");
  double accepted = FirstValue(Query(port, "flashsale_pool_accepted_requests_total"));
  BOOST_TEST(accepted > 0, "flashsale_pool_accepted_requests_total " << accepted);
  Json::Value scrapes =
      Query(port, "flashsale_http_requests_total%7Broute%3D%22%2Fmetrics%22%7D");
  BOOST_TEST(FirstValue(scrapes) >= 1, scrapes.toStyledString());
  // A histogram Prometheus can compute with.
  Json::Value quantile = Query(port,
      "histogram_quantile(0.5%2C%20flashsale_http_request_duration_seconds_bucket"
      "%7Broute%3D%22%2Fmetrics%22%7D)");
  BOOST_TEST(FirstValue(quantile) > 0, quantile.toStyledString());
}

BOOST_AUTO_TEST_CASE(listen_queue_is_read_from_the_kernel) {
  const int kBacklog = 16, kWaiting = 3;
  std::vector<int> fds;
  // A unix socket, as the local stack's pool listens on.
  int unix_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un ua{};
  ua.sun_family = AF_UNIX;
  std::string path = ScratchDir("listen-queue") + "/q.sock";
  ::unlink(path.c_str());
  std::snprintf(ua.sun_path, sizeof ua.sun_path, "%s", path.c_str());
  BOOST_TEST_REQUIRE(::bind(unix_fd, reinterpret_cast<sockaddr*>(&ua), sizeof ua) == 0);
  BOOST_TEST_REQUIRE(::listen(unix_fd, kBacklog) == 0);
  flashsale::metrics::ListenQueue empty = flashsale::metrics::ReadListenQueue(unix_fd);
  BOOST_TEST_REQUIRE(empty.length.has_value(), "sock_diag gave no queue length for a unix socket");
  BOOST_TEST(*empty.length == 0u);
  BOOST_TEST(empty.limit.value_or(0) == static_cast<uint64_t>(kBacklog));
  for (int i = 0; i < kWaiting; ++i) {
    int c = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    BOOST_TEST_REQUIRE(::connect(c, reinterpret_cast<sockaddr*>(&ua), sizeof ua) == 0);
    fds.push_back(c);
  }
  BOOST_TEST(flashsale::metrics::ReadListenQueue(unix_fd).length.value_or(999) == static_cast<uint64_t>(kWaiting));

  // TCP, as a pool listening on host:port does.
  int tcp_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in ta{};
  ta.sin_family = AF_INET;
  ta.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof ta;
  BOOST_TEST_REQUIRE(::bind(tcp_fd, reinterpret_cast<sockaddr*>(&ta), sizeof ta) == 0);
  BOOST_TEST_REQUIRE(::getsockname(tcp_fd, reinterpret_cast<sockaddr*>(&ta), &len) == 0);
  BOOST_TEST_REQUIRE(::listen(tcp_fd, kBacklog) == 0);
  for (int i = 0; i < kWaiting; ++i) {
    int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    BOOST_TEST_REQUIRE(::connect(c, reinterpret_cast<sockaddr*>(&ta), sizeof ta) == 0);
    fds.push_back(c);
  }
  flashsale::metrics::ListenQueue tcp = flashsale::metrics::ReadListenQueue(tcp_fd);
  BOOST_TEST(tcp.length.value_or(999) == static_cast<uint64_t>(kWaiting));
  BOOST_TEST(tcp.limit.value_or(0) == static_cast<uint64_t>(kBacklog));
  // Not a listening socket: nothing is made up.
  BOOST_TEST(!flashsale::metrics::ReadListenQueue(fds[0]).length.has_value());
  BOOST_TEST(!flashsale::metrics::ReadListenQueue(-1).length.has_value());
  for (int fd : fds) ::close(fd);
  ::close(unix_fd);
  ::close(tcp_fd);
  ::unlink(path.c_str());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
