#include "db_fault_proxy.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <list>
#include <stdexcept>

namespace flashsale::itest {
namespace {

constexpr unsigned char kComQuery = 0x03;
constexpr size_t kSeenMax = 20000;
constexpr size_t kHeadBytes = 48;

sockaddr_un Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

int ConnectUnix(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr = Address(path);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The query text of a COM_QUERY packet without leading blanks, upper-cased, first bytes only.
std::string QueryHead(const std::string& payload) {
  size_t start = 1;
  while (start < payload.size() && std::isspace(static_cast<unsigned char>(payload[start]))) ++start;
  return Upper(payload.substr(start, kHeadBytes));
}

// An ERR packet sent instead of the server greeting (no SQL state before the handshake).
std::string ErrorGreeting(int code) {
  std::string msg = code == 1040 ? "Too many connections" : "Refused by the test proxy";
  std::string payload;
  payload += static_cast<char>(0xff);
  payload += static_cast<char>(code & 0xff);
  payload += static_cast<char>((code >> 8) & 0xff);
  payload += msg;
  std::string packet;
  packet += static_cast<char>(payload.size() & 0xff);
  packet += static_cast<char>((payload.size() >> 8) & 0xff);
  packet += static_cast<char>((payload.size() >> 16) & 0xff);
  packet += static_cast<char>(0);
  return packet + payload;
}

}  // namespace

struct DbFaultProxy::Conn {
  int client = -1;
  int server = -1;
  std::string from_client;    // bytes not yet forwarded (an incomplete packet)
  bool drop_next_reply = false;
  bool dead = false;

  void Close() {
    if (client >= 0) ::close(client);
    if (server >= 0) ::close(server);
    client = server = -1;
    dead = true;
  }
};

DbFaultProxy::DbFaultProxy(std::string listen_path, std::string upstream_path)
    : listen_path_(std::move(listen_path)), upstream_path_(std::move(upstream_path)) {
  ::unlink(listen_path_.c_str());
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr = Address(listen_path_);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 256) != 0) {
    int err = errno;
    ::close(listen_fd_);
    throw std::runtime_error("db proxy cannot listen on " + listen_path_ + ": " + std::strerror(err));
  }
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
  thread_ = std::thread([this] { Loop(); });
}

DbFaultProxy::~DbFaultProxy() {
  stop_.store(true);
  Wake();
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
  ::unlink(listen_path_.c_str());
}

void DbFaultProxy::Wake() {
  char c = 1;
  (void)!::write(wake_[1], &c, 1);
}

void DbFaultProxy::ArmCut(const std::string& prefix, Cut when) {
  std::lock_guard<std::mutex> lock(mu_);
  armed_prefix_ = Upper(prefix);
  armed_when_ = when;
  armed_ = true;
}

void DbFaultProxy::Disarm() {
  std::lock_guard<std::mutex> lock(mu_);
  armed_ = false;
}

int DbFaultProxy::Seen(const std::string& prefix) const {
  std::string p = Upper(prefix);
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(std::count_if(seen_.begin(), seen_.end(), [&](const std::string& head) {
    return head.compare(0, p.size(), p) == 0;
  }));
}

void DbFaultProxy::CloseAll() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    close_all_ = true;
  }
  Wake();
  // Returns once the proxy thread has done it.
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!close_all_) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void DbFaultProxy::RefuseNew(int error_code) {
  std::lock_guard<std::mutex> lock(mu_);
  refuse_code_ = error_code;
}

void DbFaultProxy::Loop() {
  std::list<Conn> conns;
  std::vector<pollfd> fds;
  std::vector<Conn*> owners;  // per pollfd: the connection, or nullptr for listen/wake
  char buf[65536];
  while (!stop_.load()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (close_all_) {
        for (Conn& c : conns) c.Close();
        close_all_ = false;
      }
    }
    conns.remove_if([](const Conn& c) { return c.dead; });
    fds.clear();
    owners.clear();
    fds.push_back({listen_fd_, POLLIN, 0});
    owners.push_back(nullptr);
    fds.push_back({wake_[0], POLLIN, 0});
    owners.push_back(nullptr);
    for (Conn& c : conns) {
      fds.push_back({c.client, POLLIN, 0});
      owners.push_back(&c);
      fds.push_back({c.server, POLLIN, 0});
      owners.push_back(&c);
    }
    if (::poll(fds.data(), fds.size(), 200) < 0) continue;
    if (fds[1].revents != 0) {
      while (::read(wake_[0], buf, sizeof buf) > 0) {
      }
    }
    if (fds[0].revents & POLLIN) {
      int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        int refuse;
        {
          std::lock_guard<std::mutex> lock(mu_);
          refuse = refuse_code_;
        }
        if (refuse != 0) {
          std::string greeting = ErrorGreeting(refuse);
          WriteAll(client, greeting.data(), greeting.size());
          ::close(client);
        } else {
          int server = ConnectUnix(upstream_path_);
          if (server < 0) {
            ::close(client);
          } else {
            conns.push_back(Conn{client, server, {}, false, false});
          }
        }
      }
    }
    for (size_t i = 2; i < fds.size(); ++i) {
      Conn* c = owners[i];
      if (c->dead || fds[i].revents == 0) continue;
      bool from_client = fds[i].fd == c->client;
      ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
      if (n <= 0) {
        c->Close();
        continue;
      }
      if (!from_client) {
        if (c->drop_next_reply) {
          cuts_.fetch_add(1);  // counted before the client can see its connection die
          c->Close();          // the answer is lost with the connection
          continue;
        }
        if (!WriteAll(c->client, buf, static_cast<size_t>(n))) c->Close();
        continue;
      }
      // Client to server: forward whole packets, looking at each command.
      c->from_client.append(buf, static_cast<size_t>(n));
      while (!c->dead && c->from_client.size() >= 4) {
        const auto* h = reinterpret_cast<const unsigned char*>(c->from_client.data());
        size_t len = h[0] | (h[1] << 8) | (h[2] << 16);
        unsigned seq = h[3];
        if (c->from_client.size() < 4 + len) break;
        std::string packet = c->from_client.substr(0, 4 + len);
        c->from_client.erase(0, 4 + len);
        std::string payload = packet.substr(4);
        bool cut_before = false;
        if (seq == 0 && !payload.empty() && static_cast<unsigned char>(payload[0]) == kComQuery) {
          std::string head = QueryHead(payload);
          std::lock_guard<std::mutex> lock(mu_);
          if (seen_.size() >= kSeenMax) seen_.erase(seen_.begin(), seen_.begin() + kSeenMax / 2);
          seen_.push_back(head);
          if (armed_ && head.compare(0, armed_prefix_.size(), armed_prefix_) == 0) {
            armed_ = false;
            if (armed_when_ == Cut::kBeforeForward) {
              cut_before = true;
            } else {
              c->drop_next_reply = true;
            }
          }
        }
        if (cut_before) {
          cuts_.fetch_add(1);
          c->Close();
          break;
        }
        if (!WriteAll(c->server, packet.data(), packet.size())) c->Close();
      }
    }
  }
  for (Conn& c : conns) c.Close();
}

}  // namespace flashsale::itest
