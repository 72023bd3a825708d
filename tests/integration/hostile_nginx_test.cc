// Hostile input, part 1: requests nginx refuses by itself, before the pool sees them (the API reference,
// Conventions: "a request nginx cannot parse ... gets its usual status with a JSON error body
// too"). Sent byte for byte with the raw client (tests/support/raw_http.h), since libcurl will
// not send most of them. Every answer must carry its own status, Content-Type application/json
// and a JSON error body; never nginx's HTML page, never a 500.
//
// What cannot be JSON with a status: an HTTP/0.9 request ("GET /path", no version) is answered
// with a bare body and no status line or headers at all (nginx does that for 0.9); the body is
// still the JSON answer. A request that times out gets no answer (nginx 1.22 closes the
// connection instead of sending 408).
#include <boost/test/unit_test.hpp>
#include <set>
#include <sstream>

#include "../support/api.h"
#include "../support/db_probe.h"
#include "../support/hostile_checks.h"
#include "../support/raw_http.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

RawResponse Raw(std::string_view request) { return RawRequest(Stack().port(), request); }

RawResponse RawGet(std::string_view target, const Headers& headers = {}) {
  return Raw(RawRequestText("GET", target, headers));
}

std::set<std::string> AllowSet(const HttpResponse& r) {
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

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const std::string& m : s) out += (out.empty() ? "" : ",") + m;
  return out;
}

struct Case {
  std::string request;  // the bytes sent
  long status;
  const char* code;
};

void RunCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("request <" << Printable(c.request, 200) << ">") {
      RawResponse r = Raw(c.request);
      CheckJsonError(r, c.status, c.code);
    }
  }
}

const std::string kEnd = "Host: localhost\r\nConnection: close\r\n\r\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile)
BOOST_FIXTURE_TEST_SUITE(nginx, PoolWatch)

