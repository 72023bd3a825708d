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
  return Status::Ok();
}

}  // namespace flashsale::util
