// Several pools (app hosts) over one database and one Redis: what one pool writes, every other
// pool reads at once, and buyers spread over all pools through the shared upstream cannot
// oversell or lose an answer (the API reference, "Guarantees under concurrency" 1, 4 and 6).
//   - a product created and a hold placed through pool i are seen through every pool j != i, for
//     every ordered pair (the product's available units and the hold itself);
//   - holds on a product with few units from many clients spread over the pools (each pool's own
//     port): exactly `stock` succeed, the rest are refused with insufficient_stock, and the
//     database holds exactly the holds that were answered 201;
//   - buyers running the whole checkout through the shared upstream (CheckoutClients): every pool
//     served some of it, and the database is held to what each buyer was told.
#include <boost/test/unit_test.hpp>
#include <set>
#include <sstream>

#include "../support/api.h"
#include "../support/checkout_clients.h"
#include "../support/checks.h"
#include "../support/db_probe.h"
#include "../support/ledger_checks.h"
#include "cluster_stack.h"

namespace flashsale::ctest {
namespace {

using itest::Api;
using itest::HttpResponse;

std::vector<Api> PoolApis() {
  std::vector<Api> apis;
  for (int i = 0; i < Cluster().pools(); ++i) apis.emplace_back(Cluster().pool_url(i));
  return apis;
}

// Requests pool i has taken so far (its /status, which answers loopback clients).
int64_t AcceptedRequests(const Api& pool) {
  HttpResponse r = pool.http().Get("/status");
  BOOST_REQUIRE_MESSAGE(r.status == 200 && r.json_ok, r.Describe());
  return r.json["accepted_requests"].asInt64();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pools)

BOOST_AUTO_TEST_CASE(a_write_through_one_pool_is_read_through_every_other) {
  std::vector<Api> apis = PoolApis();
  const int n = Cluster().pools();
  for (int writer = 0; writer < n; ++writer) {
    for (int reader = 0; reader < n; ++reader) {
      if (reader == writer) continue;
      const std::string pair = "written through pool " + std::to_string(writer) +
                               ", read through pool " + std::to_string(reader);
      // The reader has the product in its cache before the write, so a stale cache shows.
      int64_t product = itest::MustCreateProduct(apis[writer], 10);
      BOOST_TEST(itest::MustGetProduct(apis[reader], product).available == 10, pair);
      int64_t hold = itest::MustHold(apis[writer], product, 3);

      itest::ProductView seen = itest::MustGetProduct(apis[reader], product);
      BOOST_TEST(seen.stock == 10, pair);
      BOOST_TEST(seen.available == 7, pair << ": available after a hold of 3");
      HttpResponse h = apis[reader].GetHold(hold);
      BOOST_TEST_REQUIRE(h.status == 200, pair << ": " << h.Describe());
      BOOST_TEST(h.json["status"].asString() == "active", pair);
      BOOST_TEST(h.json["quantity"].asInt64() == 3, pair);
      BOOST_TEST(h.json["product_id"].asInt64() == product, pair);
    }
  }
}

BOOST_AUTO_TEST_CASE(holds_from_every_pool_at_once_never_oversell) {
  std::vector<Api> apis = PoolApis();
  constexpr int64_t kStock = 12;
  constexpr int kClients = 60;
  int64_t product = itest::MustCreateProduct(apis[0], kStock);
  // Every pool has read the product (its cache is warm) before the rush.
  for (const Api& api : apis) itest::MustGetProduct(api, product);

  int failures = 0;
  std::vector<HttpResponse> answers = itest::RunConcurrently(
      kClients, [&](int i) { return apis[static_cast<size_t>(i) % apis.size()].PostHold(product, 1); },
      &failures);
  BOOST_TEST(failures == 0);

  std::set<int64_t> held;
  int refused = 0;
  std::vector<int> held_per_pool(apis.size(), 0);
  for (size_t i = 0; i < answers.size(); ++i) {
    const HttpResponse& r = answers[i];
    if (r.status == 201) {
      held.insert(r.json["hold_id"].asInt64());
      ++held_per_pool[i % apis.size()];
    } else if (r.status == 409 && r.ErrorCode() == "insufficient_stock") {
      ++refused;
    } else {
      BOOST_ERROR("unexpected answer: " << r.Describe());
    }
  }
  std::ostringstream spread;
  for (size_t p = 0; p < held_per_pool.size(); ++p) spread << " pool" << p << "=" << held_per_pool[p];
  BOOST_TEST_MESSAGE("holds granted per pool:" << spread.str());
  BOOST_TEST(static_cast<int64_t>(held.size()) == kStock, "201s: " << held.size() << spread.str());
  BOOST_TEST(refused == kClients - kStock);

  itest::DbProbe db(Cluster().node_socket(1));
  itest::DbProduct row = itest::ReadDbProduct(db, product);
  BOOST_TEST(row.reserved == kStock);
  std::set<int64_t> in_db;
  for (const itest::SqlRow& r : db.Query("SELECT id FROM holds WHERE product_id = ?", {product})) {
    in_db.insert(std::stoll(*r[0]));
  }
  BOOST_TEST((in_db == held), "the holds in the database are not those answered 201");
  for (const Api& api : apis) {
    BOOST_TEST(itest::MustGetProduct(api, product).available == 0, "through " << api.http().base_url());
  }
  itest::CheckInvariants(db, "after holds from every pool at once");
}

BOOST_AUTO_TEST_CASE(checkouts_through_the_shared_upstream_keep_every_answer) {
  Api shared(Cluster().base_url());
  std::vector<Api> apis = PoolApis();
  std::vector<int64_t> before;
  for (const Api& api : apis) before.push_back(AcceptedRequests(api));

  // A product that sells out during the run and one that does not.
  std::vector<int64_t> products = {itest::MustCreateProduct(shared, 25),
                                   itest::MustCreateProduct(shared, 100000)};
  itest::CheckoutClients buyers(shared, products, 12);
  BOOST_REQUIRE(itest::Eventually(60000, [&] { return buyers.definite() >= 300; }));
  buyers.Stop();
  const itest::Ledger& ledger = buyers.ledger();

  std::ostringstream summary;
  summary << "statuses seen:";
  for (const auto& [status, n] : ledger.attempts) summary << " " << status << "=" << n;
  summary << "; holds " << ledger.holds.size() << ", orders " << ledger.orders.size()
          << ", refused holds " << ledger.refused_holds << "; requests per pool:";
  for (size_t p = 0; p < apis.size(); ++p) {
    int64_t served = AcceptedRequests(apis[p]) - before[p];
    summary << " " << served;
    BOOST_TEST(served > 20, "pool " << p << " served only " << served << " requests");
  }
  BOOST_TEST_MESSAGE(summary.str());

  itest::CheckLedgerSettled(ledger);
  BOOST_TEST(ledger.refused_holds > 0, "the small product never sold out: " << summary.str());
  itest::DbProbe db(Cluster().node_socket(1));
  itest::CheckLedgerHolds(db, products, ledger);
  itest::CheckLedgerOrders(db, products, ledger);
  itest::CheckInvariants(db, "after checkouts through the shared upstream");
  BOOST_TEST(itest::ReadDbProduct(db, products[0]).reserved <= 25);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace flashsale::ctest
