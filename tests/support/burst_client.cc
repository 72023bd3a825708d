// SendBurst over nonblocking sockets and one epoll set (see burst_client.h).
#include "burst_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "raw_http.h"

namespace flashsale::itest {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Everything a connection received (up to the server's close), read as raw_http reads an
// answer; the status counts only for a whole answer (headers and all of the body).
void Parse(const std::string& raw, HttpResponse* r) {
  RawResponse parsed = ParseRawAnswer(raw);
  if (raw.empty()) {
    r->error = "closed without an answer";
    return;
  }
  if (!parsed.error.empty()) {
    r->error = parsed.error;
    return;
  }
  std::string request_line = std::move(r->request_line);
  static_cast<HttpResponse&>(*r) = static_cast<HttpResponse&>(parsed);
  r->request_line = std::move(request_line);
}

struct Conn {
  int fd = -1;
  enum { kConnecting, kConnected, kReading, kDone } state = kConnecting;
  std::string received;
};

// Closes the connection and records its answer. A reset after a complete answer (nginx may
// close that way) still leaves the client with its answer, so it counts as one.
void Finish(Conn& c, HttpResponse& r, const std::string& error) {
  if (c.fd >= 0) ::close(c.fd);
  c.fd = -1;
  c.state = Conn::kDone;
  if (!c.received.empty()) Parse(c.received, &r);  // sets status only for a whole answer
  if (r.status != 0) return;
  if (!error.empty()) {
    r.error = error;
  } else if (r.error.empty()) {
    r.error = "closed without an answer";
  }
}

}  // namespace

long RaiseOpenFileLimit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return -1;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur == RLIM_INFINITY ? 1L << 30 : static_cast<long>(lim.rlim_cur);
}

std::vector<HttpResponse> SendBurst(int port, const std::string& request, int connections,
                                    int timeout_ms, const std::string& request_line) {
  std::vector<HttpResponse> out(static_cast<size_t>(connections));
  for (HttpResponse& r : out) r.request_line = request_line;
  std::vector<Conn> conns(static_cast<size_t>(connections));
  const int64_t deadline = NowMs() + timeout_ms;
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    for (HttpResponse& r : out) r.error = std::string("epoll_create1: ") + std::strerror(errno);
    return out;
  }

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int pending = 0;  // connections whose current phase is not over
  for (size_t i = 0; i < conns.size(); ++i) {
    Conn& c = conns[i];
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      Finish(c, out[i], std::string("socket: ") + std::strerror(errno));
      continue;
    }
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
        errno != EINPROGRESS) {
      Finish(c, out[i], std::string("connect: ") + std::strerror(errno));
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    ++pending;
  }

  // Runs the event loop until `pending` reaches 0 or the deadline passes.
  std::vector<epoll_event> events(1024);
  auto loop = [&](auto&& on_event) {
    while (pending > 0) {
      int64_t left = deadline - NowMs();
      if (left <= 0) return;
      int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()),
                           static_cast<int>(std::min<int64_t>(left, 1000)));
      if (n < 0 && errno == EINTR) continue;
      for (int k = 0; k < n; ++k) on_event(events[k]);
    }
  };

  // 1. Every connection established (or failed).
  loop([&](const epoll_event& ev) {
    size_t i = ev.data.u64;
    Conn& c = conns[i];
    if (c.state != Conn::kConnecting) return;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    --pending;
    if (err != 0) {
      Finish(c, out[i], std::string("connect: ") + std::strerror(err));
      return;
    }
    c.state = Conn::kConnected;
    epoll_event in{};
    in.events = EPOLLIN | EPOLLRDHUP;
    in.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &in);
  });

  // 2. Every request written at once (a few hundred bytes: the empty send buffer takes them).
  pending = 0;
  for (size_t i = 0; i < conns.size(); ++i) {
    Conn& c = conns[i];
    if (c.state == Conn::kConnecting) {
      Finish(c, out[i], "timed out connecting");
      continue;
    }
    if (c.state != Conn::kConnected) continue;
    ssize_t n = ::send(c.fd, request.data(), request.size(), MSG_NOSIGNAL);
    if (n != static_cast<ssize_t>(request.size())) {
      Finish(c, out[i], n < 0 ? std::string("send: ") + std::strerror(errno) : "short send");
      continue;
    }
    c.state = Conn::kReading;
    ++pending;
  }

  // 3. Every answer read to the server's close.
  loop([&](const epoll_event& ev) {
    size_t i = ev.data.u64;
    Conn& c = conns[i];
    if (c.state != Conn::kReading) return;
    char buf[16384];
    for (;;) {
      ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.received.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0 && errno == EINTR) continue;
      --pending;
      Finish(c, out[i], n == 0 ? "" : std::string("recv: ") + std::strerror(errno));
      return;
    }
  });
  for (size_t i = 0; i < conns.size(); ++i) {
    if (conns[i].state != Conn::kDone) Finish(conns[i], out[i], "timed out waiting for the answer");
  }
  ::close(ep);
  return out;
}

}  // namespace flashsale::itest
