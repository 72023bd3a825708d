#include "cut_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace flashsale::itest {
namespace {

int ConnectUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

struct Pair {
  int client;
  int server;
};

// Moves what is readable on `from` to `to`; false when either side is done.
bool Pump(int from, int to) {
  char buf[16384];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n <= 0) return false;
  for (ssize_t off = 0; off < n;) {
    ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
    if (w <= 0) return false;
    off += w;
  }
  return true;
}

}  // namespace

CutProxy::CutProxy(std::string upstream) : upstream_(std::move(upstream)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("cut proxy: cannot listen on loopback");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Loop(); });
}

CutProxy::~CutProxy() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void CutProxy::Loop() {
  std::vector<Pair> pairs;
  auto close_pair = [](const Pair& p) {
    ::close(p.client);
    ::close(p.server);
  };
  while (!stop_) {
    if (cut_) {
      for (const Pair& p : pairs) close_pair(p);
      pairs.clear();
    }
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    for (const Pair& p : pairs) {
      fds.push_back({p.client, POLLIN, 0});
      fds.push_back({p.server, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    const size_t polled = pairs.size();
    if (fds[0].revents & POLLIN) {
      int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        int server = cut_ ? -1 : ConnectUnix(upstream_);
        if (server < 0) {
          ::close(client);
          refused_.fetch_add(1);
        } else {
          pairs.push_back({client, server});
        }
      }
    }
    std::vector<Pair> alive;
    for (size_t i = 0; i < polled; ++i) {
      const pollfd& c = fds[1 + 2 * i];
      const pollfd& s = fds[2 + 2 * i];
      bool ok = true;
      if (c.revents & (POLLIN | POLLHUP | POLLERR)) ok = Pump(pairs[i].client, pairs[i].server);
      if (ok && (s.revents & (POLLIN | POLLHUP | POLLERR))) ok = Pump(pairs[i].server, pairs[i].client);
      if (ok) {
        alive.push_back(pairs[i]);
      } else {
        close_pair(pairs[i]);
      }
    }
    // Connections accepted in this round were not polled yet: keep them.
    for (size_t i = polled; i < pairs.size(); ++i) alive.push_back(pairs[i]);
    pairs = std::move(alive);
  }
  for (const Pair& p : pairs) close_pair(p);
}

}  // namespace flashsale::itest
