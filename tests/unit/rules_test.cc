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

BOOST_AUTO_TEST_CASE(available_ignores_expired_holds_still_in_reserved) {
  store::ProductView v;
  v.product = {1, "x", 9999, 100, 30, };
  v.expired_units = 12;
  BOOST_TEST(domain::Committed(v) == 18);
  BOOST_TEST(domain::Available(v) == 82);
}

BOOST_AUTO_TEST_CASE(snapshot_is_valid_until_the_next_expiry) {
  store::ProductView v;
  v.product = {7, "x", 9999, 10, 4};
  v.next_expiry = 5'000;
  store::ProductSnapshot s = domain::Snapshot(v, 1'000);
  BOOST_TEST(s.available == 6);
  BOOST_TEST(s.valid_until == 5'000);
  v.next_expiry.reset();
  BOOST_TEST(domain::Snapshot(v, 1'000).valid_until == 1'000 + 3600 * 1000);
}

BOOST_AUTO_TEST_CASE(totals_are_exact_at_the_limits) {
  BOOST_TEST(domain::TotalCents(9999, 2) == 19998);
  BOOST_TEST(domain::TotalCents(domain::kMaxPriceCents, domain::kMaxQuantity) ==
             100000000LL * 1000000LL);
}

BOOST_AUTO_TEST_SUITE_END()
