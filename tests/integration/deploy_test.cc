// The README's "Deploying the classic way", followed as far as a test can without systemd, cron
// and root: `make install` into a throwaway root (PREFIX and SYSCONFDIR under it, so the paths
// written inside the files are real), the installed configuration edited as the README says,
// `flashsale-fcgi -t`, the installed flashsale-migrate, the installed pool started the way the
// unit starts it (from `/`, --config only), and nginx running the installed site file with the
// installed snippets, all against the test stack's MariaDB and Redis. Then the README's first
// requests: health, a product created through the operator API, read back.
//
// What differs from a host, and why: the site listens on a free loopback port instead of 80 and
// the pool's socket is in the throwaway root instead of /run/flashsale (no root needed); the
// database account is the stack's (its password is the local stack's development value, which
// the test environment allows: the refusal itself is tested in binaries_test.cc).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "../support/http_client.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

namespace fs = std::filesystem;

// Stops a background process at scope exit (SIGTERM, then SIGKILL after 10 s).
class Background {
 public:
  explicit Background(pid_t pid) : pid_(pid) {}
  ~Background() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    Stack().Wait(pid_);
  }

 private:
  pid_t pid_;
};

bool WaitFor(const std::function<bool()>& ready) {
  for (int i = 0; i < 200; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(deploy)

BOOST_AUTO_TEST_CASE(the_readme_deployment_on_a_throwaway_root) {
  const fs::path root = Stack().var_dir() + "/deploy";
  const std::string prefix = (root / "usr").string();
  const std::string etc = (root / "etc").string();
  fs::create_directories(root / "run");
  fs::create_directories(root / "log");

  // make install
  CommandResult r = Stack().Run({"/bin/sh", "-c", "umask 077 && make --no-print-directory install PREFIX=" +
                                                      prefix + " SYSCONFDIR=" + etc});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const fs::path conf = root / "etc/flashsale/flashsale.conf";
  BOOST_REQUIRE(fs::exists(conf));

  // As installed, the pool refuses to start: no secrets yet.
  const std::string fcgi = prefix + "/bin/flashsale-fcgi";
  r = Stack().Run({"/bin/sh", "-c", "cd / && " + fcgi + " -t -c " + conf.string()},
                  {{"FLASHSALE_WEBHOOK_SECRET", kUnset}, {"FLASHSALE_ADMIN_TOKEN", kUnset},
                   {"FLASHSALE_VAR_DIR", kUnset}});
  BOOST_TEST(r.exit_code == 2, r.output);
  BOOST_TEST(r.output.find("webhook_secret is empty") != std::string::npos, r.output);

  // "Edit /etc/flashsale/flashsale.conf": the secrets, and (test only) where things are.
  {
    std::ofstream edit(conf, std::ios::app);
    edit << "\n# deploy test\nwebhook_secret = \"deploy secret #1\"\nadmin_token = deploy-admin-token\n"
         << "db_password = flashsale\n"
         << "db_socket = " << Stack().mysql_socket() << "\nredis_socket = " << Stack().redis_socket() << "\n"
         << "var_dir = " << (root / "run").string() << "\nfcgi_listen = fcgi.sock\n";
  }
  // Nothing of the test stack's environment may stand in for the file.
  const EnvOverrides host_env = {{"FLASHSALE_WEBHOOK_SECRET", kUnset}, {"FLASHSALE_WEBHOOK_SECRET_PREVIOUS", kUnset},
                                 {"FLASHSALE_ADMIN_TOKEN", kUnset}, {"FLASHSALE_VAR_DIR", kUnset},
                                 {"FLASHSALE_HOLD_TTL_SECONDS", kUnset}, {"FLASHSALE_WORKERS", "2"}};
  r = Stack().Run({"/bin/sh", "-c", "cd / && " + fcgi + " -t -c " + conf.string()}, host_env);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  r = Stack().Run({"/bin/sh", "-c", "cd / && " + prefix + "/bin/flashsale-migrate --config " + conf.string()},
                  host_env);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  BOOST_TEST(r.output.find("migration(s) applied") != std::string::npos, r.output);

  // The pool, as the unit starts it (ExecStart with --config only; the unit's working directory
  // is irrelevant now: the test starts it from the repository).
  Background pool(Stack().StartCommand({fcgi, "--config", conf.string()}, host_env));
  const fs::path socket = root / "run/fcgi.sock";
  BOOST_REQUIRE_MESSAGE(WaitFor([&] { return fs::exists(socket); }), "the installed pool did not listen");

  // nginx: the installed snippets in <conf dir>/flashsale/, the installed site, adapted only in
  // its port, the socket's path and the log files.
  const fs::path nginx_dir = root / "nginx";
  fs::create_directories(nginx_dir / "flashsale");
  for (const char* f : {"flashsale-api.conf", "flashsale-limits.conf", "flashsale-trusted.conf", "fastcgi_params"}) {
    fs::copy_file(prefix + "/share/flashsale/conf/nginx/" + f, nginx_dir / "flashsale" / f);
  }
  const int port = FreeLoopbackPort();
  std::string site = ReadFile(prefix + "/share/flashsale/conf/nginx/flashsale-site.conf");
  site = std::regex_replace(site, std::regex(R"(listen 80 default_server;)"),
                            "listen 127.0.0.1:" + std::to_string(port) + " default_server;");
  site = std::regex_replace(site, std::regex(R"(listen \[::\]:80 default_server;)"), "");
  site = std::regex_replace(site, std::regex("/run/flashsale/fcgi.sock"), socket.string());
  site = std::regex_replace(site, std::regex("/var/log/nginx/"), (root / "log").string() + "/");
  std::ofstream(nginx_dir / "flashsale-site.conf") << site;
  std::ofstream(nginx_dir / "nginx.conf")
      << (::geteuid() == 0 ? "user root root;\n" : "") << "daemon off;\npid " << (root / "run/nginx.pid").string()
      << ";\nerror_log " << (root / "log/error.log").string() << ";\nevents {}\nhttp {\n"
      << "  client_body_temp_path " << (root / "run").string() << ";\n"
      << "  fastcgi_temp_path " << (root / "run").string() << ";\n"
      << "  include flashsale-site.conf;\n}\n";
  r = Stack().Run({"nginx", "-t", "-p", nginx_dir.string(), "-c", (nginx_dir / "nginx.conf").string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  Background nginx(Stack().StartCommand({"nginx", "-p", nginx_dir.string(), "-c", (nginx_dir / "nginx.conf").string()}));

  HttpClient http("http://127.0.0.1:" + std::to_string(port));
  BOOST_REQUIRE_MESSAGE(WaitFor([&] { return http.Get("/api/health").status == 200; }),
                        "no /api/health through the installed site:\n" << ReadFile(root / "log/error.log"));
  // The README's first product, through the operator API with the configured token.
  HttpResponse created = http.Post("/api/admin/products", R"({"name":"first","price":19.99,"stock":5})",
                                   {{"Authorization", "Bearer deploy-admin-token"}});
  BOOST_TEST(created.status == 201, created.Describe());
  HttpResponse refused = http.Post("/api/admin/products", R"({"name":"x","price":1.00,"stock":1})",
                                   {{"Authorization", "Bearer " + std::string(kAdminToken)}});
  BOOST_TEST(refused.status == 401, refused.Describe());
  if (created.status == 201) {
    HttpResponse got = http.Get("/api/products/" + std::to_string(created.json["id"].asInt64()));
    BOOST_TEST(got.status == 200, got.Describe());
    BOOST_TEST(got.json["available"].asInt() == 5, got.Describe());
  }
  // The README's restriction of the operator endpoints and the metrics log to trusted addresses:
  // this client (127.0.0.1) is not among them once flashsale-trusted.conf says so.
  std::ofstream(nginx_dir / "flashsale/flashsale-trusted.conf") << "allow 192.0.2.1;\ndeny all;\n";
  r = Stack().Run({"nginx", "-s", "reload", "-p", nginx_dir.string(), "-c", (nginx_dir / "nginx.conf").string()});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const Headers admin = {{"Authorization", "Bearer deploy-admin-token"}};
  BOOST_TEST(WaitFor([&] { return http.Post("/api/admin/products", "{}", admin).status == 403; }));
  HttpResponse forbidden = http.Post("/api/admin/products", R"({"name":"y","price":1.00,"stock":1})", admin);
  BOOST_TEST(forbidden.status == 403, forbidden.Describe());
  BOOST_TEST(forbidden.ErrorCode() == "forbidden", forbidden.Describe());
  BOOST_TEST(http.Get("/api/logs").status == 403);
  BOOST_TEST(http.Get("/api/health").status == 200);  // the public API is not restricted

  // nginx's own errors are JSON there too.
  HttpResponse missing = http.Get("/nothing-here");
  BOOST_TEST(missing.status == 404);
  BOOST_TEST(missing.ErrorCode() == "not_found", missing.Describe());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
