// The generic errors of the API reference "Conventions": unknown paths and malformed ids (404 not_found),
// wrong methods (405 with Allow), bodies that are not a JSON object (400 invalid_json), bodies
// over 64 KiB (413 payload_too_large). Every answer, nginx's own included, is a JSON object
// with Content-Type application/json and an error code.
#include <boost/test/unit_test.hpp>
#include <set>
#include <sstream>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

// The body is {"error": {"code": CODE, "message": "..."}} sent as application/json.
void CheckJsonError(const HttpResponse& r, long status, const std::string& code) {
  BOOST_TEST(r.status == status, r.Describe());
  BOOST_TEST(r.Header("Content-Type").rfind("application/json", 0) == 0u,
             "Content-Type '" << r.Header("Content-Type") << "' on " << r.Describe());
  BOOST_TEST((r.json_ok && r.json.isObject()), "not a JSON object: " << r.Describe());
  BOOST_TEST(r.ErrorCode() == code, r.Describe());
  BOOST_TEST(r.json["error"]["message"].isString(), r.Describe());
}

std::set<std::string> AllowedMethods(const HttpResponse& r) {
  std::set<std::string> methods;
  std::istringstream in(r.Header("Allow"));
  std::string token;
  while (std::getline(in, token, ',')) {
    size_t b = token.find_first_not_of(" \t");
    size_t e = token.find_last_not_of(" \t");
    if (b != std::string::npos) methods.insert(token.substr(b, e - b + 1));
  }
  return methods;
}

