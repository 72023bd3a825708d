// `make install` and `make uninstall` (conf/install.sh) into a staging directory, the way a
// package build runs them: DESTDIR, another PREFIX, and the umask of a careful root (077).
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

namespace fs = std::filesystem;

unsigned Mode(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// Every path below `root`, relative to it.
std::set<std::string> Tree(const fs::path& root) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) out.insert(fs::relative(e.path(), root));
  return out;
}

CommandResult Make(const std::string& target, const std::string& stage, const std::string& extra = "") {
  return Stack().Run({"/bin/sh", "-c",
                      "umask 077 && make --no-print-directory " + target + " DESTDIR=" + stage +
                          " PREFIX=/usr " + extra});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(install)

BOOST_AUTO_TEST_CASE(install_honours_destdir_and_prefix_under_umask_077) {
  fs::path stage = Stack().var_dir() + "/stage";
  CommandResult r = Make("install", stage);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.output);

  // Binaries, stripped (no .symtab left for `file` to call "not stripped").
  for (const char* b : {"flashsale-fcgi", "flashsale-migrate", "flashsale-release-expired"}) {
    fs::path bin = stage / "usr/bin" / b;
    BOOST_TEST_CONTEXT(bin) {
      BOOST_TEST(Mode(bin) == 0755u);
      CommandResult f = Stack().Run({"/bin/sh", "-c", "readelf -S '" + bin.string() + "' | grep -c symtab || true"});
      BOOST_TEST(f.output.find('0') == 0, "symbols left in " << bin << ": " << f.output);
    }
  }
  // Everything readable by the service user despite the umask: files 0644, directories 0755,
  // except the configuration (secrets): 0640 in a 0750 directory.
  for (const std::string& rel : Tree(stage)) {
    fs::path p = stage / rel;
    BOOST_TEST_CONTEXT(rel) {
      if (rel.rfind("etc/flashsale", 0) == 0) {
        BOOST_TEST(Mode(p) == (fs::is_directory(p) ? 0750u : 0640u));
      } else if (fs::is_directory(p)) {
        BOOST_TEST(Mode(p) == 0755u);
      } else if (rel.rfind("usr/bin/", 0) != 0) {
        BOOST_TEST(Mode(p) == 0644u);
      }
      // No development-only file: the local stack, Docker, the installer itself, tests.
      for (const char* dev : {"local", "docker", "stack.sh", "deps.sh", "install.sh", "tests"}) {
        BOOST_TEST(rel.find(dev) == std::string::npos, rel << " is development-only");
      }
    }
  }
  BOOST_TEST(fs::exists(stage / "usr/share/flashsale/sql/migrations/001_domain.sql"));
  BOOST_TEST(fs::exists(stage / "usr/share/flashsale/conf/nginx/flashsale-api.conf"));
  BOOST_TEST(fs::exists(stage / "usr/share/flashsale/conf/mariadb/flashsale.cnf"));

  // Paths inside the files follow PREFIX: nothing points at /usr/local any more.
  std::string unit = ReadFile(stage / "usr/lib/systemd/system/flashsale-fcgi.service");
  std::string cron = ReadFile(stage / "etc/cron.d/flashsale");
  std::string conf = ReadFile(stage / "etc/flashsale/flashsale.conf");
  BOOST_TEST(unit.find("ExecStart=/usr/bin/flashsale-fcgi --config /etc/flashsale/flashsale.conf") !=
             std::string::npos, unit);
  BOOST_TEST(cron.find(" flashsale FLASHSALE_LOG_CONFIG=/usr/share/flashsale/conf/log4cplus-cron.properties "
                       "flashsale-release-expired --config /etc/flashsale/flashsale.conf") != std::string::npos, cron);
  for (const std::string* text : {&unit, &cron, &conf}) {
    BOOST_TEST(text->find("/usr/local") == std::string::npos, *text);
  }
  // The configuration: absolute paths, no development secret.
  BOOST_TEST(conf.find("\nsql_dir = /usr/share/flashsale/sql\n") != std::string::npos, conf);
  BOOST_TEST(conf.find("\nlog_config = /usr/share/flashsale/conf/log4cplus-syslog.properties\n") != std::string::npos, conf);
  BOOST_TEST(conf.find("local-dev") == std::string::npos, conf);
  BOOST_TEST(conf.find("\nwebhook_secret =\n") != std::string::npos, conf);
  BOOST_TEST(conf.find("\nadmin_token =\n") != std::string::npos, conf);

  // A second install keeps an edited configuration.
  { std::ofstream(stage / "etc/flashsale/flashsale.conf", std::ios::app) << "# edited\n"; }
  r = Make("install", stage);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  BOOST_TEST(ReadFile(stage / "etc/flashsale/flashsale.conf").find("# edited") != std::string::npos);

  // uninstall: every file gone but the configuration; PURGE=1 takes that too.
  r = Make("uninstall", stage);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  std::set<std::string> left;
  for (const std::string& rel : Tree(stage)) {
    if (!fs::is_directory(stage / rel)) left.insert(rel);
  }
  BOOST_TEST((left == std::set<std::string>{"etc/flashsale/flashsale.conf"}));
  r = Make("uninstall", stage, "PURGE=1");
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  BOOST_TEST(!fs::exists(stage / "etc/flashsale"));
  fs::remove_all(stage);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
