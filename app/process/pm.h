// The process manager's decisions, after php-fpm's pm (fpm_process_ctl.c), as pure functions
// of what the master counts; pool.h carries them out.
//
//   static    every slot (`workers`, php-fpm's max_children) runs all the time.
//   dynamic   pm_start_servers at start; once a second (DynamicTick): fewer idle workers than
//             pm_min_spare_servers -> fork min(rate, missing) more, at most `workers` in all,
//             the rate doubling every second this goes on, up to 32, back to 1 otherwise; more
//             idle than pm_max_spare_servers -> retire one idle worker (the one idle longest:
//             it finishes nothing, it is idle), one per second.
//   ondemand  no worker at start. The master watches the listening socket: a connection
//             waiting while no worker is idle -> fork one (OndemandShouldFork), at most one per
//             kOndemandForkPause while the connection keeps waiting. A worker idle for
//             pm_process_idle_timeout exits by itself and is not replaced.
// A worker that is starting (forked, not yet waiting for a connection) counts as idle: it will
// be in a moment, and counting it as missing would fork again and again while it starts.
#pragma once

#include <chrono>
#include <string>

#include "util/config.h"

namespace flashsale::process {

enum class PmMode { kStatic, kDynamic, kOndemand };

struct PmSettings {
  PmMode mode = PmMode::kStatic;
  int max_children = 1;
  int start_servers = 1;
  int min_spare = 1;
  int max_spare = 1;
};

constexpr int kMaxSpawnRate = 32;
constexpr std::chrono::milliseconds kOndemandForkPause{20};

PmSettings PmFrom(const util::Config& config);
const char* PmName(PmMode mode);

// Workers to fork at start.
int InitialWorkers(const PmSettings& pm);

struct DynamicStep {
  int fork = 0;
  bool retire_one = false;
  int next_rate = 1;
  bool at_max_children = false;  // more were needed than max_children allows
};
// `total`: workers alive or about to be forked; `idle`: idle ones (starting ones included).
DynamicStep DynamicTick(const PmSettings& pm, int total, int idle, int rate);

// A connection waits: fork one more?
bool OndemandShouldFork(const PmSettings& pm, int total, int idle);

}  // namespace flashsale::process
