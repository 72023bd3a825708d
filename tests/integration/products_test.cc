// GET /api/products/{id} (the API reference "Products"): the seed product, the shape, and `available`
// following holds and releases.
#include <boost/test/unit_test.hpp>
#include <set>

#include "../support/api.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/test_stack.h"

namespace flashsale::itest {

BOOST_AUTO_TEST_SUITE(products)

// Product 1 is only ever read by the tests.
BOOST_AUTO_TEST_CASE(seed_product) {
  Api api;
  HttpResponse r = api.GetProduct(1);
  BOOST_REQUIRE_MESSAGE(r.status == 200 && r.json_ok, r.Describe());
  BOOST_TEST(r.json["id"].asInt64() == 1);
  BOOST_TEST(r.json["name"].asString() == "Flash Sale Item");
  BOOST_TEST(HasRawNumber(r.body, "price", "99.99"), r.body);
  BOOST_TEST(r.json["stock"].asInt64() == 100);
  BOOST_TEST(r.json["available"].asInt64() == 100);
  BOOST_TEST(r.json["max_per_buyer"].isNull(), r.body);
  BOOST_TEST(r.Header("Content-Type").rfind("application/json", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(shape_of_a_product) {
  Api api;
  std::string name = UniqueName("shape");
  int64_t id = MustCreateProduct(api, 7, "5.05", name);
  HttpResponse r = api.GetProduct(id);
  BOOST_REQUIRE_MESSAGE(r.status == 200 && r.json_ok && r.json.isObject(), r.Describe());
  std::set<std::string> keys;
  for (const std::string& k : r.json.getMemberNames()) keys.insert(k);
  BOOST_TEST((keys == std::set<std::string>{"id", "name", "price", "stock", "available",
                                            "max_per_buyer"}),
             r.body);
  BOOST_TEST(r.json["max_per_buyer"].isNull(), r.body);  // no limit unless the operator set one
  BOOST_TEST(r.json["id"].isIntegral());
  BOOST_TEST(r.json["id"].asInt64() == id);
  BOOST_TEST(r.json["name"].asString() == name);
  BOOST_TEST(HasRawNumber(r.body, "price", "5.05"), r.body);
  BOOST_TEST(r.json["stock"].isIntegral());
  BOOST_TEST(r.json["stock"].asInt64() == 7);
  BOOST_TEST(r.json["available"].isIntegral());
  BOOST_TEST(r.json["available"].asInt64() == 7);
}

BOOST_AUTO_TEST_CASE(available_follows_holds_and_releases) {
  Api api;
  int64_t id = MustCreateProduct(api, 10);
  int64_t first = MustHold(api, id, 3);
  ProductView v = MustGetProduct(api, id);
  BOOST_TEST(v.stock == 10);
  BOOST_TEST(v.available == 7);
  MustHold(api, id, 2);
  BOOST_TEST(MustGetProduct(api, id).available == 5);
  HttpResponse del = api.DeleteHold(first);
  BOOST_TEST(del.status == 200, del.Describe());
  v = MustGetProduct(api, id);
  BOOST_TEST(v.stock == 10);
  BOOST_TEST(v.available == 8);
  DbProbe db(Stack().mysql_socket());
  DbProduct row = ReadDbProduct(db, id);
  BOOST_TEST(row.stock == 10);
  BOOST_TEST(row.reserved == 2);
}

BOOST_AUTO_TEST_CASE(unknown_product_is_not_found) {
  Api api;
  DbProbe db(Stack().mysql_socket());
  int64_t unknown = db.Int("SELECT COALESCE(MAX(id), 0) FROM products") + 100000;
  HttpResponse r = api.GetProduct(unknown);
  BOOST_TEST(r.status == 404, r.Describe());
  BOOST_TEST(r.ErrorCode() == "not_found", r.Describe());
  BOOST_TEST(r.json["error"]["message"].isString(), r.Describe());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::itest
