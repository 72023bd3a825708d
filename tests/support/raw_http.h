// RawHttp: one request written to nginx byte for byte over a plain TCP socket, one answer read
// back and split into status line, headers and body. For the requests libcurl will not send or
// would repair: bad request lines, lower-case methods, `%00` or `/../` in the path, HTTP/0.9 and
// HTTP/2.0 on a plain connection, unknown Transfer-Encoding, header lines over 8 KiB, raw bytes
// in header values, TRACE, several headers of the same name.
//
// The answer is an HttpResponse (status, lower-cased headers, body, body parsed as JSON), so the
// same checks apply to both clients. Never throws: a connection that cannot be made, or an answer
// that does not come within the timeout, is status 0 with `error` set.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http_client.h"

namespace flashsale::itest {

struct RawResponse : HttpResponse {
  std::string raw;          // every byte received
  std::string status_line;  // "HTTP/1.1 400 Bad Request"; "" when the answer had none
  std::string reason;       // the reason phrase, possibly empty ("HTTP/1.1 431 ")
  // The answer was a bare body without status line or headers: what nginx sends to an HTTP/0.9
  // request ("GET /path" and no version). status is 0 then and body holds everything received.
  bool bare = false;
};

// Sends `request` exactly as given to 127.0.0.1:`port` and reads one answer: the headers, then
// Content-Length bytes, a chunked body or everything up to EOF (no body for a HEAD request or a
// 1xx/204/304 status); interim 1xx answers are skipped. Send errors are ignored (nginx may answer
// and close before it has read a large request), the answer is read anyway. `source`: the local
// IPv4 address to connect from (e.g. "127.0.0.2", a loopback address nginx does not allow), or
// nullptr for the kernel's choice (127.0.0.1).
RawResponse RawRequest(int port, std::string_view request, int timeout_ms = 10000,
                       const char* source = nullptr);

// The answer in `received`, everything a connection got up to the server's close, read as
// RawRequest reads one (`head`: the request was HEAD, so no body). For clients that do their own
// I/O (tests/support/burst_client.h).
RawResponse ParseRawAnswer(std::string received, bool head = false);

// "METHOD TARGET VERSION\r\nHost: localhost\r\n" + headers + "Content-Length: n\r\n" (when there
// is a body) + "Connection: close\r\n\r\n" + body. Header names and values are written as given.
std::string RawRequestText(std::string_view method, std::string_view target,
                           const Headers& headers = {},
                           const std::optional<std::string>& body = std::nullopt,
                           std::string_view version = "HTTP/1.1");

// `text` with bytes outside printable ASCII as \xNN and at most `max` bytes, for messages.
std::string Printable(std::string_view text, size_t max = 160);

}  // namespace flashsale::itest
