// SendBurst: thousands of requests at once from one thread, for the admission tests. Every
// request goes over its own nonblocking loopback connection (epoll); all connections are opened
// first, then every request is written, then every answer is read to the end, so nginx really
// holds them all at the same moment (threads with a blocking client would arrive spread out).
//
// Each answer is an HttpResponse (status, lower-cased headers, body, body parsed as JSON); a
// connection that failed (refused, reset, closed without an answer, timed out) is status 0 with
// `error` saying where. Never throws for a network failure.
#pragma once

#include <string>
#include <vector>

#include "http_client.h"

namespace flashsale::itest {

// Opens `connections` connections to 127.0.0.1:`port`, writes `request` (the whole text, e.g.
// from RawRequestText, which asks for Connection: close) on each once all are connected, and
// reads each answer until the server closes. `timeout_ms` bounds the whole burst. The results
// are in connection order; request_line of each is `request_line`.
std::vector<HttpResponse> SendBurst(int port, const std::string& request, int connections,
                                    int timeout_ms, const std::string& request_line);

// Raises this process's RLIMIT_NOFILE soft limit to its hard limit; returns the soft limit now.
long RaiseOpenFileLimit();

}  // namespace flashsale::itest
