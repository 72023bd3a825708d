// Operator endpoints (the API reference "Operator endpoints"): bearer authentication, creating products
// with exact prices, changing stock, and refusing stock below what is held and pending.
#include <boost/test/unit_test.hpp>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {
namespace {

std::string ProductBody(const std::string& name, const std::string& price, const std::string& stock) {
  return "{\"name\":\"" + name + "\",\"price\":" + price + ",\"stock\":" + stock + "}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(admin)

BOOST_AUTO_TEST_CASE(missing_or_wrong_bearer_is_401) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t product = MustCreateProduct(api, 10);
  int64_t products_before = db.Int("SELECT COUNT(*) FROM products");
  const std::string token = kAdminToken;
  struct Row {
    const char* what;
    std::optional<std::string> authorization;  // nullopt: no header
  };
  const Row rows[] = {
      {"no header", std::nullopt},
      {"wrong token", "Bearer wrong-token"},
      {"token with a suffix", "Bearer " + token + "x"},
      {"token prefix only", "Bearer " + token.substr(0, token.size() - 1)},
      {"Basic scheme", "Basic " + token},
      {"no scheme", token},
      {"scheme without token", "Bearer"},
      {"the webhook secret", std::string("Bearer ") + kWebhookSecret},
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT(row.what) {
      Headers headers;
      if (row.authorization) headers.emplace_back("Authorization", *row.authorization);
      HttpResponse create = api.http().Post(
          "/api/admin/products", ProductBody(UniqueName("unauth"), "1.00", "5"), headers);
      BOOST_TEST(create.status == 401, create.Describe());
      BOOST_TEST(create.ErrorCode() == "unauthorized", create.Describe());
      HttpResponse patch = api.http().Patch("/api/admin/products/" + std::to_string(product),
                                            "{\"stock\":99}", headers);
      BOOST_TEST(patch.status == 401, patch.Describe());
      BOOST_TEST(patch.ErrorCode() == "unauthorized", patch.Describe());
    }
  }
  BOOST_TEST(db.Int("SELECT COUNT(*) FROM products") == products_before);
  BOOST_TEST(ReadDbProduct(db, product).stock == 10);
}

BOOST_AUTO_TEST_CASE(create_product_keeps_the_price_exact) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  struct Row {
    const char* sent;      // the JSON number in the request
    const char* written;   // how the answer must write it
    int64_t cents;
  };
  const Row rows[] = {
      {"59.90", "59.90", 5990},       {"59.9", "59.90", 5990},     {"100", "100.00", 10000},
      {"0.01", "0.01", 1},            {"0.1", "0.10", 10},         {"19.99", "19.99", 1999},
      {"999999.99", "999999.99", 99999999},                     {"0.07", "0.07", 7},
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT("price " << row.sent) {
      std::string name = UniqueName("price");
      HttpResponse r = api.CreateProduct(ProductBody(name, row.sent, "10"));
      BOOST_TEST_REQUIRE(r.status == 201, r.Describe());
      BOOST_TEST(r.Header("Content-Type").rfind("application/json", 0) == 0u);
      BOOST_TEST(HasRawNumber(r.body, "price", row.written), r.body);
      BOOST_TEST(r.json["name"].asString() == name, r.body);
      BOOST_TEST(r.json["stock"].asInt64() == 10, r.body);
      BOOST_TEST(r.json["available"].asInt64() == 10, r.body);
      int64_t id = r.json["id"].asInt64();
      BOOST_TEST(id > 1);
      HttpResponse got = api.GetProduct(id);
      BOOST_TEST(got.status == 200, got.Describe());
      BOOST_TEST(HasRawNumber(got.body, "price", row.written), got.body);
      BOOST_TEST(ReadDbProduct(db, id).price_cents == row.cents);
    }
  }
}

