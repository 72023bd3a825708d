#include "util/fault_point.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace flashsale::util {

void FaultPoint(const char* name) {
  static const char* dir = [] {
    const char* v = std::getenv("FLASHSALE_FAULT_DIR");
    return (v != nullptr && *v != '\0') ? v : nullptr;
  }();
  if (dir == nullptr) return;
  // unlink() succeeds for one process only: that one stops.
  if (::unlink((std::string(dir) + "/" + name).c_str()) == 0) raise(SIGSTOP);
}

}  // namespace flashsale::util
