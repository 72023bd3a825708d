// Logging setup: log4cplus configured from conf/ (log_config), one logger per module:
// flashsale.http (one access line per request), flashsale.domain, flashsale.store,
// flashsale.process. Secrets (webhook secrets, admin token, passwords) are never passed to a logger.
#pragma once

#include <log4cplus/logger.h>
#include <log4cplus/loggingmacros.h>

#include <string>

namespace flashsale::util {

// Reads the properties file; falls back to INFO on stderr if it cannot be read.
void InitLogging(const std::string& properties_path);

log4cplus::Logger HttpLog();
log4cplus::Logger DomainLog();
log4cplus::Logger StoreLog();
log4cplus::Logger ProcessLog();

}  // namespace flashsale::util
