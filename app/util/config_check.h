// What the pool refuses to start with, whatever the file says (the checks `flashsale-fcgi`,
// `-t` and `--check-config` run before anything else):
//   - no webhook_secret, unless webhook_allow_unsigned = true says so explicitly (the API
//     reference: a payment webhook without a signature is accepted only then);
//   - a secret shipped in conf/flashsale.conf for the local stack (webhook_secret, admin_token,
//     db_password): they are public. Only the local stack (conf/local/stack.sh sets
//     allow_development_secrets through the environment) may run with them.
#pragma once

#include "util/config.h"
#include "util/status.h"

namespace flashsale::util {

// All of it, then CheckPoolSettings: the one check flashsale-fcgi (and its --check-config before
// a reload) runs on a configuration.
Status CheckPoolConfig(const Config& config);

// The pool's settings taken together (ParseConfig checks each value alone): the pm settings fit
// each other, and the time budget nests: db_retry_attempts x db_lock_wait_timeout + margin <=
// request_terminate_timeout, and request_terminate_timeout + margin <= fastcgi_read_timeout, so
// the application answers (503) before the master kills the worker, and the master kills it
// before nginx gives up (504) on a request that might still commit. The message says what to
// change. Part of CheckPoolConfig; the jobs do not run under nginx.
Status CheckPoolSettings(const Config& config);
inline constexpr int kBudgetMarginSeconds = 2;


}  // namespace flashsale::util
