// Config parsing: one table maps each key to its field, so the file, the environment and the
// error messages can never disagree about which keys exist.
#include "util/config.h"

#include "util/config_line.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace flashsale::util {
namespace {

struct Field {
  const char* key;
  std::function<bool(Config&, const std::string&)> set;
};

bool SetInt(int& out, const std::string& v, int min, int max) {
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < min || n > max) return false;
  out = n;
  return true;
}

std::function<bool(Config&, const std::string&)> Int(int Config::*m, int min, int max) {
  return [m, min, max](Config& c, const std::string& v) { return SetInt(c.*m, v, min, max); };
}
// true / false (also yes / no, on / off, 1 / 0, as php-fpm and MariaDB accept).
std::function<bool(Config&, const std::string&)> Bool(bool Config::*m) {
  return [m](Config& c, const std::string& v) {
    if (v == "true" || v == "yes" || v == "on" || v == "1") {
      c.*m = true;
    } else if (v == "false" || v == "no" || v == "off" || v == "0") {
      c.*m = false;
    } else {
      return false;
    }
    return true;
  };
}
std::function<bool(Config&, const std::string&)> Str(std::string Config::*m) {
  return [m](Config& c, const std::string& v) {
    c.*m = v;
    return true;
  };
}

// A file mode written in octal (0660, 660), at most 0777.
bool SetMode(int& out, const std::string& v) {
  if (v.empty() || v.size() > 4) return false;
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '7') return false;
    n = n * 8 + (c - '0');
  }
  if (n > 0777) return false;
  out = n;
  return true;
}