// Issue 8, problem 6: these came out as nginx's HTML 500 (error_page to a named location fails
// when the request line is bad) or as its HTML 400/414/501/505 pages.
BOOST_AUTO_TEST_CASE(bad_request_lines_are_400_json) {
  DbProbe db(Stack().mysql_socket());
  RowCounts before = CountRows(db);
  RunCases({
      {"GET /api/products/%00 HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"GET /api/products/1%00 HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"GET /api/%zz HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"GET /api/holds/%2 HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"GET /../etc/passwd HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"GET /api/../../x HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"GET /api/%2e%2e/%2e%2e/x HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"POST /../api/holds HTTP/1.1\r\nContent-Length: 2\r\n" + kEnd + "{}", 400, "bad_request"},
      {"get /api/health HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"Get /api/health HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"post /api/holds HTTP/1.1\r\nContent-Length: 2\r\n" + kEnd + "{}", 400, "bad_request"},
      {"G3T /api/health HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"GET * HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"OPTIONS * HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"CONNECT localhost:443 HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"GET api/health HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"GET /api/ health HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"GET /api/he\x01lth HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"GET /api/he\x7flth HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {std::string("GET /api/he\0lth HTTP/1.1\r\n", 26) + kEnd, 400, "bad_request"},
      {" GET /api/health HTTP/1.1\r\n" + kEnd, 400, "bad_request"},
      {"GET /api/health FOO/1.1\r\n" + kEnd, 400, "bad_request"},
      {"GET /api/health HTTP/1.x\r\n" + kEnd, 400, "bad_request"},
      {"GET /api/health HTTP/1.1 extra\r\n" + kEnd, 400, "bad_request"},
  });
  CheckNothingRecorded(db, before);
}

BOOST_AUTO_TEST_CASE(bad_headers_are_400_json) {
  DbProbe db(Stack().mysql_socket());
  RowCounts before = CountRows(db);
  const std::string hold = "POST /api/holds HTTP/1.1\r\n";
  RunCases({
      {"GET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n", 400, "bad_request"},  // no Host
      {"GET /api/health HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n", 400,
       "bad_request"},
      {"GET /api/health HTTP/1.1\r\nHost: a/b\r\nConnection: close\r\n\r\n", 400, "bad_request"},
      {"GET /api/health HTTP/1.1\r\nHost: ..\r\nConnection: close\r\n\r\n", 400, "bad_request"},
      {"GET /api/health HTTP/1.1\r\n X-Folded: yes\r\n" + kEnd, 400, "bad_request"},
      {std::string("GET /api/health HTTP/1.1\r\nX-A: a\0b\r\n", 37) + kEnd, 400, "bad_request"},
      {hold + "Content-Length: -1\r\n" + kEnd, 400, "bad_request"},
      {hold + "Content-Length: abc\r\n" + kEnd, 400, "bad_request"},
      {hold + "Content-Length: 99999999999999999999999\r\n" + kEnd, 400, "bad_request"},
      {hold + "Content-Length: 2\r\nContent-Length: 3\r\n" + kEnd + "{}", 400, "bad_request"},
      {hold + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n" + kEnd + "2\r\n{}\r\n0\r\n\r\n",
       400, "bad_request"},
      {"POST /api/holds HTTP/1.0\r\nTransfer-Encoding: chunked\r\n" + kEnd + "0\r\n\r\n", 400,
       "bad_request"},
      {hold + "Transfer-Encoding: chunked\r\n" + kEnd + "zz\r\n{}\r\n0\r\n\r\n", 400,
       "bad_request"},
  });
  CheckNothingRecorded(db, before);
}

BOOST_AUTO_TEST_CASE(too_long_uri_is_414_and_too_large_headers_are_431) {
  std::string long_path = "/api/products/" + std::string(9000, '1');
  std::string long_query = "/api/logs?type=" + std::string(9000, 'x');
  std::string many_headers;
  for (int i = 0; i < 10; ++i) many_headers += "X-Pad-" + std::to_string(i) + ": " + std::string(4000, 'p') + "\r\n";
  RunCases({
      {"GET " + long_path + " HTTP/1.1\r\n" + kEnd, 414, "uri_too_long"},
      {"GET " + long_query + " HTTP/1.1\r\n" + kEnd, 414, "uri_too_long"},
      {"POST /api/holds?" + std::string(9000, 'q') + " HTTP/1.1\r\nContent-Length: 2\r\n" + kEnd +
           "{}",
       414, "uri_too_long"},
      {"GET /api/health HTTP/1.1\r\nX-Long: " + std::string(9000, 'h') + "\r\n" + kEnd, 431,
       "header_too_large"},
      {"GET /api/health HTTP/1.1\r\nCookie: " + std::string(9000, 'c') + "\r\n" + kEnd, 431,
       "header_too_large"},
      {"POST /api/holds HTTP/1.1\r\nIdempotency-Key: " + std::string(9000, 'k') +
           "\r\nContent-Length: 2\r\n" + kEnd + "{}",
       431, "header_too_large"},
      {"GET /api/health HTTP/1.1\r\n" + many_headers + kEnd, 431, "header_too_large"},
  });
  // Just under the limits, the request reaches the application.
  CheckJsonError(RawGet("/api/products/" + std::string(7000, '1')), 404, "not_found");
  RawResponse near = RawGet("/api/health", {{"X-Long", std::string(7000, 'h')}});
  CheckJsonAnswer(near);
  BOOST_TEST(near.status == 200, AnswerText(near));
  // Every header buffer nearly full: the FastCGI params stay under their 64 KiB record limit.
  Headers full;
  for (int i = 0; i < 3; ++i) full.emplace_back("X-Full-" + std::to_string(i), std::string(8000, 'f'));
  CheckJsonError(RawGet("/api/products/" + std::string(7900, '1') + "?" + std::string(60, 'q'), full),
                 404, "not_found");
}

BOOST_AUTO_TEST_CASE(unsupported_transfer_encoding_is_501_and_http_version_505) {
  const std::string hold = "POST /api/holds HTTP/1.1\r\n";
  RunCases({
      {hold + "Transfer-Encoding: gzip\r\n" + kEnd, 501, "not_implemented"},
      {hold + "Transfer-Encoding: chunked, gzip\r\n" + kEnd, 501, "not_implemented"},
      {hold + "Transfer-Encoding: identity\r\n" + kEnd, 501, "not_implemented"},
      {"GET /api/health HTTP/2.0\r\n" + kEnd, 505, "http_version_not_supported"},
      {"GET /api/health HTTP/3.0\r\n" + kEnd, 505, "http_version_not_supported"},
      {"GET /api/health HTTP/10.1\r\n" + kEnd, 505, "http_version_not_supported"},
      {"POST /api/holds HTTP/2.0\r\nContent-Length: 2\r\n" + kEnd + "{}", 505,
       "http_version_not_supported"},
  });
}

BOOST_AUTO_TEST_CASE(body_over_64_kib_is_413_before_it_is_sent) {
  // Content-Length alone decides: nginx answers without reading the body.
  RunCases({
      {"POST /api/holds HTTP/1.1\r\nContent-Length: 100000\r\n" + kEnd, 413, "payload_too_large"},
      {"PATCH /api/admin/products/1 HTTP/1.1\r\nContent-Length: 65537\r\n" + kEnd, 413,
       "payload_too_large"},
  });
  // A chunked body that grows past 64 KiB.
  std::string chunk(40000, ' ');
  std::string chunked = "POST /api/holds HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" + kEnd;
  for (int i = 0; i < 2; ++i) chunked += "9c40\r\n" + chunk + "\r\n";
  chunked += "0\r\n\r\n";
  CheckJsonError(Raw(chunked), 413, "payload_too_large");
}

// TRACE is refused by nginx itself, before it looks at the path: 405 with the same Allow header
// the application gives any other wrong method on that path, and 404 where there is no endpoint.
BOOST_AUTO_TEST_CASE(trace_is_405_with_the_applications_allow_or_404) {
  Api api;
  const char* paths[] = {
      "/api/health",          "/api/products/1",      "/api/products/abc",
      "/api/products/",       "/api/holds",           "/api/holds/1",
      "/api/holds/0?x=1",     "/api/orders",          "/api/orders/9",
      "/api/payments/webhook", "/api/logs",           "/api/logs?limit=1&type=x",
      "/api/admin/products",  "/api/admin/products/1", "/api/admin/products/x",
      "/api/nope",            "/api/holds/1/extra",   "/api/payments",
      "/api/admin",           "/api/health/",         "/api",
      "/",                    "/index.html",          "/api/orders?x=/y",
  };
  for (const char* path : paths) {
    BOOST_TEST_CONTEXT("TRACE " << path) {
      RawResponse trace = Raw(RawRequestText("TRACE", path));
      HttpResponse other = api.http().Request("PROPFIND", path);  // answered by the application
      CheckJsonAnswer(trace);
      CheckJsonAnswer(other);
      BOOST_TEST(trace.status == other.status, AnswerText(trace) << " vs " << AnswerText(other));
      BOOST_TEST(trace.ErrorCode() == other.ErrorCode());
      if (other.status == 405) {
        BOOST_TEST(trace.HasHeader("Allow"), AnswerText(trace));
        BOOST_TEST(Join(AllowSet(trace)) == Join(AllowSet(other)),
                   "nginx Allow '" << trace.Header("Allow") << "', application Allow '"
                                   << other.Header("Allow") << "'");
      } else {
        BOOST_TEST(other.status == 404, AnswerText(other));
        BOOST_TEST(!trace.HasHeader("Allow"), AnswerText(trace));
      }
    }
  }
}

// HEAD is answered like GET, without a body; nginx's own errors too.
BOOST_AUTO_TEST_CASE(head_is_answered_like_get) {
  int64_t product = MustCreateProduct(Api(), 3);
  struct Row {
    std::string target;
    long status;
    std::string allow;
  };
  const Row rows[] = {
      {"/api/health", 200, ""},
      {"/api/products/" + std::to_string(product), 200, ""},
      {"/api/logs?limit=1", 200, ""},
      {"/api/products/999999999", 404, ""},
      {"/api/holds", 405, "POST"},
      {"/api/admin/products/1", 405, "PATCH"},
      {"/api/nope", 404, ""},
      {"/", 404, ""},
      {"/api/%zz", 400, ""},
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT("HEAD " << row.target) {
      RawResponse r = Raw(RawRequestText("HEAD", row.target));
      BOOST_TEST(r.status == row.status, AnswerText(r));
      BOOST_TEST(r.Header("Content-Type").rfind("application/json", 0) == 0u, AnswerText(r));
      BOOST_TEST(r.body.empty(), AnswerText(r));
      if (!row.allow.empty()) BOOST_TEST(r.Header("Allow") == row.allow, AnswerText(r));
    }
  }
  // GET answers the same status with a body; Content-Length of HEAD is GET's.
  RawResponse head = Raw(RawRequestText("HEAD", "/api/products/" + std::to_string(product)));
  RawResponse get = RawGet("/api/products/" + std::to_string(product));
  CheckJsonAnswer(get);
  BOOST_TEST(head.Header("Content-Length") == std::to_string(get.body.size()));
}

// The internal error locations are not reachable from outside, and the statuses nginx uses
// for a request it routes itself are JSON too.
BOOST_AUTO_TEST_CASE(nginx_routes_and_internal_locations_answer_json) {
  for (const char* target : {"/", "/index.html", "/api", "/favicon.ico", "/__flashsale_error/400",
                             "/__flashsale_error/405", "/__flashsale_error/500",
                             "/__flashsale_error/", "/api/../__flashsale_error/502",
                             "/%5f_flashsale_error/503", "/nginx_status", "/server-status"}) {
    BOOST_TEST_CONTEXT("GET " << target) { CheckJsonError(RawGet(target), 404, "not_found"); }
  }
  // Conditional and range headers do not turn an answer into nginx's 412 or 416 page.
  for (const Headers& h : std::vector<Headers>{
           {{"If-Match", "\"x\""}},
           {{"If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}},
           {{"If-None-Match", "*"}},
           {{"Range", "bytes=5-1"}},
           {{"Range", "bytes=0-3"}},
           {{"Expect", "something-else"}}}) {
    BOOST_TEST_CONTEXT(h[0].first << ": " << h[0].second) {
      RawResponse r = RawGet("/api/health", h);
      CheckJsonAnswer(r);
      BOOST_TEST(r.status == 200, AnswerText(r));
    }
  }
}

// HTTP/0.9: nginx sends the body alone, without status line or headers, for any answer. Nothing
// can add a status or a Content-Type there; the body is still JSON.
BOOST_AUTO_TEST_CASE(http_0_9_gets_a_bare_json_body) {
  struct Row {
    const char* request;
    const char* code;  // "" for a success body
  };
  const Row rows[] = {
      {"GET /api/health\r\n", ""},
      {"GET /api/nope\r\n", "not_found"},
      {"GET /../x\r\n", "bad_request"},
      {"GET /api/%00\r\n", "bad_request"},
      {"POST /api/holds\r\n", "bad_request"},  // 0.9 knows GET only
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT("request <" << Printable(row.request) << ">") {
      RawResponse r = Raw(row.request);
      BOOST_TEST(r.bare, AnswerText(r));
      BOOST_TEST(Utf8Valid(r.body), AnswerText(r));
      BOOST_TEST((r.json_ok && r.json.isObject()), AnswerText(r));
      BOOST_TEST(r.ErrorCode() == row.code, AnswerText(r));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
