#include "process/proctitle.h"

#include <sys/prctl.h>

#include <algorithm>
#include <cstring>

extern char** environ;

namespace flashsale::process {
namespace {

std::vector<std::string> g_argv;
char* g_argv_start = nullptr;
char* g_argv_end = nullptr;  // one past the last byte of argv's strings
char* g_area_end = nullptr;  // one past the last byte of the environment strings that follow
bool g_area_used = false;     // a title ran on over the environment strings

}  // namespace

void InitProcTitle(int argc, char** argv) {
  g_argv.assign(argv, argv + argc);
  if (argc == 0) return;
  g_argv_start = argv[0];
  // argv's strings lie back to back; the area ends where a string does not follow the previous.
  char* end = argv[0] + std::strlen(argv[0]) + 1;
  for (int i = 1; i < argc && argv[i] == end; ++i) end = argv[i] + std::strlen(argv[i]) + 1;
  g_argv_end = end;
  // The environment strings usually follow; move them to the heap so their bytes can be used.
  size_t count = 0;
  while (environ != nullptr && environ[count] != nullptr) ++count;
  char* area_end = end;
  for (size_t i = 0; i < count && environ[i] == area_end; ++i) {
    area_end = environ[i] + std::strlen(environ[i]) + 1;
  }
  g_area_end = area_end;
  if (area_end == end) return;
  char** copy = new char*[count + 1];
  for (size_t i = 0; i < count; ++i) copy[i] = strdup(environ[i]);
  copy[count] = nullptr;
  environ = copy;  // never freed: it is the process's environment from now on
}

const std::vector<std::string>& OriginalArgv() { return g_argv; }

void SetProcTitle(const std::string& title, const std::string& comm) {
  prctl(PR_SET_NAME, comm.substr(0, 15).c_str(), 0, 0, 0);
  if (g_argv_start == nullptr) return;
  // The environment area only when argv's own is too small (see proctitle.h).
  bool fits = title.size() < static_cast<size_t>(g_argv_end - g_argv_start);
  // A worker inherits the master's title: clear all of what the master wrote.
  char* end = (fits && !g_area_used) ? g_argv_end : g_area_end;
  g_area_used = g_area_used || !fits;
  size_t room = static_cast<size_t>(end - g_argv_start) - 1;
  size_t n = std::min(title.size(), room);
  std::memcpy(g_argv_start, title.data(), n);
  std::memset(g_argv_start + n, '\0', static_cast<size_t>(end - g_argv_start) - n);
}

}  // namespace flashsale::process
