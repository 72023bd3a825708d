#include "util/config_check.h"

#include <fstream>
#include <string>

namespace flashsale::util {
namespace {

// The values conf/flashsale.conf ships for the local stack.
constexpr const char* kDevWebhookSecret = "local-dev-webhook-secret";
constexpr const char* kDevAdminToken = "local-dev-admin-token";
constexpr const char* kDevDbPassword = "flashsale";

Status Refuse(const std::string& why) { return Status::InvalidArgument("invalid_config", why); }

}  // namespace

Status CheckPoolConfig(const Config& c) {
  // Before a reload execs a new image too (--check-config): a pool that cannot log must not start.
  if (!std::ifstream(c.log_config).good()) return Refuse("cannot read the log config " + c.log_config + " (log_config)");
  if (c.webhook_secret.empty() && !c.webhook_allow_unsigned) {
    return Refuse("webhook_secret is empty: set it (the payment provider's signing secret), or set "
                  "webhook_allow_unsigned = true to accept unsigned payment webhooks");
  }
  if (!c.allow_development_secrets) {
    std::string which;
    if (c.webhook_secret == kDevWebhookSecret) which += " webhook_secret";
    if (c.webhook_secret_previous == kDevWebhookSecret) which += " webhook_secret_previous";
    if (c.admin_token == kDevAdminToken) which += " admin_token";
    if (c.db_password == kDevDbPassword) which += " db_password";
    if (!which.empty()) {
      return Refuse("the development value of" + which +
                    " (public, from conf/flashsale.conf) is configured: set your own");
    }
  }
  return CheckPoolSettings(c);
}

Status CheckPoolSettings(const Config& c) {
  auto refuse = [](const std::string& message) {
    return Status::InvalidArgument("invalid_config", message);
  };
  const int max = c.EffectiveWorkers();
  if (c.pm == "dynamic") {
    if (c.pm_min_spare_servers > c.pm_max_spare_servers) {
      return refuse("pm_min_spare_servers (" + std::to_string(c.pm_min_spare_servers) +
                    ") must not exceed pm_max_spare_servers (" +
                    std::to_string(c.pm_max_spare_servers) + ")");
    }
    if (c.pm_max_spare_servers > max) {
      return refuse("pm_max_spare_servers (" + std::to_string(c.pm_max_spare_servers) +
                    ") must not exceed workers, the pool's max_children (" + std::to_string(max) +
                    ")");
    }
    int start = c.EffectiveStartServers();
    if (start < c.pm_min_spare_servers || start > c.pm_max_spare_servers) {
      return refuse("pm_start_servers (" + std::to_string(start) +
                    ") must lie between pm_min_spare_servers and pm_max_spare_servers");
    }
  }
  // The time budget (config.h). Seconds, in int64 so no product overflows.
  const int64_t retries = static_cast<int64_t>(c.db_retry_attempts) * c.db_lock_wait_timeout;
  const int64_t ceiling = c.request_terminate_timeout > 0
                              ? c.request_terminate_timeout
                              : static_cast<int64_t>(c.fastcgi_read_timeout) - kBudgetMarginSeconds;
  const char* ceiling_name = c.request_terminate_timeout > 0
                                 ? "request_terminate_timeout"
                                 : "fastcgi_read_timeout - 2 s";
  if (retries + kBudgetMarginSeconds > ceiling) {
    return refuse("db_retry_attempts x db_lock_wait_timeout + 2 s = " + std::to_string(retries) +
                  " + 2 s does not fit in " + ceiling_name + " (" + std::to_string(ceiling) +
                  " s): a request waiting on row locks would be killed, or answered 504 by "
                  "nginx, before the pool answers it. Lower db_lock_wait_timeout or "
                  "db_retry_attempts, or raise request_terminate_timeout");
  }
  if (c.request_terminate_timeout > 0 &&
      c.request_terminate_timeout + kBudgetMarginSeconds > c.fastcgi_read_timeout) {
    return refuse("request_terminate_timeout (" + std::to_string(c.request_terminate_timeout) +
                  " s) + 2 s does not fit in fastcgi_read_timeout (" +
                  std::to_string(c.fastcgi_read_timeout) +
                  " s, nginx's): nginx would answer 504 while the worker may still commit. "
                  "Lower request_terminate_timeout, or raise fastcgi_read_timeout here and in "
                  "nginx");
  }
  return Status::Ok();
}

}  // namespace flashsale::util
