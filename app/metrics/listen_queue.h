// The pool's listen queue: connections the kernel has accepted that no worker has taken yet.
//
// A unix socket: NETLINK_SOCK_DIAG, asking for the socket by its inode with UDIAG_SHOW_RQLEN
// (what `ss -xl` shows as Recv-Q / Send-Q): for a listening socket the kernel reports the queue
// length and the backlog. /proc/net/unix has no queue length. A TCP socket: getsockopt TCP_INFO,
// where for a listening socket tcpi_unacked is the queue and tcpi_sacked the backlog (what
// php-fpm reads on Linux). Either may be unavailable (a kernel without unix_diag, a seccomp
// profile without netlink): then the values are unknown, never guessed.
#pragma once

#include <cstdint>
#include <optional>

namespace flashsale::metrics {

struct ListenQueue {
  std::optional<uint64_t> length;  // connections waiting now
  std::optional<uint64_t> limit;   // the backlog
};

ListenQueue ReadListenQueue(int listen_fd);

}  // namespace flashsale::metrics
