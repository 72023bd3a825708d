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
  int workers = 0;  // 0 = 2 x cores; php-fpm's pm.max_children
  std::string webhook_secret;
  std::string webhook_secret_previous;
  int webhook_tolerance_seconds = 300;
  bool webhook_allow_unsigned = false;  // only with no webhook_secret (util/config_check.h)
  bool allow_development_secrets = false;  // set by the local stack only
  std::string admin_token;

  std::string fcgi_listen = "run/fcgi.sock";
  int fcgi_backlog = 4096;
  // nginx's (the local stack renders them into its config); the pool checks its backlog
  // against admission_limit.
  int admission_limit = 1024;
  int rate_limit_per_second = 0;
  int rate_limit_burst = 20;
  // The socket's owner, group (names or numbers; empty = the pool's own) and mode (a unix
  // socket), and the addresses allowed to connect (TCP; IPv4, comma-separated; empty = any).
  std::string listen_owner;
  std::string listen_group;
  int listen_mode = 0660;
  std::string listen_allowed_clients;
  std::string pid_file;  // written by the master; empty = none
  std::string log_file;  // stderr is reopened onto it at start and on SIGUSR1; empty = keep stderr

  // Pool management, after php-fpm's pm.* settings (README "The pool's processes").
  std::string pm = "static";  // static | dynamic | ondemand
  int pm_start_servers = 0;   // dynamic; 0 = min_spare + (max_spare - min_spare) / 2
  int pm_min_spare_servers = 1;
  int pm_max_spare_servers = 3;
  int pm_process_idle_timeout = 10;  // ondemand: seconds an idle worker lives
  int pm_max_requests = 0;           // a worker exits after this many requests; 0 = never
  int request_terminate_timeout = 25;  // seconds; a worker busy longer is killed; 0 = never
  int request_slowlog_timeout = 5;     // seconds; a request running longer is logged; 0 = never
  int fastcgi_read_timeout = 30;       // nginx's fastcgi_read_timeout for the pool (seconds)

  std::string db_socket = "run/mysqld.sock";
  std::string db_host = "127.0.0.1";
  int db_port = 3306;
  std::string db_name = "flashsale";
  std::string db_user = "flashsale";
  std::string db_password;
  int db_retry_attempts = 4;
  int db_lock_wait_timeout = 5;  // seconds: the session's innodb_lock_wait_timeout and lock_wait_timeout
  // A Galera cluster: its nodes in order of preference (host:port or a socket path,
  // comma-separated). Empty = the one server of db_socket / db_host.
  std::string db_nodes;

  std::string redis_socket = "run/redis.sock";
  std::string redis_host = "127.0.0.1";
  int redis_port = 6379;
  int redis_timeout_ms = 200;
  // Redis behind Sentinel: the Sentinels (host:port, comma-separated) and the master's name.
  // Empty = the one server of redis_socket / redis_host.
  std::string redis_sentinels;
  std::string redis_sentinel_master = "flashsale";

  int expiry_batch_size = 500;
  int expiry_lock_ttl_seconds = 60;

  std::string sql_dir = "sql";
  std::string log_config = "conf/log4cplus.properties";

  // Resolves a path from the file against var_dir (absolute paths and host:port stay as they are).
  std::string VarPath(const std::string& path) const;
  int EffectiveWorkers() const;
  int EffectiveStartServers() const;  // pm dynamic
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