BOOST_AUTO_TEST_CASE(create_product_validation) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t products_before = db.Int("SELECT COUNT(*) FROM products");
  struct Row {
    std::string body;
    const char* field;
  };
  const std::string n = "\"name\":\"itest-invalid\"";
  const Row rows[] = {
      {"{\"price\":1.00,\"stock\":1}", "name"},
      {"{\"name\":123,\"price\":1.00,\"stock\":1}", "name"},
      {"{" + n + ",\"stock\":1}", "price"},
      {"{" + n + ",\"price\":\"59.90\",\"stock\":1}", "price"},
      {"{" + n + ",\"price\":-1.00,\"stock\":1}", "price"},
      {"{" + n + ",\"price\":true,\"stock\":1}", "price"},
      {"{" + n + ",\"price\":1.00}", "stock"},
      {"{" + n + ",\"price\":1.00,\"stock\":-1}", "stock"},
      {"{" + n + ",\"price\":1.00,\"stock\":\"10\"}", "stock"},
      {"{" + n + ",\"price\":1.00,\"stock\":2.5}", "stock"},
      {"{" + n + ",\"price\":1.00,\"stock\":true}", "stock"},
  };
  for (const Row& row : rows) {
    BOOST_TEST_CONTEXT(row.body) {
      HttpResponse r = api.CreateProduct(row.body);
      BOOST_TEST(r.status == 422, r.Describe());
      BOOST_TEST(r.ErrorCode() == "validation_failed", r.Describe());
      BOOST_TEST(r.json["error"]["fields"][row.field].isString(),
                 "no fields." << row.field << " in " << r.body);
    }
  }
  BOOST_TEST(db.Int("SELECT COUNT(*) FROM products") == products_before);
}

BOOST_AUTO_TEST_CASE(patch_stock) {
  Api api;
  int64_t id = MustCreateProduct(api, 10, "2.50");
  MustHold(api, id, 4);
  for (int64_t stock : {25, 4, 100}) {
    BOOST_TEST_CONTEXT("stock " << stock) {
      HttpResponse r = api.PatchProduct(id, "{\"stock\":" + std::to_string(stock) + "}");
      BOOST_TEST_REQUIRE(r.status == 200, r.Describe());
      BOOST_TEST(r.json["id"].asInt64() == id);
      BOOST_TEST(r.json["stock"].asInt64() == stock, r.body);
      BOOST_TEST(r.json["available"].asInt64() == stock - 4, r.body);
      BOOST_TEST(HasRawNumber(r.body, "price", "2.50"), r.body);
      ProductView v = MustGetProduct(api, id);
      BOOST_TEST(v.stock == stock);
      BOOST_TEST(v.available == stock - 4);
    }
  }
  DbProbe db(Stack().mysql_socket());
  BOOST_TEST(ReadDbProduct(db, id).stock == 100);
  CheckInvariants(db, "PATCH stock");
}

BOOST_AUTO_TEST_CASE(patch_below_held_and_pending_is_409) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t id = MustCreateProduct(api, 10);
  int64_t hold = MustHold(api, id, 6);

  HttpResponse below = api.PatchProduct(id, "{\"stock\":5}");
  BOOST_TEST(below.status == 409, below.Describe());
  BOOST_TEST(below.ErrorCode() == "stock_below_reserved", below.Describe());
  ProductView v = MustGetProduct(api, id);
  BOOST_TEST(v.stock == 10);
  BOOST_TEST(v.available == 4);

  int64_t order = MustOrder(api, hold);  // the units are pending now, still not free
  below = api.PatchProduct(id, "{\"stock\":5}");
  BOOST_TEST(below.status == 409, below.Describe());
  BOOST_TEST(below.ErrorCode() == "stock_below_reserved", below.Describe());

  HttpResponse exact = api.PatchProduct(id, "{\"stock\":6}");
  BOOST_TEST(exact.status == 200, exact.Describe());
  v = MustGetProduct(api, id);
  BOOST_TEST(v.stock == 6);
  BOOST_TEST(v.available == 0);

  HttpResponse paid = api.Webhook(UniqueName("admin-pay"), order, "success");
  BOOST_TEST(paid.status == 200, paid.Describe());
  v = MustGetProduct(api, id);
  BOOST_TEST(v.stock == 0);
  BOOST_TEST(v.available == 0);
  HttpResponse restock = api.PatchProduct(id, "{\"stock\":3}");
  BOOST_TEST(restock.status == 200, restock.Describe());
  BOOST_TEST(MustGetProduct(api, id).available == 3);
  CheckInvariants(db, "PATCH below reserved");
}

