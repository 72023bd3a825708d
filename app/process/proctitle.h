// Process titles: what `ps -o args` and `ps -o comm` show for the master and the workers.
//
// DESIGN (after nginx's ngx_setproctitle and php-fpm's fpm_env.c)
// /proc/<pid>/cmdline is the memory that held argv. A title is written over argv's strings,
// padded with NULs. A title longer than that area (a short command line: `flashsale-fcgi` alone,
// as in the container) runs on over the environment strings that follow argv in memory, which
// InitProcTitle has first copied to the heap (environ then points at the copies, so getenv,
// setenv and a re-exec keep working); only then /proc/<pid>/environ stops showing the
// environment, as with nginx and php-fpm. The comm name (`ps -o comm`, 15 characters) is set
// with prctl(PR_SET_NAME).
//
// OriginalArgv() keeps the command line as it was, for the re-exec of a reload.
#pragma once

#include <string>
#include <vector>

namespace flashsale::process {

// Call first thing in main(), before anything keeps a pointer into argv or environ.
void InitProcTitle(int argc, char** argv);

const std::vector<std::string>& OriginalArgv();

// `title` for ps -o args (cut to the space available), `comm` for ps -o comm (cut to 15 bytes).
void SetProcTitle(const std::string& title, const std::string& comm);

}  // namespace flashsale::process
