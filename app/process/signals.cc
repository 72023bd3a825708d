#include "process/signals.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <initializer_list>

namespace flashsale::process {
namespace {

constexpr std::initializer_list<int> kMasterSignals = {SIGCHLD, SIGTERM, SIGQUIT, SIGINT,
                                                       SIGHUP,  SIGUSR1, SIGUSR2};
constexpr std::initializer_list<int> kWorkerSignals = {SIGTERM, SIGQUIT, SIGUSR1};

volatile sig_atomic_t g_child = 0;
volatile sig_atomic_t g_reload = 0;
volatile sig_atomic_t g_reopen = 0;
volatile sig_atomic_t g_stop = 0;
volatile sig_atomic_t g_stop_now = 0;

sigset_t g_wait_mask;  // the mask inside ppoll(): the process's signals unblocked
sigset_t g_ours;       // the process's signals (the master's or the worker's)

void OnMasterSignal(int sig) {
  switch (sig) {
    case SIGCHLD: g_child = 1; break;
    case SIGHUP:
    case SIGUSR2: g_reload = 1; break;
    case SIGUSR1: g_reopen = 1; break;
    case SIGTERM:
    case SIGQUIT: g_stop = 1; break;
    case SIGINT: g_stop_now = 1; break;
    default: break;
  }
}

void OnWorkerSignal(int sig) {
  if (sig == SIGUSR1) {
    g_reopen = 1;
  } else {
    g_stop = 1;
  }
}

// Handlers without SA_RESTART (ppoll is not restarted anyway), each blocking the others.
void Install(std::initializer_list<int> signals, void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  for (int sig : signals) sigaddset(&sa.sa_mask, sig);
  for (int sig : signals) sigaction(sig, &sa, nullptr);
}

void BlockAndKeepWaitMask(std::initializer_list<int> signals) {
  sigset_t block, current;
  sigemptyset(&block);
  for (int sig : signals) sigaddset(&block, sig);
  g_ours = block;
  sigprocmask(SIG_BLOCK, &block, &current);
  g_wait_mask = current;
  for (int sig : signals) sigdelset(&g_wait_mask, sig);
}

}  // namespace

void InstallMasterSignals() {
  Install(kMasterSignals, OnMasterSignal);
  signal(SIGPIPE, SIG_IGN);
  BlockAndKeepWaitMask(kMasterSignals);
}

MasterSignals TakeMasterSignals() {
  MasterSignals s;
  s.child = g_child != 0;
  s.reload = g_reload != 0;
  s.reopen = g_reopen != 0;
  s.stop = g_stop != 0;
  s.stop_now = g_stop_now != 0;
  // stop and stop_now stay: they are states, not events.
  g_child = 0;
  g_reload = 0;
  g_reopen = 0;
  return s;
}

bool WaitForEvent(int fd, std::optional<Clock::time_point> deadline) {
  struct pollfd p {};
  p.fd = fd;
  p.events = POLLIN;
  struct timespec ts {};
  struct timespec* timeout = nullptr;
  if (deadline) {
    auto wait = std::chrono::ceil<std::chrono::microseconds>(*deadline - Clock::now());
    long long us = std::max<long long>(0, wait.count());
    ts.tv_sec = static_cast<time_t>(us / 1000000);
    ts.tv_nsec = static_cast<long>(us % 1000000) * 1000;
    timeout = &ts;
  }
  int n = ppoll(&p, fd >= 0 ? 1 : 0, timeout, &g_wait_mask);
  DeliverPendingSignals();
  return n > 0 && (p.revents & POLLIN) != 0;
}

void DeliverPendingSignals() {
  sigset_t pending;
  sigpending(&pending);
  bool any = false;
  for (int sig = 1; sig < NSIG && !any; ++sig) {
    any = sigismember(&g_ours, sig) == 1 && sigismember(&pending, sig) == 1;
  }
  if (!any) return;
  sigset_t saved;
  sigprocmask(SIG_SETMASK, &g_wait_mask, &saved);  // the handlers run here
  sigprocmask(SIG_SETMASK, &saved, nullptr);
}

void InstallWorkerSignals() {
  // Fresh flags: the fork copied the master's.
  for (volatile sig_atomic_t* flag : {&g_child, &g_reload, &g_reopen, &g_stop, &g_stop_now}) *flag = 0;
  for (int sig : {SIGCHLD, SIGINT}) signal(sig, SIG_DFL);
  for (int sig : {SIGHUP, SIGUSR2, SIGPIPE}) signal(sig, SIG_IGN);
  Install(kWorkerSignals, OnWorkerSignal);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  BlockAndKeepWaitMask(kWorkerSignals);
}

bool WorkerStopRequested() { return g_stop != 0; }

bool TakeWorkerReopen() {
  bool r = g_reopen != 0;
  g_reopen = 0;
  return r;
}

const sigset_t& WaitMask() { return g_wait_mask; }

void ResetSignalsForExec() {
  for (int sig : kMasterSignals) signal(sig, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace flashsale::process
