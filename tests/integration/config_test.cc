// What the service does when the operator configured no admin token and no webhook secret
// (the API reference "Operator endpoints", "Payment webhook"): the admin endpoints answer 404 not_found
// whatever the bearer, and, with webhook_allow_unsigned = true, webhooks are accepted unsigned, with
// a warning logged at start (without it the pool refuses to start: binaries_test.cc).
//
// The pool is restarted with a copy of conf/flashsale.conf whose admin_token and webhook_secret
// are empty (and no FLASHSALE_ override of them), then put back as it was.
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

class PoolWithoutSecrets {
 public:
  PoolWithoutSecrets() {
    std::string conf = Stack().var_dir() + "/tmp/itest-no-secrets.conf";
    std::ifstream in(Stack().repo_root() + "/conf/flashsale.conf");
    std::ostringstream text;
    // Copied elsewhere, the file's relative paths would point next to the copy.
    text << in.rdbuf() << "\n# itest: nothing configured\nadmin_token =\nwebhook_secret =\n"
         << "webhook_secret_previous =\nwebhook_allow_unsigned = true\n"
         << "log_config = " << Stack().repo_root() << "/conf/log4cplus.properties\n"
         << "sql_dir = " << Stack().repo_root() << "/sql\n";
    std::ofstream(conf) << text.str();
    Stack().RestartPool({{"FLASHSALE_CONFIG", conf},
                         {"FLASHSALE_ADMIN_TOKEN", kUnset},
                         {"FLASHSALE_WEBHOOK_SECRET", kUnset},
                         {"FLASHSALE_WEBHOOK_SECRET_PREVIOUS", kUnset}});
  }
  ~PoolWithoutSecrets() {
    try {
      Stack().RestartPool();
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("could not restore the pool's configuration: " << e.what());
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(configuration)

BOOST_AUTO_TEST_CASE(no_admin_token_and_no_webhook_secret) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t order = MustOrder(api, MustHold(api, product, 2));
  int64_t products_before = db.Int("SELECT COUNT(*) FROM products");
  size_t log_size_before = Stack().LogTail("flashsale.log", 1000000).size();

  {
    PoolWithoutSecrets unconfigured;
    for (const std::string& bearer : {std::string(kAdminToken), std::string("local-dev-admin-token"),
                                      std::string("")}) {
      BOOST_TEST_CONTEXT("bearer '" << bearer << "'") {
        Headers auth;
        if (!bearer.empty()) auth.emplace_back("Authorization", "Bearer " + bearer);
        HttpResponse create = api.http().Post(
            "/api/admin/products", "{\"name\":\"x\",\"price\":1.00,\"stock\":1}", auth);
        BOOST_TEST(create.status == 404, create.Describe());
        BOOST_TEST(create.ErrorCode() == "not_found", create.Describe());
        HttpResponse patch = api.http().Patch("/api/admin/products/" + std::to_string(product),
                                              "{\"stock\":3}", auth);
        BOOST_TEST(patch.status == 404, patch.Describe());
        BOOST_TEST(patch.ErrorCode() == "not_found", patch.Describe());
      }
    }
    BOOST_TEST(db.Int("SELECT COUNT(*) FROM products") == products_before);
    BOOST_TEST(ReadDbProduct(db, product).stock == 10);

    HttpResponse unsigned_call = api.WebhookRaw(Api::WebhookBody(UniqueName("unsigned"), order, "success"),
                                                std::nullopt);
    BOOST_TEST(unsigned_call.status == 200, unsigned_call.Describe());
    BOOST_TEST(unsigned_call.json["status"].asString() == "paid", unsigned_call.Describe());

    std::string log = Stack().LogTail("flashsale.log", 1000000);
    std::string since = log.size() > log_size_before ? log.substr(log_size_before) : log;
    bool warned = false;
    std::istringstream lines(since);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("WARN") != std::string::npos && line.find("webhook") != std::string::npos) {
        warned = true;
      }
    }
    BOOST_TEST(warned, "no warning about the missing webhook secret in flashsale.log");
  }

  // Back to the test configuration: the token works and unsigned webhooks are refused again.
  BOOST_TEST(api.PatchProduct(product, "{\"stock\":12}").status == 200);
  int64_t order2 = MustOrder(api, MustHold(api, product, 1));
  HttpResponse refused = api.WebhookRaw(Api::WebhookBody(UniqueName("unsigned"), order2, "success"),
                                        std::nullopt);
  BOOST_TEST(refused.status == 401, refused.Describe());
  CheckInvariants(db, "unconfigured secrets");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
