#include "metrics/status.h"

#include <json/value.h>

#include "util/json.h"
#include "util/time_format.h"

namespace flashsale::metrics {
namespace {

// Integers only: util::WriteJson writes every real number as money.
Json::Value UInt(uint64_t v) { return Json::Value(static_cast<Json::UInt64>(v)); }
Json::Value Maybe(const std::optional<uint64_t>& v) { return v ? UInt(*v) : Json::Value(); }

uint64_t Since(uint64_t now_ns, uint64_t then_ns) { return now_ns > then_ns ? now_ns - then_ns : 0; }

Json::Value WorkerJson(const process::WorkerView& w, uint64_t now_ns) {
  bool empty = w.state == process::WorkerState::kEmpty;
  Json::Value o(Json::objectValue);
  o["slot"] = UInt(w.slot);
  o["pid"] = empty || w.pid <= 0 ? Json::Value() : Json::Value(static_cast<Json::Int>(w.pid));
  o["state"] = process::ToString(w.state);
  o["start_since"] = empty ? Json::Value() : UInt(Since(now_ns, w.spawned_ns) / 1000000000ULL);
  o["requests"] = UInt(w.requests);
  bool has_request = w.request_start_ns != 0;
  o["request_method"] = has_request && !w.method.empty() ? Json::Value(w.method) : Json::Value();
  o["request_route"] = has_request && !w.route.empty() ? Json::Value(w.route) : Json::Value();
  uint64_t end = w.request_end_ns != 0 ? w.request_end_ns : now_ns;
  o["request_duration_us"] = has_request ? UInt(Since(end, w.request_start_ns) / 1000) : Json::Value();
  return o;
}

}  // namespace

PoolState ReadPoolState(process::Scoreboard& board, int listen_fd) {
  PoolState s;
  s.queue = ReadListenQueue(listen_fd);
  if (s.queue.length) board.NoteListenQueue(*s.queue.length);
  s.now_ns = process::MonotonicNs();
  s.pool = board.Pool();
  s.counts = board.Count();
  s.workers.reserve(board.size());
  for (size_t i = 0; i < board.size(); ++i) s.workers.push_back(board.Worker(i));
  return s;
}

std::string StatusJson(const PoolState& s, bool full) {
  Json::Value o(Json::objectValue);
  o["pool"] = "flashsale";
  o["master_pid"] = static_cast<Json::Int>(s.pool.master_pid);
  o["start_time"] = util::FormatRfc3339(s.pool.start_unix * 1000);
  o["start_since"] = UInt(Since(s.now_ns, s.pool.start_ns) / 1000000000ULL);
  o["accepted_requests"] = UInt(s.pool.accepted);
  o["listen_queue"] = Maybe(s.queue.length);
  o["max_listen_queue"] = UInt(s.pool.listen_queue_max);
  o["listen_queue_len"] = Maybe(s.queue.limit);
  o["idle_workers"] = UInt(s.counts.idle());
  o["active_workers"] = UInt(s.counts.busy());
  o["total_workers"] = UInt(s.counts.processes());
  o["max_workers"] = UInt(s.workers.size());
  o["max_active_workers"] = UInt(s.pool.max_active);
  o["max_children_reached"] = UInt(s.pool.max_children_reached);
  o["slow_requests"] = UInt(s.pool.slow_requests);
  o["worker_respawns"] = UInt(s.pool.respawns);
  if (full) {
    Json::Value workers(Json::arrayValue);
    for (const process::WorkerView& w : s.workers) workers.append(WorkerJson(w, s.now_ns));
    o["workers"] = workers;
  }
  return util::WriteJson(o);
}

}  // namespace flashsale::metrics
