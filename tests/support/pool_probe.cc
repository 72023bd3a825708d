#include "pool_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace flashsale::itest {
namespace {

std::string PoolLogPath() { return Stack().var_dir() + "/log/flashsale.log"; }

// A connected socket to a unix path or host:port, -1 on failure.
int Connect(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, address.c_str(), sizeof addr.sun_path - 1);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    if (fd >= 0) ::close(fd);
    return -1;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

}  // namespace

char ProcessState(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() ? '?' : stat[paren + 2];
}

bool Alive(pid_t pid) {
  char state = ProcessState(pid);
  return state != '?' && state != 'Z' && state != 'X';
}

std::string Cmdline(pid_t pid) {
  std::string text = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  while (!text.empty() && text.back() == '\0') text.pop_back();
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  return text;
}

std::string Comm(pid_t pid) {
  std::string text = ReadFile("/proc/" + std::to_string(pid) + "/comm");
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

ino_t InodeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

size_t PoolLogSize() {
  struct stat st {};
  return ::stat(PoolLogPath().c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
}

std::string PoolLogSince(size_t offset) {
  std::string text = ReadFile(PoolLogPath());
  return offset < text.size() ? text.substr(offset) : "";
}

bool WaitForPoolLog(size_t offset, const std::string& text, int64_t timeout_ms) {
  return Eventually(timeout_ms, [&] { return PoolLogSince(offset).find(text) != std::string::npos; });
}

std::string BinaryDir() {
  const char* env = std::getenv("FLASHSALE_BIN_DIR");
  if (env == nullptr || *env == '\0') return Stack().repo_root() + "/build/bin";
  std::filesystem::path dir(env);
  return (dir.is_absolute() ? dir : std::filesystem::path(Stack().repo_root()) / dir).lexically_normal().string();
}

ScopedPool::ScopedPool(const EnvOverrides& env) { Stack().RestartPool(env); }

ScopedPool::~ScopedPool() {
  try {
    Stack().RestartPool();
  } catch (const std::exception& e) {
    BOOST_TEST_MESSAGE("could not restore the pool's defaults: " << e.what());
  }
}

std::string FaultDir() { return Stack().var_dir() + "/run/faults"; }

void Arm(const std::string& point) {
  ::mkdir(FaultDir().c_str(), 0700);
  std::ofstream(FaultDir() + "/" + point) << "";
}

pid_t WaitForStoppedChildOf(pid_t master, int64_t timeout_ms) {
  pid_t stopped = 0;
  Eventually(timeout_ms, [&] {
    for (pid_t pid : ChildrenOf(master)) {
      if (ProcessState(pid) == 'T') stopped = pid;
    }
    return stopped != 0;
  });
  return stopped;
}

Traffic::Traffic(const Api& api, int64_t product, int threads, std::vector<long> expected)
    : expected_(std::move(expected)) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, &api, product, i] {
      while (!stop_.load()) {
        HttpResponse r = (i % 2 == 0) ? api.PostHold(product, 1) : api.GetProduct(product);
        bool ok = r.json_ok && std::find(expected_.begin(), expected_.end(), r.status) != expected_.end();
        std::lock_guard<std::mutex> lock(mu_);
        ++by_status_[r.status];
        if (!ok) {
          ++unexpected_count_;
          if (unexpected_.size() < 20) unexpected_.push_back(r.Describe() + (r.json_ok ? "" : " (not JSON)"));
        }
      }
    });
  }
}

Traffic::~Traffic() { Stop(); }

void Traffic::Stop() {
  stop_.store(true);
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::map<long, int> Traffic::by_status() {
  std::lock_guard<std::mutex> lock(mu_);
  return by_status_;
}

std::vector<std::string> Traffic::unexpected() {
  std::lock_guard<std::mutex> lock(mu_);
  return unexpected_;
}

int Traffic::unexpected_count() {
  std::lock_guard<std::mutex> lock(mu_);
  return unexpected_count_;
}

int Traffic::total() {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (const auto& [status, count] : by_status_) n += count;
  return n;
}

std::string FastCgiGet(const std::string& address, const std::string& path) {
  int fd = Connect(address);
  if (fd < 0) return "";
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  auto record = [](char type, const std::string& body) {
    std::string header = {1, type, 0, 1, static_cast<char>(body.size() >> 8),
                          static_cast<char>(body.size() & 0xff), 0, 0};
    return header + body;
  };
  std::string params;
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"REQUEST_METHOD", "GET"}, {"REQUEST_URI", path}, {"SCRIPT_NAME", path}}) {
    params += static_cast<char>(k.size());
    params += static_cast<char>(v.size());
    params += k + v;
  }
  std::string request = record(1, std::string("\0\1\0\0\0\0\0\0", 8)) + record(4, params) +
                        record(4, "") + record(5, "");
  std::string in;
  if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) in.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  std::string out;
  for (size_t pos = 0; pos + 8 <= in.size();) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(in[pos + i]); };
    size_t length = (byte(4) << 8) | byte(5), padding = byte(6);
    if (byte(1) == 6) out += in.substr(pos + 8, length);  // FCGI_STDOUT
    pos += 8 + length + padding;
  }
  return out;
}

}  // namespace flashsale::itest
