#include "process/pidfile.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "util/log.h"

namespace flashsale::process {

bool WritePidFile(const std::string& path) {
  std::string tmp = path + ".tmp";
  std::string text = std::to_string(getpid()) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0) ok = (::close(fd) == 0) && ok;
  if (ok) ok = ::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) {
    LOG4CPLUS_ERROR(util::ProcessLog(), "cannot write pid_file " << path << ": " << std::strerror(errno));
    ::unlink(tmp.c_str());
  }
  return ok;
}

void RemovePidFile(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  if (in >> pid && pid == getpid()) ::unlink(path.c_str());
}

}  // namespace flashsale::process