// A JSON object of exactly `size` bytes: a valid hold request padded with spaces.
std::string PaddedHoldBody(int64_t product_id, size_t size) {
  std::string core = "{\"product_id\":" + std::to_string(product_id) + ",\"quantity\":1";
  std::string body = core + std::string(size - core.size() - 1, ' ') + "}";
  return body;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(unknown_paths_are_404_json) {
  Api api;
  struct Row {
    const char* method;
    const char* path;
  };
  const Row rows[] = {
      {"GET", "/"},
      {"GET", "/index.html"},
      {"POST", "/"},
      {"GET", "/api"},
      {"GET", "/api/"},
      {"GET", "/api/nope"},
      {"GET", "/api/products"},
      {"GET", "/api/products/"},
      {"GET", "/api/products/1/extra"},
      {"GET", "/api/productsx/1"},
      {"GET", "/api/holds/1/extra"},
      {"GET", "/api/orders/1/extra"},
      {"GET", "/api/health/extra"},
      {"POST", "/api/payments"},
      {"GET", "/api/admin"},
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT(row.method << " " << row.path) {
      std::optional<std::string> body;
      if (std::string(row.method) == "POST") body = "{}";
      CheckJsonError(api.http().Request(row.method, row.path, body), 404, "not_found");
    }
  }
}

BOOST_AUTO_TEST_CASE(malformed_path_ids_are_404_not_found) {
  Api api;
  const char* ids[] = {"0",    "01",  "00",  "abc", "-1", "1.0", "1e3",
                       "+1",   "0x1", "1a",  "99999999999999999999",
                       "18446744073709551616"};
  const char* prefixes[] = {"/api/products/", "/api/holds/", "/api/orders/"};
  for (const char* prefix : prefixes) {
    for (const char* id : ids) {
      std::string path = std::string(prefix) + id;
      BOOST_TEST_CONTEXT("GET " << path) { CheckJsonError(api.http().Get(path), 404, "not_found"); }
    }
  }
  for (const char* id : {"0", "01", "abc", "99999999999999999999"}) {
    std::string path = std::string("/api/holds/") + id;
    BOOST_TEST_CONTEXT("DELETE " << path) {
      CheckJsonError(api.http().Delete(path), 404, "not_found");
    }
    BOOST_TEST_CONTEXT("PATCH /api/admin/products/" << id) {
      HttpResponse r = api.http().Patch(std::string("/api/admin/products/") + id, "{\"stock\":1}",
                                        {{"Authorization", std::string("Bearer ") + kAdminToken}});
      CheckJsonError(r, 404, "not_found");
    }
  }
}

BOOST_AUTO_TEST_CASE(wrong_method_is_405_with_allow) {
  Api api;
  struct Row {
    const char* method;
    const char* path;
    std::set<std::string> allowed;
  };
  const Row rows[] = {
      {"PUT", "/api/products/1", {"GET"}},
      {"POST", "/api/products/1", {"GET"}},
      {"DELETE", "/api/products/1", {"GET"}},
      {"GET", "/api/holds", {"POST"}},
      {"DELETE", "/api/holds", {"POST"}},
      {"PUT", "/api/holds/1", {"GET", "DELETE"}},
      {"POST", "/api/holds/1", {"GET", "DELETE"}},
      {"GET", "/api/orders", {"POST"}},
      {"DELETE", "/api/orders/1", {"GET"}},
      {"PATCH", "/api/orders/1", {"GET"}},
      {"GET", "/api/payments/webhook", {"POST"}},
      {"PUT", "/api/payments/webhook", {"POST"}},
      {"POST", "/api/logs", {"GET"}},
      {"POST", "/api/health", {"GET"}},
      {"DELETE", "/api/health", {"GET"}},
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT(row.method << " " << row.path) {
      std::string method = row.method;
      std::optional<std::string> body;
      if (method == "POST" || method == "PUT" || method == "PATCH") body = "{}";
      HttpResponse r = api.http().Request(method, row.path, body);
      CheckJsonError(r, 405, "method_not_allowed");
      BOOST_TEST(r.HasHeader("Allow"), "no Allow header: " << r.Describe());
      std::set<std::string> allowed = AllowedMethods(r);
      for (const std::string& m : row.allowed) {
        BOOST_TEST(allowed.count(m) == 1u, "Allow '" << r.Header("Allow") << "' lacks " << m);
      }
      BOOST_TEST(allowed.count(method) == 0u, "Allow '" << r.Header("Allow") << "' has " << method);
    }
  }
}

BOOST_AUTO_TEST_CASE(wrong_method_on_admin_paths_is_405) {
  Api api;
  Headers auth = {{"Authorization", std::string("Bearer ") + kAdminToken}};
  struct Row {
    const char* method;
    const char* path;
    const char* allowed;
  };
  const Row rows[] = {
      {"GET", "/api/admin/products", "POST"},
      {"DELETE", "/api/admin/products", "POST"},
      {"GET", "/api/admin/products/1", "PATCH"},
      {"DELETE", "/api/admin/products/1", "PATCH"},
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT(row.method << " " << row.path) {
      HttpResponse r = api.http().Request(row.method, row.path, std::nullopt, auth);
      CheckJsonError(r, 405, "method_not_allowed");
      BOOST_TEST(AllowedMethods(r).count(row.allowed) == 1u, "Allow: " << r.Header("Allow"));
    }
  }
}

BOOST_AUTO_TEST_CASE(bodies_that_are_not_json_objects_are_400) {
  Api api;
  int64_t product = MustCreateProduct(api, 5);
  DbProbe db(Stack().mysql_socket());
  const std::string bodies[] = {
      "",
      "[]",
      "[1,2]",
      "\"text\"",
      "42",
      "null",
      "true",
      "{",
      "{\"product_id\":" + std::to_string(product) + ",}",
      "not json",
      "{'product_id':1,'quantity':1}",
      "{\"product_id\":" + std::to_string(product) + ",\"quantity\":1} trailing",
      "{\"product_id\":" + std::to_string(product) + ",\"quantity\":1}{}",
  };
  for (const std::string& body : bodies) {
    BOOST_TEST_CONTEXT("POST /api/holds with body <" << body << ">") {
      CheckJsonError(api.PostHoldBody(body), 400, "invalid_json");
    }
  }
  BOOST_TEST(CountHolds(db, product) == 0, "a rejected body created a hold");

  for (const std::string body : {"[]", "{", "7"}) {
    BOOST_TEST_CONTEXT("body <" << body << ">") {
      CheckJsonError(api.PostOrderBody(body), 400, "invalid_json");
      CheckJsonError(api.WebhookSigned(body), 400, "invalid_json");
      CheckJsonError(api.CreateProduct(body), 400, "invalid_json");
      CheckJsonError(api.PatchProduct(product, body), 400, "invalid_json");
    }
  }
}

BOOST_AUTO_TEST_CASE(bodies_over_64_kib_are_413) {
  Api api;
  int64_t product = MustCreateProduct(api, 5);
  DbProbe db(Stack().mysql_socket());

  // 64 KiB exactly is within the limit: whatever the answer, it is not 413.
  HttpResponse at_limit = api.PostHoldBody(PaddedHoldBody(product, 64 * 1024));
  BOOST_TEST(at_limit.status != 413, at_limit.Describe());
  BOOST_TEST(at_limit.status != 0, at_limit.Describe());
  BOOST_TEST((at_limit.json_ok && at_limit.json.isObject()), at_limit.Describe());
  int64_t holds_before = CountHolds(db, product);

  for (size_t size : {size_t{64 * 1024 + 1}, size_t{200 * 1024}}) {
    BOOST_TEST_CONTEXT("POST /api/holds with " << size << " bytes") {
      CheckJsonError(api.PostHoldBody(PaddedHoldBody(product, size)), 413, "payload_too_large");
    }
  }
  std::string big_webhook = "{\"idempotency_key\":\"" + std::string(70 * 1024, 'k') +
                            "\",\"order_id\":1,\"status\":\"success\"}";
  CheckJsonError(api.WebhookSigned(big_webhook), 413, "payload_too_large");
  CheckJsonError(api.PostOrderBody("{\"hold_id\":1,\"x\":\"" + std::string(65 * 1024, 'x') + "\"}"),
                 413, "payload_too_large");
  BOOST_TEST(CountHolds(db, product) == holds_before, "an oversized body created a hold");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
