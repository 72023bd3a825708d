#include "process/scoreboard.h"

#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <ostream>
#include <string>
#include <thread>

namespace flashsale::process {
// Boost.Test prints values that differ.
std::ostream& operator<<(std::ostream& os, WorkerState s) { return os << ToString(s); }
}  // namespace flashsale::process

using flashsale::process::Scoreboard;
using flashsale::process::WorkerState;
using flashsale::process::WorkerView;

BOOST_AUTO_TEST_SUITE(scoreboard)

BOOST_AUTO_TEST_CASE(a_slot_goes_through_its_states) {
  auto board = Scoreboard::Create(3);
  BOOST_REQUIRE(board);
  BOOST_TEST(board->size() == 3u);
  BOOST_TEST(board->Count().processes() == 0u);
  BOOST_TEST(board->Pool().master_pid == getpid());

  board->Spawning(1);
  BOOST_TEST(board->Worker(1).state == WorkerState::kStarting);
  BOOST_TEST(board->Worker(1).generation == 1u);
  board->Spawned(1, 4242);
  board->WorkerIdle(1);
  WorkerView v = board->Worker(1);
  BOOST_TEST(v.pid == 4242);
  BOOST_TEST(v.state == WorkerState::kIdle);
  BOOST_TEST(board->Count().idle() == 1u);

  board->RequestStarted(1);
  board->RequestRouted(1, "DELETE", "/api/holds/{id}");
  v = board->Worker(1);
  BOOST_TEST(v.state == WorkerState::kBusy);
  BOOST_TEST(v.method == "DELETE");
  BOOST_TEST(v.route == "/api/holds/{id}");
  BOOST_TEST(v.request_start_ns > 0u);
  BOOST_TEST(v.request_end_ns == 0u);
  BOOST_TEST(v.requests == 0u);

  board->RequestFinished(1);
  board->WorkerIdle(1);
  v = board->Worker(1);
  BOOST_TEST(v.state == WorkerState::kIdle);
  BOOST_TEST(v.requests == 1u);
  BOOST_TEST(v.route == "/api/holds/{id}");  // the last request stays visible while idle
  BOOST_TEST(v.request_end_ns >= v.request_start_ns);

  board->WorkerExiting(1);
  BOOST_TEST(board->Worker(1).state == WorkerState::kExiting);
  board->Reaped(1, /*respawn=*/true);
  v = board->Worker(1);
  BOOST_TEST(v.state == WorkerState::kEmpty);
  BOOST_TEST(v.pid == 0);
  BOOST_TEST(v.route.empty());
  BOOST_TEST(board->Pool().respawns == 1u);
  board->Spawning(1);
  BOOST_TEST(board->Worker(1).generation == 2u);
  BOOST_TEST(board->Worker(1).requests == 0u);
}

BOOST_AUTO_TEST_CASE(pool_counters) {
  auto board = Scoreboard::Create(2);
  BOOST_REQUIRE(board);
  for (size_t i = 0; i < 2; ++i) {
    board->Spawning(i);
    board->WorkerIdle(i);
  }
  board->RequestStarted(0);  // one idle worker left
  BOOST_TEST(board->Pool().max_children_reached == 0u);
  board->RequestStarted(1);  // took the last idle worker
  auto pool = board->Pool();
  BOOST_TEST(pool.accepted == 2u);
  BOOST_TEST(pool.max_active == 2u);
  BOOST_TEST(pool.max_children_reached == 1u);
  board->RequestFinished(0);
  board->WorkerIdle(0);
  board->RequestStarted(0);
  BOOST_TEST(board->Pool().max_children_reached == 2u);
  BOOST_TEST(board->Pool().max_active == 2u);
  board->NoteSlowRequest();
  board->NoteListenQueue(5);
  board->NoteListenQueue(3);
  BOOST_TEST(board->Pool().slow_requests == 1u);
  BOOST_TEST(board->Pool().listen_queue_max == 5u);
  board->Reaped(0, /*respawn=*/false);
  BOOST_TEST(board->Pool().respawns == 0u);
}

