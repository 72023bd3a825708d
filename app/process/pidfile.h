// The master's pidfile (pid_file): written once it listens, rewritten by the new image of a
// reload (same pid), removed when it stops, and only if it still names this process (a newer
// pool may have taken the path).
#pragma once

#include <string>

namespace flashsale::process {

// Writes "<pid>\n" to `path` atomically (a temporary file renamed over it). False on failure.
bool WritePidFile(const std::string& path);

// Removes `path` if it holds this process's pid.
void RemovePidFile(const std::string& path);

}  // namespace flashsale::process
