#include "util/fault_point.h"

#include <signal.h>

#include <cstdlib>
#include <string>

namespace flashsale::util {
namespace {

// Read once per process, at the first fault point reached (after fork, so each worker reads
// the environment it was started with).
const std::string* Armed() {
  static const std::string* armed = [] {
    const char* v = std::getenv("FLASHSALE_FAULT_STOP");
    return (v != nullptr && *v != '\0') ? new std::string("," + std::string(v) + ",") : nullptr;
  }();
  return armed;
}

}  // namespace

void FaultPoint(const char* name) {
  const std::string* armed = Armed();
  if (armed == nullptr) return;
  if (armed->find("," + std::string(name) + ",") == std::string::npos) return;
  raise(SIGSTOP);
}

}  // namespace flashsale::util
