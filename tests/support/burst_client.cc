// SendBurst over nonblocking sockets and one epoll set (see burst_client.h).
#include "burst_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>

namespace flashsale::itest {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// A chunked body, decoded; nullopt when it is malformed or cut short.
std::optional<std::string> Dechunk(const std::string& in) {
  std::string out;
  size_t at = 0;
  for (;;) {
    size_t eol = in.find("\r\n", at);
    if (eol == std::string::npos) return std::nullopt;
    size_t size = 0;
    try {
      size = std::stoul(in.substr(at, eol - at), nullptr, 16);
    } catch (...) {
      return std::nullopt;
    }
    at = eol + 2;
    if (size == 0) return out;
    if (in.size() < at + size + 2) return std::nullopt;
    out.append(in, at, size);
    at += size + 2;
  }
}

// Splits everything a connection received (up to the server's close) into the answer.
void Parse(const std::string& raw, HttpResponse* r) {
  size_t end = raw.find("\r\n\r\n");
  if (raw.compare(0, 5, "HTTP/") != 0 || end == std::string::npos) {
    r->error = raw.empty() ? "closed without an answer" : "no complete status line and headers";
    return;
  }
  size_t eol = raw.find("\r\n");
  size_t sp = raw.find(' ');
  long status = sp < eol ? std::strtol(raw.c_str() + sp + 1, nullptr, 10) : 0;
  for (size_t at = eol + 2; at < end;) {
    size_t next = raw.find("\r\n", at);
    std::string line = raw.substr(at, next - at);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      r->headers.emplace_back(Lower(Trim(line.substr(0, colon))), Trim(line.substr(colon + 1)));
    }
    at = next + 2;
  }
  std::string body = raw.substr(end + 4);
  if (Lower(r->Header("transfer-encoding")).find("chunked") != std::string::npos) {
    std::optional<std::string> plain = Dechunk(body);
    if (!plain) {
      r->error = "chunked body cut short";
      return;
    }
    body = *plain;
  } else if (r->HasHeader("content-length")) {
    size_t length = std::strtoul(r->Header("content-length").c_str(), nullptr, 10);
    if (body.size() < length) {
      r->error = "body shorter than Content-Length";
      return;
    }
    body.resize(length);
  }
  r->status = status;
  r->body = std::move(body);
  if (!r->body.empty()) r->json_ok = ParseJson(r->body, &r->json);
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
