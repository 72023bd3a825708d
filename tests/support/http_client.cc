// HttpClient over libcurl (see http_client.h). Owns the per-thread easy handles.
#include "http_client.h"

#include "openapi_check.h"

#include <curl/curl.h>
#include <json/reader.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace flashsale::itest {
namespace {

std::once_flag g_curl_init;

// One easy handle per thread, cleaned up when the thread ends. curl_easy_reset between requests
// keeps the handle's connection cache, so keep-alive connections to nginx are reused.
struct ThreadCurl {
  CURL* handle = nullptr;
  ThreadCurl() : handle(curl_easy_init()) {}
  ~ThreadCurl() {
    if (handle != nullptr) curl_easy_cleanup(handle);
  }
  ThreadCurl(const ThreadCurl&) = delete;
  ThreadCurl& operator=(const ThreadCurl&) = delete;
};

CURL* ThreadHandle() {
  thread_local ThreadCurl curl;
  return curl.handle;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<Headers*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // a new response (after a 100 Continue, say) starts here
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    headers->emplace_back(Lower(Trim(line.substr(0, colon))), Trim(line.substr(colon + 1)));
  }
  return size * n;
}

}  // namespace

bool ParseJson(std::string_view text, Json::Value* out) {
  static const Json::CharReaderBuilder builder = [] {
    Json::CharReaderBuilder b;
    Json::CharReaderBuilder::strictMode(&b.settings_);
    b.settings_["failIfExtra"] = true;
    b.settings_["strictRoot"] = false;
    return b;
  }();
  std::unique_ptr<Json::CharReader> reader(builder.newCharReader());
  std::string errors;
  Json::Value value;
  if (!reader->parse(text.data(), text.data() + text.size(), &value, &errors)) return false;
  *out = std::move(value);
  return true;
}

std::string HttpResponse::Header(std::string_view name) const {
  std::string want = Lower(name);
  for (const auto& [k, v] : headers) {
    if (k == want) return v;
  }
  return "";
}

bool HttpResponse::HasHeader(std::string_view name) const {
  std::string want = Lower(name);
  for (const auto& [k, v] : headers) {
    if (k == want) return true;
  }
  return false;
}

std::string HttpResponse::ErrorCode() const {
  if (!json_ok || !json.isObject() || !json["error"].isObject()) return "";
  const Json::Value& code = json["error"]["code"];
  return code.isString() ? code.asString() : "";
}

std::string HttpResponse::Describe() const {
  std::string text = request_line + " -> ";
  if (status == 0) return text + "no answer (" + error + ")";
  std::string shown = body.size() > 600 ? body.substr(0, 600) + "..." : body;
  return text + std::to_string(status) + " " + shown;
}

HttpClient::HttpClient(std::string base_url) : base_url_(std::move(base_url)) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_ALL); });
}

HttpResponse HttpClient::Request(std::string_view method, std::string_view path,
                                 const std::optional<std::string>& body,
                                 const Headers& headers) const {
  HttpResponse response;
  response.request_line = std::string(method) + " " + std::string(path);
  CURL* curl = ThreadHandle();
  if (curl == nullptr) {
    response.error = "curl_easy_init failed";
    return response;
  }
  curl_easy_reset(curl);
  std::string url = base_url_ + std::string(path);
  std::string method_str(method);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 45L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  if (body.has_value()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    if (method_str != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method_str.c_str());
  } else if (method_str == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (method_str == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method_str.c_str());
  }

  curl_slist* list = nullptr;
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    if (Lower(name) == "content-type") has_content_type = true;
    // "Name;" is curl's way to send a header with an empty value.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    list = curl_slist_append(list, line.c_str());
  }
  if (body.has_value() && !has_content_type) {
    list = curl_slist_append(list, "Content-Type: application/json");
  }
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip for large bodies
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);

  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    response.error = curl_easy_strerror(rc);
    response.status = 0;
    return response;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  if (!response.body.empty()) response.json_ok = ParseJson(response.body, &response.json);
  AuditResponse(method, path, response);  // against app/api/openapi (openapi_check.h)
  return response;
}

}  // namespace flashsale::itest