BOOST_AUTO_TEST_CASE(patch_validation_and_unknown_product) {
  Api api;
  int64_t id = MustCreateProduct(api, 10);
  for (const std::string body : {"{\"stock\":-1}", "{\"stock\":\"25\"}", "{\"stock\":2.5}",
                                 "{\"stock\":true}", "{}", "{\"stock\":null}"}) {
    BOOST_TEST_CONTEXT(body) {
      HttpResponse r = api.PatchProduct(id, body);
      BOOST_TEST(r.status == 422, r.Describe());
      BOOST_TEST(r.ErrorCode() == "validation_failed", r.Describe());
      BOOST_TEST(r.json["error"]["fields"]["stock"].isString(), r.body);
    }
  }
  BOOST_TEST(MustGetProduct(api, id).stock == 10);
  DbProbe db(Stack().mysql_socket());
  int64_t unknown = db.Int("SELECT COALESCE(MAX(id), 0) FROM products") + 100000;
  HttpResponse r = api.PatchProduct(unknown, "{\"stock\":5}");
  BOOST_TEST(r.status == 404, r.Describe());
  BOOST_TEST((r.json_ok && r.json["error"]["code"].isString()), r.Describe());
}

BOOST_AUTO_TEST_CASE(max_per_buyer_on_create_and_patch) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  struct Row {
    const char* sent;  // "" = absent
    const char* shown;
  };
  for (const Row& row : {Row{"", "null"}, Row{",\"max_per_buyer\":null", "null"},
                         Row{",\"max_per_buyer\":2", "2"}, Row{",\"max_per_buyer\":1", "1"}}) {
    BOOST_TEST_CONTEXT("create with '" << row.sent << "'") {
      HttpResponse r = api.CreateProduct("{\"name\":\"" + UniqueName("limit") +
                                         "\",\"price\":1.00,\"stock\":5" + row.sent + "}");
      BOOST_TEST_REQUIRE(r.status == 201, r.Describe());
      bool shown = std::string(row.shown) == "null"
                       ? r.json.isMember("max_per_buyer") && r.json["max_per_buyer"].isNull()
                       : HasRawNumber(r.body, "max_per_buyer", row.shown);
      BOOST_TEST(shown, r.body);
      HttpResponse got = api.GetProduct(r.json["id"].asInt64());
      BOOST_TEST(got.json.isMember("max_per_buyer"), got.body);
      BOOST_TEST(got.json["max_per_buyer"] == r.json["max_per_buyer"], got.body);
    }
  }
  int64_t id = MustCreateProduct(api, 10);
  HttpResponse set = api.PatchProduct(id, "{\"max_per_buyer\":3}");
  BOOST_TEST_REQUIRE(set.status == 200, set.Describe());
  BOOST_TEST(set.json["max_per_buyer"].asInt64() == 3, set.body);
  BOOST_TEST(set.json["stock"].asInt64() == 10, set.body);
  BOOST_TEST(api.GetProduct(id).json["max_per_buyer"].asInt64() == 3);
  HttpResponse other = api.PatchProduct(id, "{\"stock\":12}");  // the limit stays
  BOOST_TEST(other.json["max_per_buyer"].asInt64() == 3, other.body);
  HttpResponse cleared = api.PatchProduct(id, "{\"max_per_buyer\":null}");
  BOOST_TEST_REQUIRE(cleared.status == 200, cleared.Describe());
  BOOST_TEST(cleared.json["max_per_buyer"].isNull(), cleared.body);
  BOOST_TEST(api.GetProduct(id).json["max_per_buyer"].isNull());
  BOOST_TEST(db.Int("SELECT COUNT(*) FROM products WHERE id = ? AND max_per_buyer IS NULL", {id}) ==
             1);

  int64_t products_before = db.Int("SELECT COUNT(*) FROM products");
  for (const char* bad : {"0", "-1", "\"2\"", "2.5", "true", "[2]", "1000000001"}) {
    BOOST_TEST_CONTEXT("max_per_buyer " << bad) {
      HttpResponse create = api.CreateProduct("{\"name\":\"itest-bad-limit\",\"price\":1.00,"
                                              "\"stock\":5,\"max_per_buyer\":" +
                                              std::string(bad) + "}");
      BOOST_TEST(create.status == 422, create.Describe());
      BOOST_TEST(create.json["error"]["fields"]["max_per_buyer"].isString(), create.body);
      HttpResponse patch = api.PatchProduct(id, "{\"max_per_buyer\":" + std::string(bad) + "}");
      BOOST_TEST(patch.status == 422, patch.Describe());
      BOOST_TEST(patch.json["error"]["fields"]["max_per_buyer"].isString(), patch.body);
    }
  }
  BOOST_TEST(db.Int("SELECT COUNT(*) FROM products") == products_before);
  BOOST_TEST(api.GetProduct(id).json["max_per_buyer"].isNull());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
