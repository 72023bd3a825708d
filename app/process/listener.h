// The pool's listening socket: opened once, kept open across every reload, closed at the stop.
//
// DESIGN (after php-fpm's fpm_sockets.c and its FPM_SOCKETS variable)
// The socket is what nginx connects to, and connections wait in its queue while no worker
// accepts. A reload must therefore never close, shutdown() or re-create it: shutdown() resets
// the queued connections (nginx answers them 502), and a new socket file means a moment with no
// file at all. The master keeps the descriptor close-on-exec, except across the re-exec of a
// reload, when it passes the number to its new image in FLASHSALE_LISTEN_FD; the new image
// adopts it (no unlink, no bind) after checking that it is a listening socket, applies the new
// backlog (listen() again) and the new owner, group and mode.
//
// A unix socket is created with the umask that gives it listen_mode at once (no moment with a
// wider mode), then chowned to listen_owner/listen_group. The socket is non-blocking: a worker
// waits for a connection in ppoll() with its signals unblocked, then accepts with its signals
// blocked, so no signal can interrupt the accept or the reading of a request (see worker.h);
// accepted sockets do not inherit O_NONBLOCK on Linux.
//
// At the stop the master unlinks the socket file only if it is still the one it created or
// adopted (a pool started after it may have made a new one at the same path).
#pragma once

#include <sys/types.h>

#include <string>

#include "util/config.h"

namespace flashsale::process {

struct Listener {
  int fd = -1;
  std::string address;    // as configured: a unix path (resolved against var_dir) or host:port
  std::string unix_path;  // empty for TCP
  dev_t dev = 0;          // the socket file's identity, for RemoveSocketFile
  ino_t ino = 0;
  bool inherited = false;
};

// Adopts `inherited_fd` when it is a listening socket (>= 0: a reload), else opens the socket of
// config.fcgi_listen. Returns fd -1 when it cannot (logged).
Listener OpenListener(const util::Config& config, int inherited_fd);

// Whether listen_owner and listen_group exist (checked before the socket is made, and by
// `flashsale-fcgi --check-config` and -t); *error says which does not.
bool SocketOwnerKnown(const util::Config& config, std::string* error);

// Owner, group and mode of a unix socket from the config (a TCP socket: nothing). False, logged,
// when a user or group does not exist or chown/chmod fails.
bool ApplySocketPermissions(const Listener& listener, const util::Config& config);

// Whether the descriptor survives exec (the reload's re-exec only).
void SetInheritable(int fd, bool inheritable);

// Removes the socket file if it is still this listener's.
void RemoveSocketFile(const Listener& listener);

}  // namespace flashsale::process
