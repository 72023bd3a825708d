// What the pool tests (tests/integration/pool_*_test.cc) look at from outside the pool: its
// processes in /proc, its log, its socket, and traffic that records every answer; plus the
// scoped pool settings and fault points they run with.
//
// Everything here may be called from the test's main thread only, except Traffic's threads.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api.h"
#include "test_stack.h"

namespace flashsale::itest {

// 'R', 'S', 'T' (stopped), 'Z'...; '?' when the process is gone.
char ProcessState(pid_t pid);
bool Alive(pid_t pid);  // exists and is not a zombie
// /proc/<pid>/cmdline with the NULs between arguments as spaces (trailing ones dropped), and
// /proc/<pid>/comm without its newline.
std::string Cmdline(pid_t pid);
std::string Comm(pid_t pid);
// st_ino of `path` (stat follows links, so /proc/<pid>/exe gives the binary's inode); 0 if none.
ino_t InodeOf(const std::string& path);

// The pool's log ($VAR/log/flashsale.log): its size now, and what was written after `offset`.
size_t PoolLogSize();
std::string PoolLogSince(size_t offset);
// Waits up to `timeout_ms` for `text` in the pool's log after `offset`.
bool WaitForPoolLog(size_t offset, const std::string& text, int64_t timeout_ms);

// Where the binaries under test are (FLASHSALE_BIN_DIR, else build/bin), absolute.
std::string BinaryDir();

// Restarts the pool with `env` for the scope, and with the defaults again at its end (even when
// the test failed).
class ScopedPool {
 public:
  explicit ScopedPool(const EnvOverrides& env);
  ~ScopedPool();
  ScopedPool(const ScopedPool&) = delete;
  ScopedPool& operator=(const ScopedPool&) = delete;
};

// Fault points (app/util/fault_point.h) in $VAR/run/faults: start the pool with
// {"FLASHSALE_FAULT_DIR", FaultDir()}, Arm a point, wait for the worker that stopped there.
std::string FaultDir();
void Arm(const std::string& point);
pid_t WaitForStoppedChildOf(pid_t master, int64_t timeout_ms);

// Client threads sending holds (even threads) and product reads (odd ones) in a loop until
// stopped. Every answer is counted by status; an answer that is not `expected` or whose body is
// not JSON is kept for the report.
class Traffic {
 public:
  Traffic(const Api& api, int64_t product, int threads, std::vector<long> expected = {200, 201});
  ~Traffic();
  void Stop();
  std::map<long, int> by_status();
  std::vector<std::string> unexpected();  // Describe() of each, at most 20
  int unexpected_count();
  int total();

 private:
  std::vector<long> expected_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::map<long, int> by_status_;
  std::vector<std::string> unexpected_;
  int unexpected_count_ = 0;
};

// One FastCGI request `GET path` straight to a pool at `address` ("/unix/path" or
// "127.0.0.1:port"), as nginx sends it. Returns the responder's stdout ("Status: ...\r\n...
// body"), or "" when the pool closed the connection without answering or nobody listens.
std::string FastCgiGet(const std::string& address, const std::string& path);

}  // namespace flashsale::itest
