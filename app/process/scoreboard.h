// Scoreboard: the pool's shared memory. One record per worker slot plus pool-wide counters,
// mapped by the master before its first fork() and inherited by every worker, so any process of
// the pool (the master, a worker answering GET /status) sees every worker's state at once.
//
// DESIGN
// Lock-free: every field is a std::atomic of a lock-free type (an address-free operation on
// shared memory). No process ever waits for another, so a worker killed at any instruction
// cannot block the others or the master.
//   - Counters only go up (fetch_add), maxima move with a compare-and-swap loop.
//   - A slot's "current request" (state, start and end times, method, route) is written by one
//     process at a time and read under a seqlock: the writer makes the sequence odd, stores the
//     words, makes it even again; a reader retries while it is odd or moved, and gives up after a
//     bounded number of tries (a writer killed mid-write leaves it odd until the master clears
//     the slot). The text is stored in atomic 64-bit words, so readers never see torn text and
//     the program has no data race.
//   - Who writes a slot: the master while no worker owns it (Spawning before fork(), Reaped after
//     waitpid()), the slot's worker in between. Only the pid is written by the master while the
//     worker runs (Spawned, right after fork()), and it is a field of its own.
// Times are CLOCK_MONOTONIC nanoseconds (MonotonicNs): one clock for every process of the host.
//
// The mapping is a memfd: the master may keep it across an exec() of itself (fd(), clear its
// close-on-exec flag, then Adopt() in the new image) so counters survive a reload. Its layout is
// versioned; Adopt() refuses a board of another layout.
//
// The last part of the mapping is an opaque area for the metrics registry (app/metrics/), so the
// whole shared state of the pool is one mapping.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace flashsale::process {

// CLOCK_MONOTONIC in nanoseconds.
uint64_t MonotonicNs();

enum class WorkerState : uint32_t {
  kEmpty = 0,     // no process in the slot (not started yet, reaped, or waiting for a respawn)
  kStarting = 1,  // forked, not yet accepting
  kIdle = 2,      // waiting in accept()
  kBusy = 3,      // serving a request
  kExiting = 4,   // left its accept loop, about to exit
};
constexpr int kWorkerStates = 5;
// "empty", "starting", "idle", "busy", "exiting".
const char* ToString(WorkerState state);

// What a reader sees of one slot.
struct WorkerView {
  size_t slot = 0;
  pid_t pid = 0;                // 0 when empty (or between fork() and Spawned)
  WorkerState state = WorkerState::kEmpty;
  uint64_t generation = 0;      // processes started in this slot so far (1 for the first)
  uint64_t spawned_ns = 0;      // monotonic: when the master forked it
  uint64_t requests = 0;        // requests this process finished
  // The current request while busy, else the last one (php-fpm's status page shows the same).
  // request_end_ns is 0 while it runs; all three are 0 before the first request.
  uint64_t request_start_ns = 0;
  uint64_t request_end_ns = 0;
  std::string method;           // e.g. "GET"; empty until routed
  std::string route;            // the route template, e.g. "/api/holds/{id}"
};

struct StateCounts {
  uint32_t by_state[kWorkerStates] = {};
  uint32_t Of(WorkerState s) const { return by_state[static_cast<int>(s)]; }
  uint32_t idle() const { return Of(WorkerState::kIdle); }
  uint32_t busy() const { return Of(WorkerState::kBusy); }
  // Processes in slots: starting, idle, busy or exiting.
  uint32_t processes() const { return by_state[1] + by_state[2] + by_state[3] + by_state[4]; }
};

// Pool-wide fields, as read.
struct PoolView {
  int64_t start_unix = 0;           // wall clock, seconds: when the board was created
  uint64_t start_ns = 0;            // monotonic
  uint64_t accepted = 0;            // requests accepted by all workers
  uint64_t max_active = 0;          // most workers busy at once
  uint64_t max_children_reached = 0;  // requests that took the last idle worker (pool full)
  uint64_t slow_requests = 0;       // NoteSlowRequest() calls
  uint64_t respawns = 0;            // workers replaced after dying unasked (Reaped(.., true))
  uint64_t listen_queue_max = 0;    // largest listen queue any reader measured (NoteListenQueue)
  pid_t master_pid = 0;
};

