#include "domain/rules.h"

#include <boost/test/unit_test.hpp>

using namespace flashsale;
using store::HoldStatus;

BOOST_AUTO_TEST_SUITE(rules)

std::string Name(HoldStatus s) { return store::ToString(s); }

BOOST_AUTO_TEST_CASE(a_hold_expires_exactly_at_expires_at) {
  store::HoldRecord h;
  h.status = HoldStatus::kActive;
  h.expires_at = 10'000;
  BOOST_TEST(Name(domain::EffectiveStatus(h, 9'999)) == Name(HoldStatus::kActive));
  BOOST_TEST(Name(domain::EffectiveStatus(h, 10'000)) == Name(HoldStatus::kExpired));
  BOOST_TEST(Name(domain::EffectiveStatus(h, 20'000)) == Name(HoldStatus::kExpired));
  for (HoldStatus s : {HoldStatus::kUsed, HoldStatus::kReleased, HoldStatus::kExpired}) {
    h.status = s;
    BOOST_TEST(Name(domain::EffectiveStatus(h, 20'000)) == Name(s));  // final states stay as they are
  }
}

std::string Name(store::OrderStatus s) { return store::ToString(s); }

BOOST_AUTO_TEST_CASE(a_pending_order_expires_exactly_at_expires_at) {
  store::OrderRecord o;
  o.status = store::OrderStatus::kPending;
  o.expires_at = 10'000;
  BOOST_TEST(Name(domain::EffectiveStatus(o, 9'999)) == Name(store::OrderStatus::kPending));
  BOOST_TEST(Name(domain::EffectiveStatus(o, 10'000)) == Name(store::OrderStatus::kExpired));
  BOOST_TEST(Name(domain::EffectiveStatus(o, 99'000)) == Name(store::OrderStatus::kExpired));
  // Settled orders never expire: a paid order is paid for good, whatever its old deadline.
  for (store::OrderStatus s : {store::OrderStatus::kPaid, store::OrderStatus::kCancelled,
                               store::OrderStatus::kExpired}) {
    o.status = s;
    BOOST_TEST(Name(domain::EffectiveStatus(o, 99'000)) == Name(s));
  }
}

BOOST_AUTO_TEST_CASE(an_order_shows_its_deadline_until_it_is_paid_or_cancelled) {
  store::OrderRecord o;
  o.expires_at = 10'000;
  o.status = store::OrderStatus::kPending;
  BOOST_TEST(domain::ShownExpiry(o).value_or(-1) == 10'000);
  o.status = store::OrderStatus::kExpired;
  BOOST_TEST(domain::ShownExpiry(o).value_or(-1) == 10'000);
  o.status = store::OrderStatus::kPaid;
  BOOST_TEST(!domain::ShownExpiry(o).has_value());
  o.status = store::OrderStatus::kCancelled;
  BOOST_TEST(!domain::ShownExpiry(o).has_value());
}

BOOST_AUTO_TEST_CASE(available_ignores_expired_holds_and_orders_still_in_reserved) {
  store::ProductView v;
  v.product = {1, "x", 9999, 100, 30, {}};
  v.expired_hold_units = 12;
  BOOST_TEST(domain::Committed(v) == 18);
  BOOST_TEST(domain::Available(v) == 82);
  v.expired_order_units = 5;
  BOOST_TEST(domain::ExpiredUnits(v) == 17);
  BOOST_TEST(domain::Committed(v) == 13);
  BOOST_TEST(domain::Available(v) == 87);
}

BOOST_AUTO_TEST_CASE(snapshot_is_valid_until_the_next_hold_or_order_expiry) {
  store::ProductView v;
  v.product = {7, "x", 9999, 10, 4, {}};
  v.next_hold_expiry = 5'000;
  store::ProductSnapshot s = domain::Snapshot(v, 1'000);
  BOOST_TEST(s.available == 6);
  BOOST_TEST(s.valid_until == 5'000);
  v.next_order_expiry = 3'000;  // an order's payment window closes first
  BOOST_TEST(domain::Snapshot(v, 1'000).valid_until == 3'000);
  v.next_order_expiry = 8'000;
  BOOST_TEST(domain::Snapshot(v, 1'000).valid_until == 5'000);
  v.next_hold_expiry.reset();
  BOOST_TEST(domain::Snapshot(v, 1'000).valid_until == 8'000);
  v.next_order_expiry.reset();
  BOOST_TEST(domain::Snapshot(v, 1'000).valid_until == 1'000 + 3600 * 1000);
}

BOOST_AUTO_TEST_CASE(snapshot_carries_the_per_buyer_limit) {
  store::ProductView v;
  v.product = {7, "x", 9999, 10, 0, {}};
  BOOST_TEST(!domain::Snapshot(v, 0).max_per_buyer.has_value());
  v.product.max_per_buyer = 2;
  BOOST_TEST(domain::Snapshot(v, 0).max_per_buyer.value_or(0) == 2);
}

BOOST_AUTO_TEST_CASE(the_buyer_limit_counts_what_the_buyer_has_plus_the_new_hold) {
  BOOST_TEST(domain::WithinBuyerLimit(2, 0, 2));
  BOOST_TEST(domain::WithinBuyerLimit(2, 1, 1));
  BOOST_TEST(!domain::WithinBuyerLimit(2, 1, 2));
  BOOST_TEST(!domain::WithinBuyerLimit(2, 2, 1));
  BOOST_TEST(!domain::WithinBuyerLimit(1, 0, 2));
  BOOST_TEST(domain::BuyerRemaining(5, 3) == 2);
  BOOST_TEST(domain::BuyerRemaining(5, 5) == 0);
  BOOST_TEST(domain::BuyerRemaining(2, 5) == 0);  // a lowered limit: never negative
}

BOOST_AUTO_TEST_CASE(totals_are_exact_at_the_limits) {
  BOOST_TEST(domain::TotalCents(9999, 2) == 19998);
  BOOST_TEST(domain::TotalCents(domain::kMaxPriceCents, domain::kMaxQuantity) ==
             100000000LL * 1000000LL);
}

BOOST_AUTO_TEST_SUITE_END()
