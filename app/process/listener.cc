#include "process/listener.h"

#include <arpa/inet.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "util/log.h"

namespace flashsale::process {
namespace {

// The kernel silently caps a listen queue at net.core.somaxconn, and nginx lets up to
// admission_limit requests through at once: a connect() that finds the queue full is a 502.
void WarnIfQueueShort(const util::Config& config) {
  int queue = config.fcgi_backlog, somaxconn = 0;
  if (std::ifstream("/proc/sys/net/core/somaxconn") >> somaxconn && somaxconn > 0 && somaxconn < queue) {
    queue = somaxconn;
    LOG4CPLUS_WARN(util::ProcessLog(), "listen queue capped at " << somaxconn
                                           << " by net.core.somaxconn (fcgi_backlog = " << config.fcgi_backlog << ")");
  }
  if (queue < config.admission_limit) {
    LOG4CPLUS_WARN(util::ProcessLog(), "listen queue of " << queue << " is shorter than admission_limit = "
                                           << config.admission_limit << ": under a burst nginx may answer 502");
  }
}

// A user or group by name or number; false when neither exists.
bool LookupId(const std::string& name, bool group, unsigned* id) {
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
    *id = static_cast<unsigned>(std::stoul(name));
    return true;
  }
  if (group) {
    const struct group* g = ::getgrnam(name.c_str());
    if (g != nullptr) *id = g->gr_gid;
    return g != nullptr;
  }
  const struct passwd* p = ::getpwnam(name.c_str());
  if (p != nullptr) *id = p->pw_uid;
  return p != nullptr;
}

// What the socket is bound to: its unix path, or "ip:port".
std::string BoundAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  if (ss.ss_family == AF_UNIX) return reinterpret_cast<sockaddr_un*>(&ss)->sun_path;
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    char ip[INET_ADDRSTRLEN] = "";
    ::inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
    return std::string(ip) + ":" + std::to_string(ntohs(in->sin_port));
  }
  return "";
}

bool IsListeningSocket(int fd) {
  struct stat st {};
  int accepting = 0;
  socklen_t len = sizeof accepting;
  return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
         ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) == 0 && accepting == 1;
}

// Same socket address as configured? A unix path compares as a string; host:port by its port
// (the host may have been a name, and ":port" means any address).
bool SameAddress(const std::string& bound, const std::string& configured, bool is_unix) {
  if (is_unix) return bound == configured;
  size_t a = bound.rfind(':'), b = configured.rfind(':');
  return a != std::string::npos && b != std::string::npos && bound.substr(a) == configured.substr(b);
}

void RememberFile(Listener& l) {
  struct stat st {};
  if (!l.unix_path.empty() && ::stat(l.unix_path.c_str(), &st) == 0) {
    l.dev = st.st_dev;
    l.ino = st.st_ino;
  }
}

}  // namespace

bool SocketOwnerKnown(const util::Config& config, std::string* error) {
  unsigned id = 0;
  if (!config.listen_owner.empty() && !LookupId(config.listen_owner, false, &id)) {
    *error = "listen_owner: no user " + config.listen_owner;
    return false;
  }
  if (!config.listen_group.empty() && !LookupId(config.listen_group, true, &id)) {
    *error = "listen_group: no group " + config.listen_group;
    return false;
  }
  return true;
}

void SetInheritable(int fd, bool inheritable) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0) return;
  ::fcntl(fd, F_SETFD, inheritable ? (flags & ~FD_CLOEXEC) : (flags | FD_CLOEXEC));
}

Listener OpenListener(const util::Config& config, int inherited_fd) {
  Listener l;
  l.address = config.VarPath(config.fcgi_listen);
  bool is_unix = l.address.find(':') == std::string::npos;
  if (inherited_fd >= 0 && IsListeningSocket(inherited_fd)) {
    l.fd = inherited_fd;
    l.inherited = true;
    std::string bound = BoundAddress(inherited_fd);
    if (!SameAddress(bound, l.address, is_unix)) {
      LOG4CPLUS_WARN(util::ProcessLog(), "fcgi_listen changed to " << l.address << ", but a reload keeps "
                                             "its socket " << bound << "; restart the pool to move it");
      is_unix = bound.find(':') == std::string::npos;
      l.address = bound;
    }
    if (is_unix) l.unix_path = l.address;
    ::listen(l.fd, config.fcgi_backlog);  // the new backlog, on the same socket
    LOG4CPLUS_INFO(util::ProcessLog(), "kept the listening socket " << l.address << " (fd " << l.fd << ")");
  } else {
    if (inherited_fd >= 0) {
      LOG4CPLUS_WARN(util::ProcessLog(), "FLASHSALE_LISTEN_FD=" << inherited_fd
                                             << " is not a listening socket; opening " << l.address);
    }
    mode_t old_mask = 0;
    if (is_unix) {
      l.unix_path = l.address;
      ::unlink(l.address.c_str());  // a socket file left by a killed pool
      old_mask = ::umask(static_cast<mode_t>(0777 & ~config.listen_mode));
    }
    l.fd = FCGX_OpenSocket(l.address.c_str(), config.fcgi_backlog);
    int saved = errno;
    if (is_unix) ::umask(old_mask);
    if (l.fd < 0) {
      LOG4CPLUS_FATAL(util::ProcessLog(), "cannot listen on " << l.address << ": " << std::strerror(saved));
      return l;
    }
    LOG4CPLUS_INFO(util::ProcessLog(), "listening on " << l.address);
  }
  WarnIfQueueShort(config);
  RememberFile(l);
  SetInheritable(l.fd, false);
  ::fcntl(l.fd, F_SETFL, ::fcntl(l.fd, F_GETFL) | O_NONBLOCK);
  if (!is_unix && config.listen_allowed_clients.empty()) {
    LOG4CPLUS_INFO(util::ProcessLog(), "listen_allowed_clients is empty: any address may connect to " << l.address);
  }
  return l;
}

bool ApplySocketPermissions(const Listener& l, const util::Config& config) {
  if (l.unix_path.empty()) return true;
  unsigned uid = static_cast<unsigned>(-1), gid = static_cast<unsigned>(-1);
  if (!config.listen_owner.empty() && !LookupId(config.listen_owner, false, &uid)) {
    LOG4CPLUS_ERROR(util::ProcessLog(), "listen_owner: no user " << config.listen_owner);
    return false;
  }
  if (!config.listen_group.empty() && !LookupId(config.listen_group, true, &gid)) {
    LOG4CPLUS_ERROR(util::ProcessLog(), "listen_group: no group " << config.listen_group);
    return false;
  }
  if ((uid != static_cast<unsigned>(-1) || gid != static_cast<unsigned>(-1)) &&
      ::chown(l.unix_path.c_str(), uid, gid) != 0) {
    LOG4CPLUS_ERROR(util::ProcessLog(), "cannot chown " << l.unix_path << " to " << config.listen_owner << ":"
                                                       << config.listen_group << ": " << std::strerror(errno)
                                                       << " (a group needs the pool's user in it)");
    return false;
  }
  if (::chmod(l.unix_path.c_str(), static_cast<mode_t>(config.listen_mode)) != 0) {
    LOG4CPLUS_ERROR(util::ProcessLog(), "cannot chmod " << l.unix_path << ": " << std::strerror(errno));
    return false;
  }
  return true;
}

void RemoveSocketFile(const Listener& l) {
  struct stat st {};
  if (l.unix_path.empty() || ::stat(l.unix_path.c_str(), &st) != 0) return;
  if (st.st_dev == l.dev && st.st_ino == l.ino) ::unlink(l.unix_path.c_str());
}

}  // namespace flashsale::process