struct WorkerSlot;
struct PoolFields;

class Scoreboard {
 public:
  static constexpr size_t kMaxSlots = 4096;
  static constexpr size_t kMethodBytes = 8;   // longer methods are cut
  static constexpr size_t kRouteBytes = 56;   // longer routes are cut
  static constexpr size_t kMetricsAreaBytes = size_t{1} << 20;

  // A fresh board for `slots` workers (the most the pool may run at once), start time now,
  // master_pid getpid(). nullptr (and errno) when the memory cannot be had.
  static std::unique_ptr<Scoreboard> Create(size_t slots);
  // The board behind `fd` (from fd() of a board created by this layout, e.g. before an exec()).
  // nullptr when it is not one. The fd is kept open; the board closes it.
  static std::unique_ptr<Scoreboard> Adopt(int fd);

  ~Scoreboard();
  Scoreboard(const Scoreboard&) = delete;
  Scoreboard& operator=(const Scoreboard&) = delete;

  int fd() const { return fd_; }
  size_t size() const { return slots_; }

  // ---- Master. Slots are indexes 0 .. size()-1.
  // Before fork(): the slot gets a new generation and state starting, its request fields cleared.
  void Spawning(size_t slot);
  // After fork() in the parent.
  void Spawned(size_t slot, pid_t pid);
  // After waitpid() (or a failed fork()): the slot is empty. `respawn`: the worker died without
  // being asked to and the master replaces it (counted in respawns).
  void Reaped(size_t slot, bool respawn);
  // The master's pid (Create sets the creator's; a re-executed master keeps its pid anyway).
  void SetMasterPid(pid_t pid);

  // ---- The worker of `slot` (its own slot only).
  // Ready, or back from a request: waiting in accept().
  void WorkerIdle(size_t slot);
  // accept() returned a request: busy from now, counted in accepted, max_active and, when no
  // other worker is idle, max_children_reached. Method and route stay empty until routed.
  void RequestStarted(size_t slot);
  // The router has matched: what the request is (the route template, not the path).
  void RequestRouted(size_t slot, std::string_view method, std::string_view route);
  // The answer went out: requests served + 1, end time set. The state stays busy until
  // WorkerIdle (the worker may still do work between the two, e.g. exit after N requests).
  void RequestFinished(size_t slot);
  // Left the accept loop.
  void WorkerExiting(size_t slot);

  // ---- Anyone.
  void NoteSlowRequest();
  // A measured listen queue length: keeps the maximum.
  void NoteListenQueue(uint64_t length);

  WorkerView Worker(size_t slot) const;
  StateCounts Count() const;
  PoolView Pool() const;

  // The metrics registry's area (kMetricsAreaBytes, zeroed at Create, suitably aligned).
  void* metrics_area() const { return metrics_area_; }

  // The calling process's own board and slot, set once by a worker after fork(), so code deep in
  // the request path (app/metrics) can annotate its slot. Self() is nullptr in the master, in the
  // other binaries and in tests. `listen_fd`: the pool's listening socket, whose queue GET /status
  // reports (-1: unknown).
  static void BindSelf(Scoreboard* board, size_t slot, int listen_fd = -1);
  static Scoreboard* Self();
  static size_t SelfSlot();
  static int SelfListenFd();

 private:
  Scoreboard(void* base, size_t bytes, int fd, size_t slots);
  static std::unique_ptr<Scoreboard> Map(int fd, size_t bytes, size_t slots, bool fresh);
  void WriteRequest(WorkerSlot& s, WorkerState state, uint64_t start_ns, uint64_t end_ns,
                    std::string_view method, std::string_view route, bool set_text);

  void* base_;
  size_t bytes_;
  int fd_;
  size_t slots_;
  PoolFields* pool_;
  WorkerSlot* workers_;
  void* metrics_area_;
};

}  // namespace flashsale::process
