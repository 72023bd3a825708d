#include "http/error_map.h"

#include <boost/test/unit_test.hpp>

#include "api/validate.h"

using namespace flashsale;

BOOST_AUTO_TEST_SUITE(error_map)

BOOST_AUTO_TEST_CASE(codes_map_to_http_statuses) {
  struct Case {
    Status status;
    int http;
  };
  const Case cases[] = {
      {Status::InvalidArgument("invalid_json", "x"), 400},
      {Status::InvalidArgument("validation_failed", "x"), 422},
      {Status::InvalidArgument("idempotency_key_reused", "x"), 422},
      {Status::NotFound("hold_not_found", "x"), 404},
      {Status::Conflict("insufficient_stock", "x"), 409},
      {Status::Unauthorized("invalid_signature", "x"), 401},
      {Status::MethodNotAllowed("x"), 405},
      {Status::PayloadTooLarge("x"), 413},
      {Status::Retryable("x"), 503},
      {Status::Unavailable("x"), 503},
      {Status::Internal("x"), 500},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.status.error()) {
      BOOST_TEST(http::HttpStatusFor(c.status) == c.http);
      BOOST_TEST(http::ErrorResponse(c.status).status == c.http);
    }
  }
}

BOOST_AUTO_TEST_CASE(error_bodies_follow_the_contract) {
  http::Response r = http::ErrorResponse(
      Status::Conflict("insufficient_stock", "not enough").With("available", 3));
  BOOST_TEST(r.body ==
             "{\"error\":{\"available\":3,\"code\":\"insufficient_stock\",\"message\":\"not enough\"}}");

  Status v = Status::InvalidArgument("validation_failed", "bad");
  v.WithField("quantity", "must be an integer");
  r = http::ErrorResponse(v);
  BOOST_TEST(r.status == 422);
  BOOST_TEST(r.body.find("\"fields\":{\"quantity\":\"must be an integer\"}") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(server_errors_leak_nothing_and_503_says_retry_after) {
  http::Response r = http::ErrorResponse(Status::Internal("SELECT * FROM secret_table /app/x.cc"));
  BOOST_TEST(r.body == "{\"error\":{\"code\":\"internal_error\",\"message\":\"internal error\"}}");
  r = http::ErrorResponse(Status::Unavailable("database unavailable at /var/run/mysqld.sock"));
  BOOST_TEST(r.body.find("mysqld") == std::string::npos);
  BOOST_TEST(r.body.find("service_unavailable") != std::string::npos);
  bool retry_after = false;
  for (const auto& [name, value] : r.headers) retry_after |= name == "Retry-After";
  BOOST_TEST(retry_after);
}

BOOST_AUTO_TEST_SUITE_END()
