// bench-fcgi-ceiling: the cheapest possible FastCGI responder, built from the same libfcgi and
// shaped like the service's pool (a parent opens the socket with FCGX_OpenSocket and forks N
// prefork children, each running an FCGX_Accept_r loop). Behind the same nginx it measures what
// the path nginx -> unix socket -> libfcgi costs when the handler does no work at all: the
// ceiling `make bench` compares the real endpoints against.
//
//   bench-fcgi-ceiling --listen PATH [--workers N] [--backlog N]
//
// Stays in the foreground; SIGTERM or SIGINT stops the children, removes the socket and exits.
// Children die with the parent (PR_SET_PDEATHSIG), so a killed parent leaves nothing behind.
#include <fcgiapp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_stop = 0;

void OnStop(int) {
  g_stop = 1;
  FCGX_ShutdownPending();
}

// The same response shape as the service's (status line, JSON type, no-store, length), with a
// body about the size of a small API answer.
constexpr char kResponse[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Cache-Control: no-store\r\n"
    "Content-Length: 11\r\n"
    "\r\n"
    "{\"ok\":true}";

int Child(int listen_fd) {
  struct sigaction sa {};
  sa.sa_handler = OnStop;  // no SA_RESTART: SIGTERM interrupts a blocking accept()
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (FCGX_Init() != 0) return 1;
  FCGX_Request request;
  FCGX_InitRequest(&request, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
  while (!g_stop) {
    if (FCGX_Accept_r(&request) < 0) break;
    // Like the service, read the request body if there is one (a GET has none).
    const char* len = FCGX_GetParam("CONTENT_LENGTH", request.envp);
    long want = len == nullptr ? 0 : std::strtol(len, nullptr, 10);
    char buf[4096];
    while (want > 0) {
      int got = FCGX_GetStr(buf, static_cast<int>(want < 4096 ? want : 4096), request.in);
      if (got <= 0) break;
      want -= got;
    }
    FCGX_PutStr(kResponse, static_cast<int>(sizeof kResponse - 1), request.out);
    FCGX_Finish_r(&request);
  }
  FCGX_Free(&request, 1);
  return 0;
}

void Usage() {
  std::fprintf(stderr, "usage: bench-fcgi-ceiling --listen PATH [--workers N] [--backlog N]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen;
  int workers = 4;
  int backlog = 1024;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) Usage();
    if (a == "--listen") listen = argv[++i];
    else if (a == "--workers") workers = std::atoi(argv[++i]);
    else if (a == "--backlog") backlog = std::atoi(argv[++i]);
    else Usage();
  }
  if (listen.empty() || workers < 1) Usage();

  if (FCGX_Init() != 0) return 1;
  ::unlink(listen.c_str());
  int fd = FCGX_OpenSocket(listen.c_str(), backlog);
  if (fd < 0) {
    std::fprintf(stderr, "bench-fcgi-ceiling: cannot listen on %s: %s\n", listen.c_str(),
                 std::strerror(errno));
    return 1;
  }
  ::chmod(listen.c_str(), 0666);  // nginx's workers may run as another user

  // Block the stop signals until the children exist, so a stop never misses one of them.
  sigset_t block, original;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigprocmask(SIG_BLOCK, &block, &original);

  std::vector<pid_t> children;
  for (int i = 0; i < workers; ++i) {
    pid_t pid = fork();
    if (pid < 0) {
      std::perror("fork");
      break;
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() == 1) _exit(0);
      sigprocmask(SIG_SETMASK, &original, nullptr);
      _exit(Child(fd));
    }
    children.push_back(pid);
  }
  std::fprintf(stderr, "bench-fcgi-ceiling: %d workers on %s\n", static_cast<int>(children.size()),
               listen.c_str());

  // Parent: wait for a stop signal (or for every child to be gone), then stop the children.
  int sig = 0;
  sigset_t wait_set = block;
  sigaddset(&wait_set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &wait_set, nullptr);
  size_t alive = children.size();
  while (alive > 0) {
    if (sigwait(&wait_set, &sig) != 0) break;
    if (sig == SIGCHLD) {
      while (waitpid(-1, nullptr, WNOHANG) > 0) --alive;
      continue;
    }
    break;
  }
  for (pid_t pid : children) kill(pid, SIGTERM);
  while (waitpid(-1, nullptr, 0) > 0) {
  }
  ::unlink(listen.c_str());
  return 0;
}
