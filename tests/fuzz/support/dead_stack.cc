#include "support/dead_stack.h"

#include <log4cplus/initializer.h>
#include <log4cplus/logger.h>
#include <log4cplus/nullappender.h>

#include "api/api.h"
#include "store/db.h"
#include "store/product_cache.h"
#include "store/redis_client.h"
#include "support/fuzz_check.h"
#include "support/reference.h"
#include "util/config.h"
#include "util/json_reader.h"
#include "util/text.h"

namespace flashsale::fuzz {
namespace {

struct DeadStack {
  DeadStack()
      : db(DbOptions()),
        redis(RedisOptions()),
        cache(redis, trust),
        deps{db, cache, Config()},
        api(deps) {}

  static store::DbOptions DbOptions() {
    store::DbOptions o;
    o.socket = "/nonexistent/flashsale-fuzz/mysqld.sock";
    o.user = "flashsale";
    o.schema = "flashsale";
    o.retry_attempts = 1;  // no back-off sleeps
    return o;
  }
  static store::RedisOptions RedisOptions() {
    store::RedisOptions o;
    o.socket = "/nonexistent/flashsale-fuzz/redis.sock";
    o.timeout_ms = 10;
    return o;
  }
  static const util::Config& Config() {
    static const util::Config config = [] {
      util::Config c;
      c.webhook_secret = kFuzzWebhookSecret;
      c.webhook_secret_previous = kFuzzWebhookSecretPrevious;
      c.admin_token = kFuzzAdminToken;
      return c;
    }();
    return config;
  }

  store::Database db;
  store::RedisClient redis;
  store::CacheTrust trust;
  store::ProductCache cache;
  domain::Deps deps;
  api::Api api;
};

}  // namespace

void SilenceLogs() {
  static bool done = [] {
    log4cplus::initialize();
    log4cplus::Logger root = log4cplus::Logger::getRoot();
    root.removeAllAppenders();
    root.addAppender(log4cplus::SharedAppenderPtr(new log4cplus::NullAppender()));
    root.setLogLevel(log4cplus::TRACE_LOG_LEVEL);
    return true;
  }();
  (void)done;
}

http::Response HandleWithDeadStack(http::Request& request) {
  SilenceLogs();
  static DeadStack* stack = new DeadStack();  // never destroyed: lives as long as the process
  return stack->api.Handle(request);
}

void CheckClientResponse(const http::Response& r, const std::string& what) {
  static const int kAllowed[] = {200, 201, 202, 400, 401, 404, 405, 409, 413, 422, 503};
  bool allowed = false;
  for (int s : kAllowed) allowed = allowed || s == r.status;
  FUZZ_CHECK(allowed, "status " << r.status << " for client input " << what << "\nbody: "
                                << Printable(r.body));
  FUZZ_CHECK(util::IsValidUtf8(r.body) && RefUtf8Length(r.body).has_value(),
             "body is not valid UTF-8: " << Printable(r.body) << "\ninput: " << what);
  std::optional<util::JsonDocument> doc = util::ReadJson(r.body);
  FUZZ_CHECK(doc && doc->value.isObject(),
             "body is not a strict JSON object: " << Printable(r.body) << "\ninput: " << what);
  FUZZ_CHECK(RefParseJson(r.body).has_value(),
             "the reference parser refuses the body: " << Printable(r.body));
  bool health_down = r.status == 503 && doc->value["status"] == "down";  // GET /api/health
  if (r.status >= 400 && !health_down) {
    const Json::Value& error = doc->value["error"];
    FUZZ_CHECK(error.isObject() && error["code"].isString() && error["message"].isString(),
               "error body without code/message: " << Printable(r.body));
    if (r.status == 422) FUZZ_CHECK(error["fields"].isObject() && !error["fields"].empty(),
                                    "422 without fields: " << Printable(r.body));
  }
  auto header = [&](const char* name) -> const std::string* {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return &v;
    }
    return nullptr;
  };
  if (r.status == 405) FUZZ_CHECK(header("Allow") && !header("Allow")->empty(), "405 without Allow");
  if (r.status == 503) FUZZ_CHECK(header("Retry-After") != nullptr, "503 without Retry-After");
  for (const auto& [n, v] : r.headers) {
    FUZZ_CHECK(n.find_first_of("\r\n:") == std::string::npos &&
                   v.find_first_of("\r\n") == std::string::npos,
               "header injection: " << Printable(n) << ": " << Printable(v));
  }
}

}  // namespace flashsale::fuzz
