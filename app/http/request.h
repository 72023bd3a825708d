// Request and Response: what the rest of the code knows of HTTP. Built from FastCGI params by
// http/fcgi_io.cc; nothing else touches libfcgi.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flashsale::http {

constexpr size_t kMaxBodyBytes = 64 * 1024;

struct Request {
  std::string method;
  std::string path;   // without the query string, not decoded
  std::string query;  // after '?', raw
  std::string body;
  std::string request_id;
  std::map<std::string, std::string> headers;  // lower-case names: "x-signature"
  std::vector<int64_t> ids;                    // path parameters, filled by the router
  // Set only by nginx's operations locations (FastCGI param FLASHSALE_OPS=1, never a header):
  // the request may reach GET /status and GET /metrics, and nothing else.
  bool ops = false;

  // Empty string when absent.
  const std::string& Header(const std::string& lower_name) const;
  bool HasHeader(const std::string& lower_name) const;
  // The decoded value of a query parameter (first occurrence).
  std::optional<std::string> QueryParam(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // JSON text (but for GET /metrics)
  std::string content_type = "application/json";
};

}  // namespace flashsale::http
