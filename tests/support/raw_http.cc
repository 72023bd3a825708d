// RawRequest over a blocking TCP socket with a deadline (see raw_http.h).
#include "raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace flashsale::itest {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

// The connection and what has been read from it but not consumed yet.
class Reader {
 public:
  Reader(int fd, int64_t deadline_ms) : fd_(fd), deadline_ms_(deadline_ms) {}
  // Over bytes already received, up to the end: nothing more will come.
  explicit Reader(std::string received) : fd_(-1), deadline_ms_(0), buf_(received), raw_(std::move(received)) {
    eof_ = true;
  }

  // Reads more bytes into buf_; false on EOF, error or deadline (error_ says which).
  bool Fill() {
    if (eof_) return false;
    for (;;) {
      int64_t left = deadline_ms_ - NowMs();
      if (left <= 0) {
        error_ = "timed out waiting for the answer";
        return false;
      }
      pollfd p{fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, static_cast<int>(left));
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0) continue;  // deadline re-checked above
      char chunk[16384];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        eof_ = true;
        error_ = std::string("recv: ") + std::strerror(errno);
        return false;
      }
      if (n == 0) {
        eof_ = true;
        return false;
      }
      buf_.append(chunk, static_cast<size_t>(n));
      raw_.append(chunk, static_cast<size_t>(n));
      return true;
    }
  }

  // Up to and without the next "\r\n" (or "\n"); nullopt when the connection ends first.
  std::optional<std::string> Line() {
    for (;;) {
      size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      if (!Fill()) return std::nullopt;
    }
  }

  // Exactly n bytes; false when the connection ends first (what came is appended anyway).
  bool Bytes(size_t n, std::string* out) {
    while (buf_.size() < n) {
      if (!Fill()) {
        out->append(buf_);
        buf_.clear();
        return false;
      }
    }
    out->append(buf_, 0, n);
    buf_.erase(0, n);
    return true;
  }

  void Rest(std::string* out) {
    while (Fill()) {
    }
    out->append(buf_);
    buf_.clear();
  }

  // True when the buffered bytes begin with `prefix` (reads until it can tell).
  bool StartsWith(std::string_view prefix) {
    while (buf_.size() < prefix.size()) {
      if (buf_.compare(0, buf_.size(), prefix.substr(0, buf_.size())) != 0) return false;
      if (!Fill()) break;
    }
    return buf_.compare(0, prefix.size(), prefix) == 0;
  }

  bool empty() const { return buf_.empty(); }
  const std::string& raw() const { return raw_; }
  const std::string& error() const { return error_; }

 private:
  int fd_;
  int64_t deadline_ms_;
  std::string buf_;
  std::string raw_;
  std::string error_;
  bool eof_ = false;
};

// Decodes a chunked body; false when it is cut short or malformed.
bool ReadChunked(Reader& in, std::string* body) {
  for (;;) {
    std::optional<std::string> size_line = in.Line();
    if (!size_line) return false;
    size_t size = 0;
    try {
      size = std::stoul(size_line->substr(0, size_line->find(';')), nullptr, 16);
    } catch (...) {
      return false;
    }
    if (size == 0) {
      for (;;) {  // trailer fields, up to the empty line
        std::optional<std::string> line = in.Line();
        if (!line || line->empty()) return true;
      }
    }
    if (!in.Bytes(size, body)) return false;
    if (!in.Line()) return false;
  }
}

