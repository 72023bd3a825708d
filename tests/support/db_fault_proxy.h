// DbFaultProxy: a MariaDB protocol proxy between the pool and the stack's MariaDB, run on a
// thread of the test process, that breaks connections at the instant a test chooses.
//
// The pool is pointed at it with FLASHSALE_DB_SOCKET. It forwards bytes both ways, reading the
// client's stream packet by packet (3-byte length, sequence number, payload) so it can see each
// command. Armed, it cuts the connection when the next COM_QUERY whose text starts with a given
// prefix goes by:
//   kBeforeForward  the server never sees it (a COMMIT that never happened: rolled back);
//   kAfterReply     the server runs it and answers, the answer is dropped (a COMMIT that
//                   happened, but the client cannot know).
// Either way the client sees its connection die after sending: an unknown outcome.
// CloseAll() closes every connection as a restarting server would; RefuseNew(code) answers new
// connections with an error packet instead of the greeting, as MariaDB does when it has too many
// connections (1040).
//
// Thread-safe: the test's thread arms and queries it while the proxy thread forwards.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace flashsale::itest {

class DbFaultProxy {
 public:
  enum class Cut { kBeforeForward, kAfterReply };

  // Listens on `listen_path` (a unix socket, replaced if present) and connects each client to
  // `upstream_path`. Throws std::runtime_error when it cannot listen.
  DbFaultProxy(std::string listen_path, std::string upstream_path);
  ~DbFaultProxy();
  DbFaultProxy(const DbFaultProxy&) = delete;
  DbFaultProxy& operator=(const DbFaultProxy&) = delete;

  const std::string& path() const { return listen_path_; }

  // The next COM_QUERY starting with `prefix` (case-insensitive, leading blanks ignored) on any
  // connection is cut `when`. One cut per call.
  void ArmCut(const std::string& prefix, Cut when);
  void Disarm();
  int cuts() const { return cuts_.load(); }
  // Queries seen so far whose text starts with `prefix` (case-insensitive).
  int Seen(const std::string& prefix) const;

  void CloseAll();
  void RefuseNew(int error_code);  // 0: accept again

 private:
  struct Conn;
  void Loop();
  void Wake();

  std::string listen_path_;
  std::string upstream_path_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> cuts_{0};

  mutable std::mutex mu_;  // guards everything below
  std::string armed_prefix_;
  Cut armed_when_ = Cut::kBeforeForward;
  bool armed_ = false;
  bool close_all_ = false;
  int refuse_code_ = 0;
  std::vector<std::string> seen_;  // upper-cased heads of the last queries (bounded)
};

}  // namespace flashsale::itest