// A comma-separated list of IPv4 addresses in dotted form (libfcgi compares them as such), or
// nothing. Blanks around the commas are allowed.
bool ValidClientList(const std::string& v) {
  if (v.empty()) return true;
  for (size_t start = 0;;) {
    size_t comma = v.find(',', start);
    std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t b = item.find_first_not_of(" \t");
    size_t e = item.find_last_not_of(" \t");
    if (b == std::string::npos) return false;  // an empty item: ",," or a trailing comma
    in_addr addr{};
    if (inet_pton(AF_INET, item.substr(b, e - b + 1).c_str(), &addr) != 1) return false;
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

const std::vector<Field>& Fields() {
  static const std::vector<Field> fields = {
      {"http_port", Int(&Config::http_port, 1, 65535)},
      {"var_dir", Str(&Config::var_dir)},
      {"hold_ttl_seconds", Int(&Config::hold_ttl_seconds, 1, 86400)},
      {"order_ttl_seconds", Int(&Config::order_ttl_seconds, 1, 30 * 86400)},
      {"workers", Int(&Config::workers, 0, 256)},
      {"webhook_secret", Str(&Config::webhook_secret)},
      {"webhook_secret_previous", Str(&Config::webhook_secret_previous)},
      {"webhook_tolerance_seconds", Int(&Config::webhook_tolerance_seconds, 1, 86400)},
      {"webhook_allow_unsigned", Bool(&Config::webhook_allow_unsigned)},
      {"allow_development_secrets", Bool(&Config::allow_development_secrets)},
      {"admin_token", Str(&Config::admin_token)},
      {"fcgi_listen", Str(&Config::fcgi_listen)},
      {"fcgi_backlog", Int(&Config::fcgi_backlog, 1, 65535)},
      {"admission_limit", Int(&Config::admission_limit, 1, 65535)},
      {"rate_limit_per_second", Int(&Config::rate_limit_per_second, 0, 9999999)},
      {"rate_limit_burst", Int(&Config::rate_limit_burst, 0, 9999999)},
      {"listen_owner", Str(&Config::listen_owner)},
      {"listen_group", Str(&Config::listen_group)},
      {"listen_mode", [](Config& c, const std::string& v) { return SetMode(c.listen_mode, v); }},
      {"listen_allowed_clients",
       [](Config& c, const std::string& v) {
         if (!ValidClientList(v)) return false;
         c.listen_allowed_clients = v;
         return true;
       }},
      {"pid_file", Str(&Config::pid_file)},
      {"log_file", Str(&Config::log_file)},
      {"pm",
       [](Config& c, const std::string& v) {
         if (v != "static" && v != "dynamic" && v != "ondemand") return false;
         c.pm = v;
         return true;
       }},
      {"pm_start_servers", Int(&Config::pm_start_servers, 0, 256)},
      {"pm_min_spare_servers", Int(&Config::pm_min_spare_servers, 1, 256)},
      {"pm_max_spare_servers", Int(&Config::pm_max_spare_servers, 1, 256)},
      {"pm_process_idle_timeout", Int(&Config::pm_process_idle_timeout, 1, 86400)},
      {"pm_max_requests", Int(&Config::pm_max_requests, 0, 100000000)},
      {"request_terminate_timeout", Int(&Config::request_terminate_timeout, 0, 86400)},
      {"request_slowlog_timeout", Int(&Config::request_slowlog_timeout, 0, 86400)},
      {"fastcgi_read_timeout", Int(&Config::fastcgi_read_timeout, 1, 86400)},
      {"db_socket", Str(&Config::db_socket)},
      {"db_host", Str(&Config::db_host)},
      {"db_port", Int(&Config::db_port, 1, 65535)},
      {"db_name", Str(&Config::db_name)},
      {"db_user", Str(&Config::db_user)},
      {"db_password", Str(&Config::db_password)},
      {"db_retry_attempts", Int(&Config::db_retry_attempts, 1, 20)},
      {"db_lock_wait_timeout", Int(&Config::db_lock_wait_timeout, 1, 3600)},
      {"db_nodes", Str(&Config::db_nodes)},
      {"redis_socket", Str(&Config::redis_socket)},
      {"redis_host", Str(&Config::redis_host)},
      {"redis_port", Int(&Config::redis_port, 1, 65535)},
      {"redis_timeout_ms", Int(&Config::redis_timeout_ms, 1, 60000)},
      {"redis_sentinels", Str(&Config::redis_sentinels)},
      {"redis_sentinel_master", Str(&Config::redis_sentinel_master)},
      {"expiry_batch_size", Int(&Config::expiry_batch_size, 1, 100000)},
      {"expiry_lock_ttl_seconds", Int(&Config::expiry_lock_ttl_seconds, 1, 86400)},
      {"sql_dir", Str(&Config::sql_dir)},
      {"log_config", Str(&Config::log_config)},
  };
  return fields;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string EnvName(const std::string& key) {
  std::string name = "FLASHSALE_";
  for (char c : key) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

Status Apply(Config& config, const std::string& key, const std::string& value,
             const std::string& where) {
  for (const Field& f : Fields()) {
    if (key == f.key) {
      if (!f.set(config, value)) {
        return Status::InvalidArgument("invalid_config", where + ": bad value for " + key);
      }
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("invalid_config", where + ": unknown key " + key);
}

}  // namespace

std::string Config::VarPath(const std::string& path) const {
  if (path.empty() || path[0] == '/' || path.find(':') != std::string::npos) return path;
  std::string base = var_dir.empty() ? "." : var_dir;
  if (base.back() != '/') base += '/';
  return base + path;
}

int Config::EffectiveWorkers() const {
  if (workers > 0) return workers;
  unsigned cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::max(1u, cores) * 2);
}

int Config::EffectiveStartServers() const {
  if (pm_start_servers > 0) return pm_start_servers;
  return pm_min_spare_servers + (pm_max_spare_servers - pm_min_spare_servers) / 2;
}

Result<Config> ParseConfig(const std::string& text,
                           const std::map<std::string, std::string>& env) {
  Config config;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = "line " + std::to_string(line_no);
    Result<std::optional<ConfigLine>> parsed = ParseConfigLine(line);
    if (!parsed.ok()) return Status::InvalidArgument("invalid_config", where + ": " + parsed.status().message());
    if (!parsed.value()) continue;
    Status s = Apply(config, parsed.value()->key, parsed.value()->value, where);
    if (!s.ok()) return s;
  }
  for (const Field& f : Fields()) {
    auto it = env.find(EnvName(f.key));
    if (it == env.end()) continue;
    Status s = Apply(config, f.key, Trim(it->second), it->first);
    if (!s.ok()) return s;
  }
  return config;
}

std::string ResolveAgainst(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return Status::InvalidArgument("invalid_config", "cannot read " + path + ": " + std::strerror(errno));
  }
  std::stringstream text;
  text << file.rdbuf();
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr && std::strncmp(*e, "FLASHSALE_", 10) == 0) {
      env.emplace(std::string(*e, static_cast<size_t>(eq - *e)), std::string(eq + 1));
    }
  }
  Result<Config> config = ParseConfig(text.str(), env);
  if (!config.ok()) return Status::InvalidArgument("invalid_config", path + ": " + config.status().message());
  // Relative paths, from the file or the environment, are relative to the file's directory:
  // the same file means the same paths whatever directory a binary is started from.
  std::error_code ec;
  std::string base = std::filesystem::absolute(path, ec).parent_path().string();
  for (std::string* p : {&config->var_dir, &config->sql_dir, &config->log_config}) {
    *p = ResolveAgainst(base, *p);
  }
  return config;
}

}  // namespace flashsale::util
