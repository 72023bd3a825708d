// HttpClient: a small libcurl client for the integration tests. One request in, one response
// out: status, headers, raw body and the body parsed as JSON.
//
// Thread-safe: each thread uses its own curl easy handle (kept for the thread's lifetime, so
// connections to nginx are reused), and curl_global_init runs once, on first construction.
// A transport failure (nothing answered, timeout) is status 0 with `error` set; it never throws.
#pragma once

#include <json/value.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flashsale::itest {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  long status = 0;      // 0: no HTTP answer, see `error`
  std::string error;    // curl's message when status is 0
  Headers headers;      // names lower-cased, in the order received
  std::string body;     // exactly the bytes received
  Json::Value json;     // the body parsed strictly; null when it is not JSON
  bool json_ok = false;

  // The first value of header `name` (case-insensitive), "" when absent.
  std::string Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // json["error"]["code"] as a string, "" when absent.
  std::string ErrorCode() const;
  // "METHOD PATH -> STATUS BODY" style text for assertion messages.
  std::string Describe() const;

  std::string request_line;  // "POST /api/holds", for Describe()
};

class HttpClient {
 public:
  // base_url: "http://127.0.0.1:PORT", no trailing slash.
  explicit HttpClient(std::string base_url);

  // body: nullopt sends no body; a value is sent as is (Content-Type: application/json unless
  // `headers` sets one). `headers` are sent as given ("Name", "value").
  HttpResponse Request(std::string_view method, std::string_view path,
                       const std::optional<std::string>& body = std::nullopt,
                       const Headers& headers = {}) const;

  HttpResponse Get(std::string_view path, const Headers& headers = {}) const {
    return Request("GET", path, std::nullopt, headers);
  }
  HttpResponse Post(std::string_view path, const std::string& body,
                    const Headers& headers = {}) const {
    return Request("POST", path, body, headers);
  }
  HttpResponse Patch(std::string_view path, const std::string& body,
                     const Headers& headers = {}) const {
    return Request("PATCH", path, body, headers);
  }
  HttpResponse Delete(std::string_view path, const Headers& headers = {}) const {
    return Request("DELETE", path, std::nullopt, headers);
  }

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
};

// Parses `text` strictly as JSON (one value, nothing after it). False on any error.
bool ParseJson(std::string_view text, Json::Value* out);

}  // namespace flashsale::itest
