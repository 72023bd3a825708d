#include "metrics/listen_queue.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>

namespace flashsale::metrics {
namespace {

ListenQueue FromTcp(int fd) {
  ListenQueue q;
  struct tcp_info info {};
  socklen_t len = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 && info.tcpi_state == TCP_LISTEN) {
    q.length = info.tcpi_unacked;
    q.limit = info.tcpi_sacked;
  }
  return q;
}

ListenQueue FromUnix(int fd) {
  ListenQueue q;
  struct stat st {};
  if (fstat(fd, &st) != 0) return q;
  int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (nl < 0) return q;
  struct timeval timeout {0, 200000};  // the kernel answers at once; never hang a request
  setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

  struct {
    struct nlmsghdr header;
    struct unix_diag_req request;
  } message {};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST;
  message.header.nlmsg_seq = 1;
  message.request.sdiag_family = AF_UNIX;
  message.request.udiag_states = ~0U;
  message.request.udiag_ino = static_cast<__u32>(st.st_ino);
  message.request.udiag_show = UDIAG_SHOW_RQLEN;
  message.request.udiag_cookie[0] = INET_DIAG_NOCOOKIE;
  message.request.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
  struct sockaddr_nl kernel {};
  kernel.nl_family = AF_NETLINK;
  if (sendto(nl, &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    ::close(nl);
    return q;
  }
  alignas(struct nlmsghdr) char buffer[8192];
  ssize_t n = recv(nl, buffer, sizeof buffer, 0);
  ::close(nl);
  if (n <= 0) return q;
  auto* header = reinterpret_cast<struct nlmsghdr*>(buffer);
  size_t left = static_cast<size_t>(n);
  for (; NLMSG_OK(header, left); header = NLMSG_NEXT(header, left)) {
    if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;  // NLMSG_ERROR, NLMSG_DONE
    auto* answer = static_cast<struct unix_diag_msg*>(NLMSG_DATA(header));
    // Only a listening socket has a listen queue (for others the kernel reports byte counts).
    if (answer->udiag_ino != st.st_ino || answer->udiag_state != TCP_LISTEN) continue;
    size_t attrs_len = header->nlmsg_len - NLMSG_LENGTH(sizeof *answer);
    auto* attr = reinterpret_cast<struct nlattr*>(answer + 1);
    while (attrs_len >= sizeof(struct nlattr) && attr->nla_len >= sizeof(struct nlattr) &&
           attr->nla_len <= attrs_len) {
      if (attr->nla_type == UNIX_DIAG_RQLEN &&
          attr->nla_len >= NLA_HDRLEN + sizeof(struct unix_diag_rqlen)) {
        struct unix_diag_rqlen rq {};
        std::memcpy(&rq, reinterpret_cast<char*>(attr) + NLA_HDRLEN, sizeof rq);
        q.length = rq.udiag_rqueue;
        q.limit = rq.udiag_wqueue;
        return q;
      }
      size_t step = NLA_ALIGN(attr->nla_len);
      if (step >= attrs_len) break;
      attrs_len -= step;
      attr = reinterpret_cast<struct nlattr*>(reinterpret_cast<char*>(attr) + step);
    }
  }
  return q;
}

}  // namespace

ListenQueue ReadListenQueue(int listen_fd) {
  struct sockaddr_storage addr {};
  socklen_t len = sizeof addr;
  if (listen_fd < 0 || getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return {};
  }
  if (addr.ss_family == AF_UNIX) return FromUnix(listen_fd);
  if (addr.ss_family == AF_INET || addr.ss_family == AF_INET6) return FromTcp(listen_fd);
  return {};
}

}  // namespace flashsale::metrics
