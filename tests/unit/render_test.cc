#include "api/render.h"

#include <boost/test/unit_test.hpp>

#include "util/json.h"

using namespace flashsale;

BOOST_AUTO_TEST_SUITE(render)

BOOST_AUTO_TEST_CASE(product_body_is_the_contract_shape_with_exact_money) {
  store::ProductSnapshot p;
  p.id = 1;
  p.name = "Flash Sale Item";
  p.price_cents = 9999;
  p.stock = 100;
  p.available = 97;
  BOOST_TEST(api::RenderProductBody(p) ==
             R"({"available":97,"id":1,"max_per_buyer":null,"name":"Flash Sale Item","price":99.99,"stock":100})");
  p.name = "Quote \" and \\ and \n";
  p.price_cents = 5990;
  p.max_per_buyer = 2;
  BOOST_TEST(api::RenderProductBody(p) ==
             R"({"available":97,"id":1,"max_per_buyer":2,"name":"Quote \" and \\ and \n","price":59.90,"stock":100})");
}

BOOST_AUTO_TEST_CASE(order_money_is_exact) {
  store::OrderRecord o;
  o.id = 3;
  o.hold_id = 2;
  o.product_id = 1;
  o.quantity = 2;
  o.total_cents = 19998;
  o.expires_at = 1'795'514'400'000;  // 2026-11-24T10:00:00.000Z
  Json::Value v = api::RenderOrder(o);
  BOOST_TEST(util::WriteJson(v) ==
             R"({"buyer_id":null,"expires_at":"2026-11-24T10:00:00.000Z","hold_id":2,"order_id":3,"product_id":1,"quantity":2,"status":"pending","total_price":199.98})");
  o.buyer_id = "cust-8812";
  BOOST_TEST(api::RenderOrder(o)["buyer_id"].asString() == "cust-8812");
}

BOOST_AUTO_TEST_CASE(hold_shows_its_buyer_or_null) {
  store::HoldRecord h;
  h.id = 1;
  h.product_id = 1;
  h.quantity = 2;
  h.expires_at = 1'795'514'400'000;
  BOOST_TEST(util::WriteJson(api::RenderHold(h)) ==
             R"({"buyer_id":null,"expires_at":"2026-11-24T10:00:00.000Z","hold_id":1,"product_id":1,"quantity":2,"status":"active"})");
  h.buyer_id = "cust-8812";
  BOOST_TEST(api::RenderHold(h)["buyer_id"].asString() == "cust-8812");
}

BOOST_AUTO_TEST_CASE(order_expires_at_is_null_once_paid_or_cancelled) {
  store::OrderRecord o;
  o.expires_at = 1'795'514'400'000;
  for (store::OrderStatus s : {store::OrderStatus::kPaid, store::OrderStatus::kCancelled}) {
    o.status = s;
    Json::Value v = api::RenderOrder(o);
    BOOST_TEST(v.isMember("expires_at"));
    BOOST_TEST(v["expires_at"].isNull(), store::ToString(s));
  }
  o.status = store::OrderStatus::kExpired;  // when it expired
  BOOST_TEST(api::RenderOrder(o)["expires_at"].asString() == "2026-11-24T10:00:00.000Z");
}

BOOST_AUTO_TEST_SUITE_END()
