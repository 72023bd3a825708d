// Logging setup: log4cplus configured from conf/ (log_config), one logger per module:
// flashsale.http (one access line per request), flashsale.domain, flashsale.store,
// flashsale.process. Secrets (webhook secrets, admin token, passwords) are never passed to a logger.
#pragma once

#include <log4cplus/logger.h>
#include <log4cplus/loggingmacros.h>

#include <string>

namespace flashsale::util {

// Reads the properties file. False (and why, on stderr) when it cannot be read: the caller
// exits. Logging then goes to stderr at INFO for whatever is said before the exit.
[[nodiscard]] bool InitLogging(const std::string& properties_path);

// Points stderr (fd 2) at `path`, appending (created 0640). False when it cannot be opened; the
// reason is written to the stderr that stays.
bool RedirectStderr(const std::string& path);

// SIGUSR1 (log rotation): stderr is reopened onto `log_file` when set (a renamed file is
// replaced by a new one), and log4cplus is configured again from `properties_path`, so any file
// appender configured there reopens its file too. Call between two units of work, never from a
// signal handler.
void ReopenLogs(const std::string& log_file, const std::string& properties_path);

log4cplus::Logger HttpLog();
// flashsale.access: one line per request (method, path, status, microseconds, request id).
log4cplus::Logger AccessLog();
log4cplus::Logger DomainLog();
log4cplus::Logger StoreLog();
log4cplus::Logger ProcessLog();

}  // namespace flashsale::util
