// What the pool refuses to start with, whatever the file says (the checks `flashsale-fcgi` and
// `flashsale-fcgi -t` run before anything else):
//   - no webhook_secret, unless webhook_allow_unsigned = true says so explicitly (the API
//     reference: a payment webhook without a signature is accepted only then);
//   - a secret shipped in conf/flashsale.conf for the local stack (webhook_secret, admin_token,
//     db_password): they are public. Only the local stack (conf/local/stack.sh sets
//     allow_development_secrets through the environment) may run with them.
#pragma once

#include "util/config.h"
#include "util/status.h"

namespace flashsale::util {

Status CheckPoolConfig(const Config& config);

}  // namespace flashsale::util
