#include "process/pm.h"

#include <algorithm>

namespace flashsale::process {

PmSettings PmFrom(const util::Config& c) {
  PmSettings pm;
  pm.mode = c.pm == "dynamic" ? PmMode::kDynamic : c.pm == "ondemand" ? PmMode::kOndemand : PmMode::kStatic;
  pm.max_children = c.EffectiveWorkers();
  pm.start_servers = c.EffectiveStartServers();
  pm.min_spare = c.pm_min_spare_servers;
  pm.max_spare = c.pm_max_spare_servers;
  return pm;
}

const char* PmName(PmMode mode) {
  switch (mode) {
    case PmMode::kStatic: return "static";
    case PmMode::kDynamic: return "dynamic";
    case PmMode::kOndemand: return "ondemand";
  }
  return "?";
}

int InitialWorkers(const PmSettings& pm) {
  switch (pm.mode) {
    case PmMode::kStatic: return pm.max_children;
    case PmMode::kDynamic: return std::min(pm.start_servers, pm.max_children);
    case PmMode::kOndemand: return 0;
  }
  return 0;
}

DynamicStep DynamicTick(const PmSettings& pm, int total, int idle, int rate) {
  DynamicStep step;
  if (idle > pm.max_spare) {
    step.retire_one = true;
    return step;
  }
  if (idle >= pm.min_spare) return step;
  if (total >= pm.max_children) {
    step.at_max_children = true;
    return step;
  }
  step.fork = std::min({rate, pm.min_spare - idle, pm.max_children - total});
  step.next_rate = std::min(rate * 2, kMaxSpawnRate);
  return step;
}

bool OndemandShouldFork(const PmSettings& pm, int total, int idle) {
  return idle == 0 && total < pm.max_children;
}

}  // namespace flashsale::process
