// CutProxy: a byte-for-byte TCP proxy on loopback, run on a thread of the test process, between
// a pool and the stack's Redis (a unix socket), that a test can cut: the pool's host is then
// cut off from Redis while everything else still reaches it.
//
// Cut() closes every connection and answers new ones by closing them at once (a client sees
// its connection reset or closed, as across a broken link); Restore() forwards again.
//
// Thread-safe: the test's thread cuts and restores while the proxy thread forwards.
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace flashsale::itest {

class CutProxy {
 public:
  // Listens on 127.0.0.1 (a free port) and connects each client to the unix socket `upstream`.
  // Throws std::runtime_error when it cannot listen.
  explicit CutProxy(std::string upstream);
  ~CutProxy();
  CutProxy(const CutProxy&) = delete;
  CutProxy& operator=(const CutProxy&) = delete;

  int port() const { return port_; }
  void Cut() { cut_ = true; }
  void Restore() { cut_ = false; }
  int refused() const { return refused_.load(); }  // connections closed at once while cut

 private:
  void Loop();

  std::string upstream_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> cut_{false};
  std::atomic<int> refused_{0};
};

}  // namespace flashsale::itest
