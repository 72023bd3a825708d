// Fault points: named places where a test can stop a process on purpose.
//
// The races that matter most (a worker dying between COMMIT and the cache invalidation, a
// reader pausing between its database read and its cache fill) last microseconds; load finds
// them by luck. A test sets FLASHSALE_FAULT_STOP=<name>[,<name>...] in a process's environment,
// and the process stops itself with SIGSTOP each time it reaches one of those points; the test
// sees it stopped (state T in /proc), does what it wants meanwhile (a write, a FLUSHALL, a
// SIGKILL), then sends SIGCONT or not.
//
// Only the environment enables it (never the config file); unset, a fault point costs one test
// of a bool.
#pragma once

namespace flashsale::util {

// Stops the calling process (SIGSTOP) when FLASHSALE_FAULT_STOP names `name`.
void FaultPoint(const char* name);

}  // namespace flashsale::util
