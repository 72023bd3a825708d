#include "http/fcgi_io.h"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace flashsale::http {
namespace {

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

// A header value without the whitespace around it (RFC 9110, 5.5: SP and HTAB are not part of
// the value). nginx 1.22 strips spaces but passes tabs on.
std::string TrimWhitespace(const char* value) {
  std::string_view v(value);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return std::string(v);
}

std::string Param(FCGX_Request& fcgi, const char* name) {
  const char* v = FCGX_GetParam(name, fcgi.envp);
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

Result<Request> ReadRequest(FCGX_Request& fcgi) {
  Request req;
  req.method = Param(fcgi, "REQUEST_METHOD");
  std::string uri = Param(fcgi, "REQUEST_URI");
  size_t q = uri.find('?');
  req.path = uri.substr(0, q);
  if (q != std::string::npos) req.query = uri.substr(q + 1);
  req.request_id = Param(fcgi, "REQUEST_ID");
  req.ops = Param(fcgi, "FLASHSALE_OPS") == "1";  // not HTTP_*: no client header can set it
  for (char** env = fcgi.envp; env != nullptr && *env != nullptr; ++env) {
    if (std::strncmp(*env, "HTTP_", 5) != 0) continue;
    const char* eq = std::strchr(*env, '=');
    if (eq == nullptr) continue;
    std::string name;
    for (const char* c = *env + 5; c < eq; ++c) {
      name += *c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(*c)));
    }
    // A header sent more than once reaches us once per line (nginx 1.22 does not combine
    // them). Combine them as RFC 9110 does, "a, b", rather than keep one silently: two
    // Idempotency-Key headers are then no valid key (422), two signatures no valid signature.
    std::string value = TrimWhitespace(eq + 1);
    auto [it, inserted] = req.headers.emplace(name, value);
    if (!inserted) it->second.append(", ").append(value);
  }
  std::string length = Param(fcgi, "CONTENT_LENGTH");
  size_t want = length.empty() ? 0 : std::strtoull(length.c_str(), nullptr, 10);
  if (want > kMaxBodyBytes) return Status::PayloadTooLarge("request body over 64 KiB");
  req.body.resize(want);
  int got = want == 0 ? 0 : FCGX_GetStr(req.body.data(), static_cast<int>(want), fcgi.in);
  req.body.resize(got < 0 ? 0 : static_cast<size_t>(got));
  return req;
}

void WriteResponse(FCGX_Request& fcgi, const Response& response) {
  std::string head = "Status: " + std::to_string(response.status) + " " +
                     ReasonPhrase(response.status) +
                     "\r\nContent-Type: " + response.content_type + "\r\nCache-Control: no-store\r\n";
  for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
  head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n";
  FCGX_PutStr(head.data(), static_cast<int>(head.size()), fcgi.out);
  FCGX_PutStr(response.body.data(), static_cast<int>(response.body.size()), fcgi.out);
}

}  // namespace flashsale::http
