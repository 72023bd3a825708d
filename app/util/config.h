// Config: conf/flashsale.conf plus environment overrides.
//
// The file holds `key = value` lines; FLASHSALE_<KEY> in the environment wins over the file, so
// one file serves the local stack, the tests (which change a few keys per stack) and production.
// Unknown keys are rejected: a typo in a payment-grade setting must not be silently ignored.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "util/status.h"

namespace flashsale::util {

struct Config {
  int http_port = 8080;
  std::string var_dir = "./var";
  int hold_ttl_seconds = 120;
  int order_ttl_seconds = 900;  // payment window of a pending order
  int workers = 0;  // 0 = 2 x cores
  std::string webhook_secret;
  std::string webhook_secret_previous;
  int webhook_tolerance_seconds = 300;
  bool webhook_allow_unsigned = false;  // only with no webhook_secret (util/config_check.h)
  bool allow_development_secrets = false;  // set by the local stack only
  std::string admin_token;

  std::string fcgi_listen = "run/fcgi.sock";
  int fcgi_backlog = 1024;

  std::string db_socket = "run/mysqld.sock";
  std::string db_host = "127.0.0.1";
  int db_port = 3306;
  std::string db_name = "flashsale";
  std::string db_user = "flashsale";
  std::string db_password;
  int db_retry_attempts = 4;

  std::string redis_socket = "run/redis.sock";
  std::string redis_host = "127.0.0.1";
  int redis_port = 6379;
  int redis_timeout_ms = 200;

  int expiry_batch_size = 500;
  int expiry_lock_ttl_seconds = 60;

  std::string sql_dir = "sql";
  std::string log_config = "conf/log4cplus.properties";

  // Resolves a path from the file against var_dir (absolute paths and host:port stay as they are).
  std::string VarPath(const std::string& path) const;
  int EffectiveWorkers() const;
};

// Parses `text` (the file's contents) and then applies overrides from `env` (name -> value, only
// FLASHSALE_* names matter). Pure: tests pass both in.
Result<Config> ParseConfig(const std::string& text, const std::map<std::string, std::string>& env);

// Reads the file at `path` and the process environment. Relative var_dir, sql_dir and
// log_config (from either) are made absolute against the file's directory.
Result<Config> LoadConfig(const std::string& path);

// `path` made absolute against `base_dir` (absolute paths and "" stay as they are).
std::string ResolveAgainst(const std::string& base_dir, const std::string& path);

}  // namespace flashsale::util
