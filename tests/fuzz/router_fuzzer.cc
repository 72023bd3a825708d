// Routing and path ids (app/http/router.h) with the route table of app/api/api.cc, against a
// reference resolution written from the contract: 404 for an unknown path; 405 with Allow listing
// the methods of every route whose pattern fits when none has this method; 404 for an {id} that
// is not [1-9][0-9]* within int64; else that route, with its ids. Also splitting, and ParseId on
// the raw input.
//
// Input: "<METHOD> <path>" (the path is everything after the first space).
#include <cstdint>
#include <string>
#include <vector>

#include "http/router.h"
#include "support/fuzz_check.h"
#include "support/reference.h"

namespace {

using namespace flashsale;
using namespace flashsale::fuzz;

struct RouteSpec {
  const char* method;
  const char* pattern;
};

// The table of app/api/api.cc, in its order (the handler is its index here).
const RouteSpec kRoutes[] = {
    {"GET", "/api/health"},           {"GET", "/api/products/{id}"},
    {"POST", "/api/holds"},           {"GET", "/api/holds/{id}"},
    {"DELETE", "/api/holds/{id}"},    {"POST", "/api/orders"},
    {"GET", "/api/orders/{id}"},      {"POST", "/api/payments/webhook"},
    {"GET", "/api/logs"},             {"POST", "/api/admin/products"},
    {"PATCH", "/api/admin/products/{id}"},
};
constexpr size_t kRouteCount = sizeof kRoutes / sizeof kRoutes[0];

using Router = http::Router<size_t>;

const Router& TheRouter() {
  static const Router router = [] {
    Router r;
    for (size_t i = 0; i < kRouteCount; ++i) r.Add(kRoutes[i].method, kRoutes[i].pattern, i);
    return r;
  }();
  return router;
}

// "/a//b/" -> {"a", "", "b", ""}: one leading slash dropped, every other slash separates.
std::vector<std::string> RefSplit(const std::string& path) {
  std::string rest = !path.empty() && path[0] == '/' ? path.substr(1) : path;
  std::vector<std::string> out(1);
  for (char c : rest) {
    if (c == '/') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

struct RefMatch {
  int status = 404;  // 0 = routed
  size_t route = 0;
  std::vector<int64_t> ids;
  std::string allow;
};

RefMatch RefResolve(const std::string& method, const std::string& path) {
  std::vector<std::string> segments = RefSplit(path);
  RefMatch m;
  std::vector<std::string> allowed;
  for (size_t i = 0; i < kRouteCount; ++i) {
    std::vector<std::string> pattern = RefSplit(kRoutes[i].pattern);
    if (pattern.size() != segments.size()) continue;
    bool fits = true;
    for (size_t k = 0; k < pattern.size(); ++k) {
      fits = fits && (pattern[k] == "{id}" || pattern[k] == segments[k]);
    }
    if (!fits) continue;
    if (method != kRoutes[i].method) {
      allowed.push_back(kRoutes[i].method);
      continue;
    }
    for (size_t k = 0; k < pattern.size(); ++k) {
      if (pattern[k] != "{id}") continue;
      std::optional<int64_t> id = RefPathId(segments[k]);
      if (!id) return RefMatch{404, 0, {}, ""};
      m.ids.push_back(*id);
    }
    m.status = 0;
    m.route = i;
    return m;
  }
  if (!allowed.empty()) {
    m.status = 405;
    for (const std::string& a : allowed) m.allow += (m.allow.empty() ? "" : ", ") + a;
  }
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t space = input.find(' ');
  std::string method = space == std::string::npos ? "GET" : input.substr(0, space);
  std::string path = space == std::string::npos ? input : input.substr(space + 1);
  std::string what = method + " " + Printable(path);

  // Ids: exactly [1-9][0-9]* within int64, and they print back to the same text.
  std::optional<int64_t> id = http::ParsePathId(input);
  std::optional<int64_t> ref_id = RefPathId(input);
  FUZZ_CHECK(id == ref_id, "ParsePathId(" << Printable(input) << ") = "
                                          << (id ? std::to_string(*id) : "none") << ", expected "
                                          << (ref_id ? std::to_string(*ref_id) : "none"));
  if (id) FUZZ_CHECK(*id > 0 && std::to_string(*id) == input, "id does not print back");

  std::vector<std::string> segments = http::SplitPath(path);
  FUZZ_CHECK(segments == RefSplit(path), "SplitPath differs: " << what);

  Router::Match m = TheRouter().Resolve(method, path);
  RefMatch want = RefResolve(method, path);
  if (want.status == 0) {
    FUZZ_CHECK(m.handler != nullptr && *m.handler == want.route && m.ids == want.ids,
               "expected route " << kRoutes[want.route].method << " " << kRoutes[want.route].pattern
                                 << " for " << what);
    for (int64_t v : m.ids) FUZZ_CHECK(v > 0, "id " << v << " for " << what);
    return 0;
  }
  FUZZ_CHECK(m.handler == nullptr, "routed, expected " << want.status << ": " << what);
  Status expected_code = want.status == 405 ? Status::MethodNotAllowed("") : Status::NotFound("", "");
  FUZZ_CHECK(m.error.code() == expected_code.code(),
             "error " << m.error.error() << ", expected " << want.status << ": " << what);
  FUZZ_CHECK(m.allow == want.allow, "Allow " << Printable(m.allow) << ", expected "
                                             << Printable(want.allow) << ": " << what);
  return 0;
}