BOOST_AUTO_TEST_CASE(long_text_is_cut) {
  auto board = Scoreboard::Create(1);
  BOOST_REQUIRE(board);
  board->Spawning(0);
  board->RequestStarted(0);
  std::string route(200, 'r');
  board->RequestRouted(0, "VERYLONGMETHOD", route);
  WorkerView v = board->Worker(0);
  BOOST_TEST(v.method == "VERYLONG");
  BOOST_TEST(v.route == std::string(Scoreboard::kRouteBytes, 'r'));
}

BOOST_AUTO_TEST_CASE(a_forked_worker_writes_what_the_parent_reads) {
  auto board = Scoreboard::Create(2);
  BOOST_REQUIRE(board);
  board->Spawning(1);
  pid_t pid = fork();
  if (pid == 0) {
    board->WorkerIdle(1);
    board->RequestStarted(1);
    board->RequestRouted(1, "POST", "/api/holds");
    _exit(0);
  }
  BOOST_REQUIRE(pid > 0);
  board->Spawned(1, pid);
  int status = 0;
  waitpid(pid, &status, 0);
  WorkerView v = board->Worker(1);
  BOOST_TEST(v.pid == pid);
  BOOST_TEST(v.state == WorkerState::kBusy);
  BOOST_TEST(v.route == "/api/holds");
  BOOST_TEST(board->Pool().accepted == 1u);
}

BOOST_AUTO_TEST_CASE(readers_never_see_torn_text) {
  auto board = Scoreboard::Create(1);
  BOOST_REQUIRE(board);
  board->Spawning(0);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    const std::string a(Scoreboard::kRouteBytes, 'a'), b(Scoreboard::kRouteBytes, 'b');
    for (int i = 0; !stop.load(); ++i) {
      board->RequestRouted(0, i % 2 ? "GET" : "PATCH", i % 2 ? a : b);
      // Gaps between writes, as a worker has: without them a reader never finds the text still.
      std::this_thread::yield();
    }
  });
  // 200000 reads while the writer writes, and on until one of them was whole (bounded: a loaded
  // machine may take a while), counting the torn ones.
  int torn = 0, read = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int attempts = 0; (attempts < 200000 || read == 0) && std::chrono::steady_clock::now() < deadline;
       ++attempts) {
    WorkerView v = board->Worker(0);
    if (v.route.empty()) continue;  // gave up while the writer kept writing: allowed
    ++read;
    bool is_a = v.method == "GET" && v.route == std::string(Scoreboard::kRouteBytes, 'a');
    bool is_b = v.method == "PATCH" && v.route == std::string(Scoreboard::kRouteBytes, 'b');
    if (!is_a && !is_b) ++torn;
  }
  stop = true;
  writer.join();
  BOOST_TEST(torn == 0);
  BOOST_TEST(read > 0);
}

BOOST_AUTO_TEST_CASE(adopt_takes_only_a_board) {
  auto board = Scoreboard::Create(4);
  BOOST_REQUIRE(board);
  BOOST_REQUIRE(board->fd() >= 0);
  board->Spawning(2);
  board->RequestStarted(2);
  int copy = dup(board->fd());
  auto again = Scoreboard::Adopt(copy);
  BOOST_REQUIRE(again);
  BOOST_TEST(again->size() == 4u);
  BOOST_TEST(again->Pool().accepted == 1u);
  BOOST_TEST(again->Worker(2).state == WorkerState::kBusy);

  int pipefd[2];
  BOOST_REQUIRE(pipe(pipefd) == 0);
  BOOST_TEST(!Scoreboard::Adopt(pipefd[0]));
  close(pipefd[0]);
  close(pipefd[1]);
  BOOST_TEST(!Scoreboard::Create(0));
}

BOOST_AUTO_TEST_SUITE_END()