// One answer from `in` into `response`: interim 1xx answers skipped, then the status line,
// the headers and a Content-Length, chunked or up-to-EOF body (none for HEAD, 204, 304).
void ReadAnswer(Reader& in, bool head, RawResponse* out) {
  RawResponse& response = *out;
  for (;;) {
    if (!in.StartsWith("HTTP/")) {
      // No status line: an HTTP/0.9 answer (the body alone, up to EOF), or nothing at all.
      in.Rest(&response.body);
      if (response.body.empty()) {
        response.error = in.error().empty() ? "connection closed without an answer" : in.error();
      } else {
        response.bare = true;
        response.error = "bare body, no status line";
      }
      break;
    }
    std::optional<std::string> status_line = in.Line();
    if (!status_line) {
      response.error = "connection closed in the status line";
      break;
    }
    response.status_line = *status_line;
    // "HTTP/1.1 SP 3DIGIT SP reason"
    size_t sp = status_line->find(' ');
    long status = 0;
    if (sp != std::string::npos && status_line->size() >= sp + 4) {
      status = std::strtol(status_line->substr(sp + 1, 3).c_str(), nullptr, 10);
      response.reason = status_line->size() > sp + 5 ? status_line->substr(sp + 5) : "";
    }
    response.headers.clear();
    bool headers_done = false;
    for (;;) {
      std::optional<std::string> line = in.Line();
      if (!line) break;
      if (line->empty()) {
        headers_done = true;
        break;
      }
      size_t colon = line->find(':');
      if (colon == std::string::npos) continue;
      response.headers.emplace_back(Lower(Trim(line->substr(0, colon))),
                                    Trim(line->substr(colon + 1)));
    }
    if (!headers_done) {
      response.error = "connection closed in the headers";
      break;
    }
    if (status >= 100 && status < 200) continue;  // interim answer: the real one follows
    response.status = status;
    if (head || status == 204 || status == 304) break;
    if (Lower(response.Header("Transfer-Encoding")).find("chunked") != std::string::npos) {
      if (!ReadChunked(in, &response.body)) response.error = "chunked body cut short";
    } else if (response.HasHeader("Content-Length")) {
      size_t length = std::strtoul(response.Header("Content-Length").c_str(), nullptr, 10);
      if (!in.Bytes(length, &response.body)) response.error = "body shorter than Content-Length";
    } else {
      in.Rest(&response.body);
    }
    break;
  }
}

}  // namespace

std::string Printable(std::string_view text, size_t max) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < text.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (text.size() > max) out += "...(" + std::to_string(text.size()) + " bytes)";
  return out;
}

RawResponse ParseRawAnswer(std::string received, bool head) {
  RawResponse response;
  Reader in(std::move(received));
  ReadAnswer(in, head, &response);
  response.raw = in.raw();
  if (!response.body.empty()) response.json_ok = ParseJson(response.body, &response.json);
  return response;
}

std::string RawRequestText(std::string_view method, std::string_view target,
                           const Headers& headers, const std::optional<std::string>& body,
                           std::string_view version) {
  std::string text;
  text.append(method).append(" ").append(target).append(" ").append(version).append("\r\n");
  text += "Host: localhost\r\n";
  for (const auto& [name, value] : headers) text += name + ": " + value + "\r\n";
  if (body) text += "Content-Length: " + std::to_string(body->size()) + "\r\n";
  text += "Connection: close\r\n\r\n";
  if (body) text += *body;
  return text;
}

RawResponse RawRequest(int port, std::string_view request, int timeout_ms, const char* source) {
  RawResponse response;
  size_t eol = request.find_first_of("\r\n");
  response.request_line = "raw " + Printable(request.substr(0, std::min(eol, size_t{120})));
  int64_t deadline = NowMs() + timeout_ms;

  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    response.error = std::string("socket: ") + std::strerror(errno);
    return response;
  }
  if (source != nullptr) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source, &local.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      response.error = std::string("bind ") + source + ": " + std::strerror(errno);
      ::close(fd);
      return response;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    response.error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return response;
  }
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // nginx answered early and closed: read what it said
    sent += static_cast<size_t>(n);
  }

  Reader in(fd, deadline);
  ReadAnswer(in, request.substr(0, 5) == "HEAD ", &response);
  ::close(fd);
  response.raw = in.raw();
  if (!response.body.empty()) response.json_ok = ParseJson(response.body, &response.json);
  return response;
}

}  // namespace flashsale::itest
