#include "store/payment_repo.h"

namespace flashsale::store::payments {
namespace {

PaymentEventRecord ReadEvent(Rows& rows) {
  PaymentEventRecord e;
  e.id = rows.Int(1);
  e.idempotency_key = rows.Str(2);
  e.order_id = rows.Int(3);
  e.status = rows.Str(4) == "failed" ? PaymentStatus::kFailed : PaymentStatus::kSuccess;
  std::string outcome = rows.Str(5);
  e.outcome = outcome == "applied"   ? PaymentOutcome::kApplied
              : outcome == "ignored" ? PaymentOutcome::kIgnored
                                     : PaymentOutcome::kDeferred;
  return e;
}

}  // namespace

bool TryInsert(Tx& tx, const PaymentEventRecord& event, Millis now) {
  std::string at = util::FormatSqlTime(now);
  return tx.TryInsert(
      "INSERT INTO payment_events (idempotency_key, order_id, status, outcome, created_at,"
      " settled_at) VALUES (?, ?, ?, ?, ?, ?)",
      {event.idempotency_key, event.order_id, std::string(ToString(event.status)),
       std::string(ToString(event.outcome)), at,
       event.outcome == PaymentOutcome::kDeferred ? Param(nullptr) : Param(at)});
}

std::optional<PaymentEventRecord> FindByKey(Tx& tx, const std::string& key) {
  auto rows = tx.Query(
      "SELECT id, idempotency_key, order_id, status, outcome FROM payment_events"
      " WHERE idempotency_key = ? LOCK IN SHARE MODE",
      {key});
  if (!rows->Next()) return std::nullopt;
  return ReadEvent(*rows);
}

void SetOutcome(Tx& tx, const std::string& key, PaymentOutcome outcome, Millis now) {
  tx.Exec("UPDATE payment_events SET outcome = ?, settled_at = ? WHERE idempotency_key = ?",
          {std::string(ToString(outcome)),
           outcome == PaymentOutcome::kDeferred ? Param(nullptr) : Param(util::FormatSqlTime(now)),
           key});
}

std::vector<PaymentEventRecord> LockDeferred(Tx& tx, int64_t order_id) {
  auto rows = tx.Query(
      "SELECT id, idempotency_key, order_id, status, outcome FROM payment_events"
      " WHERE order_id = ? AND outcome = 'deferred' ORDER BY id FOR UPDATE",
      {order_id});
  std::vector<PaymentEventRecord> out;
  while (rows->Next()) out.push_back(ReadEvent(*rows));
  return out;
}

}  // namespace flashsale::store::payments
