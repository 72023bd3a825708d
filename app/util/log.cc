#include "util/log.h"

#include <fcntl.h>
#include <log4cplus/configurator.h>
#include <log4cplus/hierarchy.h>
#include <log4cplus/initializer.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

namespace flashsale::util {

bool InitLogging(const std::string& properties_path) {
  // Workers share one stderr. log4cplus writes a line in pieces; with std::cerr unbuffered each
  // piece is its own write() and lines of different workers interleave. Buffered, the appender's
  // flush at the end of each event makes one write per line.
  std::ios_base::sync_with_stdio(false);
  std::cerr.unsetf(std::ios_base::unitbuf);
  log4cplus::initialize();
  if (std::ifstream(properties_path).good()) {
    log4cplus::PropertyConfigurator::doConfigure(LOG4CPLUS_STRING_TO_TSTRING(properties_path));
    return true;
  }
  // Said on stderr whatever happens next: the caller exits rather than run with logs going
  // somewhere nobody looks.
  std::cerr << "cannot read the log config " << properties_path << " (log_config): " << std::strerror(errno)
            << std::endl;
  log4cplus::BasicConfigurator::doConfigure();
  return false;
}

bool RedirectStderr(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    std::cerr << "cannot open log_file " << path << ": " << std::strerror(errno) << std::endl;
    return false;
  }
  std::cerr.flush();
  ::dup2(fd, 2);  // dup2 clears close-on-exec on fd 2
  ::close(fd);
  return true;
}

void ReopenLogs(const std::string& log_file, const std::string& properties_path) {
  if (!log_file.empty() && !RedirectStderr(log_file)) return;
  if (!std::ifstream(properties_path).good()) return;  // keep what is configured
  log4cplus::Logger::getDefaultHierarchy().resetConfiguration();
  log4cplus::PropertyConfigurator::doConfigure(LOG4CPLUS_STRING_TO_TSTRING(properties_path));
}

log4cplus::Logger HttpLog() {
  static log4cplus::Logger logger = log4cplus::Logger::getInstance("flashsale.http");
  return logger;
}
log4cplus::Logger AccessLog() {
  static log4cplus::Logger logger = log4cplus::Logger::getInstance("flashsale.access");
  return logger;
}
log4cplus::Logger DomainLog() {
  static log4cplus::Logger logger = log4cplus::Logger::getInstance("flashsale.domain");
  return logger;
}
log4cplus::Logger StoreLog() {
  static log4cplus::Logger logger = log4cplus::Logger::getInstance("flashsale.store");
  return logger;
}
log4cplus::Logger ProcessLog() {
  static log4cplus::Logger logger = log4cplus::Logger::getInstance("flashsale.process");
  return logger;
}

}  // namespace flashsale::util
