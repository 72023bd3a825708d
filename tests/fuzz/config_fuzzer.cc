// Config parsing (app/util/config.h) against a reference reading of the format (conf/flashsale.conf,
// README "Configuration"): `key = value` lines, `#` starts a comment at the start of a line or
// after a blank outside quotes, blanks around key and value ignored, "double quotes" with \" and
// \\, 'single quotes' literal, nothing but a comment after a closing quote, a non-blank line
// without '=' or with an unknown key refuses the file, integers are decimal within each key's
// range, FLASHSALE_<KEY> in the environment (taken literally) wins over the file. Also: whatever
// was accepted writes back (quoted) to a file that reads the same, CRLF line ends read the same,
// and LoadConfig on a temporary file gives what ParseConfig gives, with the relative paths made
// absolute against the file's directory.
//
// Input: the file's text, optionally followed by a line "--- env ---" and NAME=value lines.
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/fuzz_check.h"
#include "util/config.h"

extern char** environ;

namespace {

using namespace flashsale;
using namespace flashsale::fuzz;
using util::Config;

struct Key {
  const char* name;
  int Config::*int_member;
  std::string Config::*string_member;
  int min, max;
};

// README "Configuration" and conf/flashsale.conf. A key added to the application and not here
// only weakens the comparison for inputs that use it (see kUnknownKey below): add it here too.
const std::vector<Key>& Keys() {
  static const std::vector<Key> keys = {
      {"http_port", &Config::http_port, nullptr, 1, 65535},
      {"var_dir", nullptr, &Config::var_dir, 0, 0},
      {"hold_ttl_seconds", &Config::hold_ttl_seconds, nullptr, 1, 86400},
      {"order_ttl_seconds", &Config::order_ttl_seconds, nullptr, 1, 30 * 86400},
      {"workers", &Config::workers, nullptr, 0, 256},
      {"webhook_secret", nullptr, &Config::webhook_secret, 0, 0},
      {"webhook_secret_previous", nullptr, &Config::webhook_secret_previous, 0, 0},
      {"webhook_tolerance_seconds", &Config::webhook_tolerance_seconds, nullptr, 1, 86400},
      {"admin_token", nullptr, &Config::admin_token, 0, 0},
      {"fcgi_listen", nullptr, &Config::fcgi_listen, 0, 0},
      {"fcgi_backlog", &Config::fcgi_backlog, nullptr, 1, 65535},
      {"admission_limit", &Config::admission_limit, nullptr, 1, 65535},
      {"rate_limit_per_second", &Config::rate_limit_per_second, nullptr, 0, 9999999},
      {"rate_limit_burst", &Config::rate_limit_burst, nullptr, 0, 9999999},
      {"listen_owner", nullptr, &Config::listen_owner, 0, 0},
      {"listen_group", nullptr, &Config::listen_group, 0, 0},
      {"pid_file", nullptr, &Config::pid_file, 0, 0},
      {"log_file", nullptr, &Config::log_file, 0, 0},
      {"pm_start_servers", &Config::pm_start_servers, nullptr, 0, 256},
      {"pm_min_spare_servers", &Config::pm_min_spare_servers, nullptr, 1, 256},
      {"pm_max_spare_servers", &Config::pm_max_spare_servers, nullptr, 1, 256},
      {"pm_process_idle_timeout", &Config::pm_process_idle_timeout, nullptr, 1, 86400},
      {"pm_max_requests", &Config::pm_max_requests, nullptr, 0, 100000000},
      {"request_terminate_timeout", &Config::request_terminate_timeout, nullptr, 0, 86400},
      {"request_slowlog_timeout", &Config::request_slowlog_timeout, nullptr, 0, 86400},
      {"fastcgi_read_timeout", &Config::fastcgi_read_timeout, nullptr, 1, 86400},
      {"db_lock_wait_timeout", &Config::db_lock_wait_timeout, nullptr, 1, 3600},
      {"db_socket", nullptr, &Config::db_socket, 0, 0},
      {"db_host", nullptr, &Config::db_host, 0, 0},
      {"db_port", &Config::db_port, nullptr, 1, 65535},
      {"db_name", nullptr, &Config::db_name, 0, 0},
      {"db_user", nullptr, &Config::db_user, 0, 0},
      {"db_password", nullptr, &Config::db_password, 0, 0},
      {"db_retry_attempts", &Config::db_retry_attempts, nullptr, 1, 20},
      {"db_nodes", nullptr, &Config::db_nodes, 0, 0},
      {"redis_socket", nullptr, &Config::redis_socket, 0, 0},
      {"redis_host", nullptr, &Config::redis_host, 0, 0},
      {"redis_port", &Config::redis_port, nullptr, 1, 65535},
      {"redis_timeout_ms", &Config::redis_timeout_ms, nullptr, 1, 60000},
      {"redis_sentinels", nullptr, &Config::redis_sentinels, 0, 0},
      {"redis_sentinel_master", nullptr, &Config::redis_sentinel_master, 0, 0},
      {"expiry_batch_size", &Config::expiry_batch_size, nullptr, 1, 100000},
      {"expiry_lock_ttl_seconds", &Config::expiry_lock_ttl_seconds, nullptr, 1, 86400},
      {"sql_dir", nullptr, &Config::sql_dir, 0, 0},
      {"log_config", nullptr, &Config::log_config, 0, 0},
  };
  return keys;
}

const Key* FindKey(const std::string& name) {
  for (const Key& k : Keys()) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

std::string RefTrim(const std::string& s) {
  size_t b = 0, e = s.size();
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (b < e && blank(s[b])) ++b;
  while (e > b && blank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::optional<int> RefInt(const std::string& s, int min, int max) {
  size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  long long v = 0;
  for (size_t k = i; k < s.size(); ++k) {
    if (s[k] < '0' || s[k] > '9') return std::nullopt;
    v = v * 10 + (s[k] - '0');
    if (v > 10000000000LL) return std::nullopt;  // far outside every range
  }
  if (i == 1) v = -v;
  if (v < min || v > max) return std::nullopt;
  return static_cast<int>(v);
}

enum class Verdict { kOk, kBad, kUnknownKey };

bool RefBlank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

// The value part of a line (already trimmed), or nullopt when the line must be refused.
std::optional<std::string> RefValue(const std::string& v) {
  if (!v.empty() && (v[0] == '"' || v[0] == '\'')) {
    std::string out;
    size_t i = 1;
    while (i < v.size() && v[i] != v[0]) {
      if (v[0] == '"' && v[i] == '\\' && i + 1 < v.size() && (v[i + 1] == '"' || v[i + 1] == '\\')) ++i;
      out += v[i++];
    }
    if (i >= v.size()) return std::nullopt;  // no closing quote
    size_t j = i + 1;
    while (j < v.size() && RefBlank(v[j])) ++j;
    if (j < v.size() && v[j] != '#') return std::nullopt;
    return out;
  }
  size_t cut = v.size();
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '#' && (i == 0 || RefBlank(v[i - 1]))) {
      cut = i;
      break;
    }
  }
  return RefTrim(v.substr(0, cut));
}

Verdict RefApply(Config& c, const std::string& key, const std::string& value) {
  const Key* k = FindKey(key);
  if (k == nullptr) return Verdict::kUnknownKey;
  if (k->int_member != nullptr) {
    std::optional<int> v = RefInt(value, k->min, k->max);
    if (!v) return Verdict::kBad;
    c.*(k->int_member) = *v;
  } else {
    c.*(k->string_member) = value;
  }
  return Verdict::kOk;
}

Verdict RefParse(const std::string& text, const std::map<std::string, std::string>& env,
                 Config& c) {
  std::vector<std::string> lines(1);
  for (char ch : text) {
    if (ch == '\n') {
      lines.emplace_back();
    } else {
      lines.back() += ch;
    }
  }
  for (std::string line : lines) {
    line = RefTrim(line);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) return Verdict::kBad;
    std::string key = RefTrim(line.substr(0, eq));
    if (key.empty()) return Verdict::kBad;
    std::optional<std::string> value = RefValue(RefTrim(line.substr(eq + 1)));
    if (!value) return Verdict::kBad;
    Verdict v = RefApply(c, key, *value);
    if (v != Verdict::kOk) return v;
  }
  for (const Key& k : Keys()) {
    std::string name = "FLASHSALE_";
    for (const char* p = k.name; *p; ++p) name += static_cast<char>(std::toupper(*p));
    auto it = env.find(name);
    if (it == env.end()) continue;
    Verdict v = RefApply(c, k.name, RefTrim(it->second));
    if (v != Verdict::kOk) return v;
  }
  return Verdict::kOk;
}

std::string Describe(const Config& c) {
  std::string out;
  for (const Key& k : Keys()) {
    out += std::string(k.name) + "=" +
           (k.int_member ? std::to_string(c.*(k.int_member)) : Printable(c.*(k.string_member))) +
           "\n";
  }
  return out;
}

// A file that sets every key to `c`'s value (strings double-quoted), or nullopt when some
// string cannot be written (a line break).
std::optional<std::string> Write(const Config& c) {
  std::string out;
  for (const Key& k : Keys()) {
    if (k.int_member) {
      out += std::string(k.name) + " = " + std::to_string(c.*(k.int_member)) + "\n";
      continue;
    }
    const std::string& value = c.*(k.string_member);
    if (value.find('\n') != std::string::npos) return std::nullopt;
    std::string quoted = "\"";
    for (char ch : value) {
      if (ch == '"' || ch == '\\') quoted += '\\';
      quoted += ch;
    }
    out += std::string(k.name) + " = " + quoted + "\"\n";
  }
  return out;
}

std::string g_temp_path;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // LoadConfig reads the process environment: none of the developer's FLASHSALE_* may leak in.
  std::vector<std::string> names;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "FLASHSALE_", 10) == 0) {
      names.emplace_back(*e, std::strcspn(*e, "="));
    }
  }
  for (const std::string& n : names) unsetenv(n.c_str());
  char path[] = "/tmp/flashsale-fuzz-config.XXXXXX";
  int fd = mkstemp(path);
  if (fd >= 0) close(fd);
  g_temp_path = path;
  std::atexit([] { unlink(g_temp_path.c_str()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::string text = input;
  std::map<std::string, std::string> env;
  size_t sep = input.find("--- env ---\n");
  if (sep != std::string::npos) {
    text = input.substr(0, sep);
    std::string rest = input.substr(sep + 12);
    size_t start = 0;
    while (start < rest.size()) {
      size_t end = rest.find('\n', start);
      std::string line = rest.substr(start, end == std::string::npos ? std::string::npos : end - start);
      size_t eq = line.find('=');
      if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }

  Result<Config> got = util::ParseConfig(text, env);
  Config want;
  Verdict verdict = RefParse(text, env, want);
  std::string what = Printable(input);
  if (verdict == Verdict::kUnknownKey) {
    // A key this harness does not know: the application must refuse it too, unless it was
    // added there (then only the checks below that do not need the reference apply).
    if (!got.ok()) return 0;
  } else {
    FUZZ_CHECK(got.ok() == (verdict == Verdict::kOk),
               (got.ok() ? "accepted" : "refused: " + got.status().message()) << ": " << what);
    if (!got.ok()) {
      FUZZ_CHECK(got.status().error() == "invalid_config", "error " << got.status().error());
      return 0;
    }
    FUZZ_CHECK(Describe(got.value()) == Describe(want),
               "read differently: " << what << "\napp:\n" << Describe(got.value()) << "ref:\n"
                                    << Describe(want));
  }

  const Config& c = got.value();
  for (const Key& k : Keys()) {
    if (k.int_member) {
      FUZZ_CHECK(c.*(k.int_member) >= k.min && c.*(k.int_member) <= k.max,
                 k.name << " = " << c.*(k.int_member) << " out of range: " << what);
    }
  }
  // Written back as a file, it reads the same; with CRLF line ends too.
  if (std::optional<std::string> file = Write(c)) {
    Result<Config> again = util::ParseConfig(*file, {});
    FUZZ_CHECK(again.ok() && Describe(again.value()) == Describe(c),
               "written back, reads differently: " << Printable(*file));
    std::string crlf;
    for (char ch : *file) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
    Result<Config> crlf_config = util::ParseConfig(crlf, {});
    FUZZ_CHECK(crlf_config.ok() && Describe(crlf_config.value()) == Describe(c),
               "CRLF file reads differently");
  }
  // From a real file, with an environment that has no FLASHSALE_* (see LLVMFuzzerInitialize).
  if (FILE* f = std::fopen(g_temp_path.c_str(), "wb")) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    Result<Config> loaded = util::LoadConfig(g_temp_path);
    Result<Config> parsed = util::ParseConfig(text, {});
    FUZZ_CHECK(loaded.ok() == parsed.ok(), "LoadConfig and ParseConfig disagree: " << what);
    if (loaded.ok()) {
      Config resolved = parsed.value();
      std::string dir = g_temp_path.substr(0, g_temp_path.rfind('/'));
      for (std::string Config::*path : {&Config::var_dir, &Config::sql_dir, &Config::log_config}) {
        resolved.*path = util::ResolveAgainst(dir, resolved.*path);
      }
      FUZZ_CHECK(Describe(loaded.value()) == Describe(resolved), "LoadConfig reads differently: " << what);
      FUZZ_CHECK(loaded->var_dir.empty() || loaded->var_dir[0] == '/', "relative var_dir: " << what);
    }
  }
  return 0;
}
