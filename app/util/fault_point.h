// Fault points: named places where a test can stop a process on purpose.
//
// The races that matter most (a worker dying between COMMIT and its cache invalidation, a
// reader pausing between its database read and its cache fill) last microseconds; load finds
// them only by luck. A test starts the pool with FLASHSALE_FAULT_DIR=<dir> and arms a point by
// creating the file <dir>/<name>. The first process to reach the point removes the file (so
// exactly one process stops per arming) and stops itself with SIGSTOP; the test sees it stopped
// (state T in /proc), does what it wants meanwhile (a write, a FLUSHALL, a SIGKILL), then sends
// SIGCONT or not.
//
// Only the environment enables it, never the config file; unset, a fault point costs one test of
// a bool.
#pragma once

namespace flashsale::util {

// Stops the calling process (SIGSTOP) if the point `name` is armed.
void FaultPoint(const char* name);

}  // namespace flashsale::util
