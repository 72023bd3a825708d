#include "process/scoreboard.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

namespace flashsale::process {

static_assert(std::atomic<uint64_t>::is_always_lock_free, "shared counters must be lock-free");
static_assert(std::atomic<uint32_t>::is_always_lock_free, "shared counters must be lock-free");
static_assert(std::atomic<int32_t>::is_always_lock_free, "shared counters must be lock-free");
static_assert(sizeof(pid_t) == sizeof(int32_t), "pid_t is stored in an int32_t");

constexpr size_t kTextWords = (Scoreboard::kMethodBytes + Scoreboard::kRouteBytes) / 8;
static_assert((Scoreboard::kMethodBytes + Scoreboard::kRouteBytes) % 8 == 0, "text is whole words");

// One cache line or two per slot, so workers do not write each other's lines.
struct alignas(64) WorkerSlot {
  std::atomic<int32_t> pid{0};
  std::atomic<uint32_t> seq{0};  // seqlock over state, request times and text
  std::atomic<uint32_t> state{0};
  std::atomic<uint64_t> generation{0};
  std::atomic<uint64_t> spawned_ns{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> request_start_ns{0};
  std::atomic<uint64_t> request_end_ns{0};
  std::atomic<uint64_t> text[kTextWords] = {};  // method (kMethodBytes) then route, NUL-padded
};

struct alignas(64) PoolFields {
  std::atomic<int64_t> start_unix{0};
  std::atomic<uint64_t> start_ns{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> max_active{0};
  std::atomic<uint64_t> max_children_reached{0};
  std::atomic<uint64_t> slow_requests{0};
  std::atomic<uint64_t> respawns{0};
  std::atomic<uint64_t> listen_queue_max{0};
  std::atomic<int32_t> master_pid{0};
};

namespace {

constexpr uint64_t kMagic = 0x666c617368736231ULL;  // "flashsb1"
constexpr uint32_t kVersion = 1;

struct alignas(64) Header {
  uint64_t magic;
  uint32_t version;
  uint32_t slots;
  uint64_t bytes;
};

// A reader retries a slot that is being written this many times before it takes what it has.
constexpr int kReadTries = 64;

Scoreboard* g_self = nullptr;
size_t g_self_slot = 0;
int g_self_listen_fd = -1;

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

size_t PoolOffset() { return RoundUp(sizeof(Header), 64); }
size_t WorkersOffset() { return PoolOffset() + RoundUp(sizeof(PoolFields), 64); }
size_t MetricsOffset(size_t slots) { return RoundUp(WorkersOffset() + slots * sizeof(WorkerSlot), 4096); }
size_t TotalBytes(size_t slots) {
  return RoundUp(MetricsOffset(slots) + Scoreboard::kMetricsAreaBytes, 4096);
}

void FetchMax(std::atomic<uint64_t>& target, uint64_t value) {
  uint64_t seen = target.load(std::memory_order_relaxed);
  while (seen < value && !target.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

// Copies `s` into a field of `width` bytes at `out`, cut and NUL-padded.
void PutText(char* out, size_t width, std::string_view s) {
  size_t n = std::min(s.size(), width);
  if (n > 0) std::memcpy(out, s.data(), n);  // an empty string_view may hold no pointer
  std::memset(out + n, 0, width - n);
}

std::string GetText(const char* in, size_t width) { return std::string(in, strnlen(in, width)); }

}  // namespace

uint64_t MonotonicNs() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

const char* ToString(WorkerState state) {
  switch (state) {
    case WorkerState::kEmpty: return "empty";
    case WorkerState::kStarting: return "starting";
    case WorkerState::kIdle: return "idle";
    case WorkerState::kBusy: return "busy";
    case WorkerState::kExiting: return "exiting";
  }
  return "unknown";
}

Scoreboard::Scoreboard(void* base, size_t bytes, int fd, size_t slots)
    : base_(base), bytes_(bytes), fd_(fd), slots_(slots) {
  char* b = static_cast<char*>(base);
  pool_ = reinterpret_cast<PoolFields*>(b + PoolOffset());
  workers_ = reinterpret_cast<WorkerSlot*>(b + WorkersOffset());
  metrics_area_ = b + MetricsOffset(slots);
}

Scoreboard::~Scoreboard() {
  if (g_self == this) g_self = nullptr;
  munmap(base_, bytes_);
  if (fd_ >= 0) ::close(fd_);
}

std::unique_ptr<Scoreboard> Scoreboard::Map(int fd, size_t bytes, size_t slots, bool fresh) {
  int flags = MAP_SHARED | (fd < 0 ? MAP_ANONYMOUS : 0);
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, fd, 0);
  if (base == MAP_FAILED) return nullptr;
  if (fresh) {
    // The memory is zeroed; the objects are constructed on it all the same.
    new (base) Header{kMagic, kVersion, static_cast<uint32_t>(slots), bytes};
    char* b = static_cast<char*>(base);
    PoolFields* pool = new (b + PoolOffset()) PoolFields();
    WorkerSlot* workers = reinterpret_cast<WorkerSlot*>(b + WorkersOffset());
    for (size_t i = 0; i < slots; ++i) new (&workers[i]) WorkerSlot();
    pool->start_unix.store(static_cast<int64_t>(::time(nullptr)));
    pool->start_ns.store(MonotonicNs());
    pool->master_pid.store(getpid());
  }
  return std::unique_ptr<Scoreboard>(new Scoreboard(base, bytes, fd, slots));
}

std::unique_ptr<Scoreboard> Scoreboard::Create(size_t slots) {
  if (slots == 0 || slots > kMaxSlots) {
    errno = EINVAL;
    return nullptr;
  }
  size_t bytes = TotalBytes(slots);
  // A memfd, so the board can outlive an exec() of the master; an anonymous mapping otherwise.
  int fd = memfd_create("flashsale-scoreboard", MFD_CLOEXEC);
  if (fd >= 0 && ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
    ::close(fd);
    return nullptr;
  }
  std::unique_ptr<Scoreboard> board = Map(fd, bytes, slots, /*fresh=*/true);
  if (!board && fd >= 0) ::close(fd);
  return board;
}

std::unique_ptr<Scoreboard> Scoreboard::Adopt(int fd) {
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0 || static_cast<size_t>(st.st_size) < sizeof(Header)) {
    return nullptr;
  }
  Header h{};
  if (pread(fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h)) return nullptr;
  if (h.magic != kMagic || h.version != kVersion || h.slots == 0 || h.slots > kMaxSlots ||
      h.bytes != TotalBytes(h.slots) || static_cast<size_t>(st.st_size) != h.bytes) {
    return nullptr;
  }
  return Map(fd, h.bytes, h.slots, /*fresh=*/false);
}

// The single writer's side of the seqlock (see the header for who that is).
void Scoreboard::WriteRequest(WorkerSlot& s, WorkerState state, uint64_t start_ns,
                              uint64_t end_ns, std::string_view method, std::string_view route,
                              bool set_text) {
  uint32_t q = s.seq.load(std::memory_order_relaxed);
  uint32_t begin = (q & 1) ? q : q + 1;  // odd: being written (a dead writer may have left it so)
  s.seq.store(begin, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  s.state.store(static_cast<uint32_t>(state), std::memory_order_relaxed);
  s.request_start_ns.store(start_ns, std::memory_order_relaxed);
  s.request_end_ns.store(end_ns, std::memory_order_relaxed);
  if (set_text) {
    char text[kTextWords * 8];
    PutText(text, kMethodBytes, method);
    PutText(text + kMethodBytes, kRouteBytes, route);
    for (size_t i = 0; i < kTextWords; ++i) {
      uint64_t w;
      std::memcpy(&w, text + i * 8, 8);
      s.text[i].store(w, std::memory_order_relaxed);
    }
  }
  s.seq.store(begin + 1, std::memory_order_release);
}

void Scoreboard::Spawning(size_t slot) {
  WorkerSlot& s = workers_[slot];
  s.pid.store(0, std::memory_order_relaxed);
  s.generation.fetch_add(1, std::memory_order_relaxed);
  s.spawned_ns.store(MonotonicNs(), std::memory_order_relaxed);
  s.requests.store(0, std::memory_order_relaxed);
  WriteRequest(s, WorkerState::kStarting, 0, 0, {}, {}, true);
}

void Scoreboard::Spawned(size_t slot, pid_t pid) {
  workers_[slot].pid.store(pid, std::memory_order_release);
}

void Scoreboard::Reaped(size_t slot, bool respawn) {
  WorkerSlot& s = workers_[slot];
  s.pid.store(0, std::memory_order_relaxed);
  WriteRequest(s, WorkerState::kEmpty, 0, 0, {}, {}, true);
  if (respawn) pool_->respawns.fetch_add(1, std::memory_order_relaxed);
}

void Scoreboard::SetMasterPid(pid_t pid) { pool_->master_pid.store(pid); }

void Scoreboard::WorkerIdle(size_t slot) {
  WorkerSlot& s = workers_[slot];
  WriteRequest(s, WorkerState::kIdle, s.request_start_ns.load(std::memory_order_relaxed),
               s.request_end_ns.load(std::memory_order_relaxed), {}, {}, false);
}

void Scoreboard::RequestStarted(size_t slot) {
  WriteRequest(workers_[slot], WorkerState::kBusy, MonotonicNs(), 0, {}, {}, true);
  pool_->accepted.fetch_add(1, std::memory_order_relaxed);
  StateCounts c = Count();
  FetchMax(pool_->max_active, c.busy());
  if (c.idle() == 0) pool_->max_children_reached.fetch_add(1, std::memory_order_relaxed);
}

void Scoreboard::RequestRouted(size_t slot, std::string_view method, std::string_view route) {
  WorkerSlot& s = workers_[slot];
  WriteRequest(s, WorkerState::kBusy, s.request_start_ns.load(std::memory_order_relaxed), 0,
               method, route, true);
}

void Scoreboard::RequestFinished(size_t slot) {
  WorkerSlot& s = workers_[slot];
  s.requests.fetch_add(1, std::memory_order_relaxed);
  WriteRequest(s, WorkerState::kBusy, s.request_start_ns.load(std::memory_order_relaxed),
               MonotonicNs(), {}, {}, false);
}

void Scoreboard::WorkerExiting(size_t slot) {
  WorkerSlot& s = workers_[slot];
  WriteRequest(s, WorkerState::kExiting, s.request_start_ns.load(std::memory_order_relaxed),
               s.request_end_ns.load(std::memory_order_relaxed), {}, {}, false);
}

void Scoreboard::NoteSlowRequest() { pool_->slow_requests.fetch_add(1, std::memory_order_relaxed); }

void Scoreboard::NoteListenQueue(uint64_t length) { FetchMax(pool_->listen_queue_max, length); }

WorkerView Scoreboard::Worker(size_t slot) const {
  const WorkerSlot& s = workers_[slot];
  WorkerView v;
  v.slot = slot;
  v.pid = s.pid.load(std::memory_order_acquire);
  v.generation = s.generation.load(std::memory_order_relaxed);
  v.spawned_ns = s.spawned_ns.load(std::memory_order_relaxed);
  v.requests = s.requests.load(std::memory_order_relaxed);
  char text[kTextWords * 8] = {};
  for (int tries = 0; tries < kReadTries; ++tries) {
    uint32_t q1 = s.seq.load(std::memory_order_acquire);
    uint32_t state = s.state.load(std::memory_order_relaxed);
    uint64_t start = s.request_start_ns.load(std::memory_order_relaxed);
    uint64_t end = s.request_end_ns.load(std::memory_order_relaxed);
    for (size_t i = 0; i < kTextWords; ++i) {
      uint64_t w = s.text[i].load(std::memory_order_relaxed);
      std::memcpy(text + i * 8, &w, 8);
    }
    std::atomic_thread_fence(std::memory_order_acquire);
    uint32_t q2 = s.seq.load(std::memory_order_relaxed);
    v.state = state < kWorkerStates ? static_cast<WorkerState>(state) : WorkerState::kEmpty;
    if ((q1 & 1) == 0 && q1 == q2) {
      v.request_start_ns = start;
      v.request_end_ns = end;
      v.method = GetText(text, kMethodBytes);
      v.route = GetText(text + kMethodBytes, kRouteBytes);
      return v;
    }
    sched_yield();
  }
  return v;  // still being written (or its writer died mid-write): the state alone
}

StateCounts Scoreboard::Count() const {
  StateCounts c;
  for (size_t i = 0; i < slots_; ++i) {
    uint32_t state = workers_[i].state.load(std::memory_order_relaxed);
    if (state < kWorkerStates) ++c.by_state[state];
  }
  return c;
}

PoolView Scoreboard::Pool() const {
  PoolView p;
  p.start_unix = pool_->start_unix.load(std::memory_order_relaxed);
  p.start_ns = pool_->start_ns.load(std::memory_order_relaxed);
  p.accepted = pool_->accepted.load(std::memory_order_relaxed);
  p.max_active = pool_->max_active.load(std::memory_order_relaxed);
  p.max_children_reached = pool_->max_children_reached.load(std::memory_order_relaxed);
  p.slow_requests = pool_->slow_requests.load(std::memory_order_relaxed);
  p.respawns = pool_->respawns.load(std::memory_order_relaxed);
  p.listen_queue_max = pool_->listen_queue_max.load(std::memory_order_relaxed);
  p.master_pid = pool_->master_pid.load(std::memory_order_relaxed);
  return p;
}

void Scoreboard::BindSelf(Scoreboard* board, size_t slot, int listen_fd) {
  g_self = board;
  g_self_slot = slot;
  g_self_listen_fd = listen_fd;
}

Scoreboard* Scoreboard::Self() { return g_self; }
size_t Scoreboard::SelfSlot() { return g_self_slot; }
int Scoreboard::SelfListenFd() { return g_self_listen_fd; }

}  // namespace flashsale::process
