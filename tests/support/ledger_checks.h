// The database held to a Ledger (checkout_clients.h), what buyers were told, for the products
// they bought (the fault tests and the cluster tests):
//   - CheckLedgerHolds: every hold a buyer got a 201 for exists exactly once, in the state its
//     last answer reported, and no other hold of those products exists; one hold_created row each;
//   - CheckLedgerOrders: the same for orders (status and hold);
//   - CheckLedgerSettled: every request got a definite answer, and every answer was one the
//     contract allows;
//   - CheckReadsMatchDatabase: GET equals the database (stock; available = stock - reserved +
//     units of holds expired but not released yet, read in one statement), retried for up to
//     `timeout_ms` (around expiries, or for a node that applies late).
// They assert with BOOST_TEST: call them from a test's main thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api.h"
#include "checkout_clients.h"
#include "db_probe.h"

namespace flashsale::itest {

// "(1,2,3)" for an SQL IN list.
std::string InList(const std::vector<int64_t>& ids);

void CheckLedgerHolds(DbProbe& db, const std::vector<int64_t>& products, const Ledger& ledger);
void CheckLedgerOrders(DbProbe& db, const std::vector<int64_t>& products, const Ledger& ledger);
void CheckLedgerSettled(const Ledger& ledger);
void CheckReadsMatchDatabase(const Api& api, DbProbe& db, int64_t product, int64_t timeout_ms,
                             const std::string& where);

}  // namespace flashsale::itest
