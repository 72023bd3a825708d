#include "store/hold_repo.h"

#include <string>

namespace flashsale::store::holds {
namespace {

HoldStatus ParseStatus(const std::string& s) {
  if (s == "used") return HoldStatus::kUsed;
  if (s == "released") return HoldStatus::kReleased;
  if (s == "expired") return HoldStatus::kExpired;
  return HoldStatus::kActive;
}

const char kColumns[] = "SELECT id, product_id, quantity, status, expires_at, buyer_id FROM holds";

HoldRecord ReadHold(Rows& rows) {
  HoldRecord h;
  h.id = rows.Int(1);
  h.product_id = rows.Int(2);
  h.quantity = rows.Int(3);
  h.status = ParseStatus(rows.Str(4));
  h.expires_at = util::ParseSqlTime(rows.Str(5)).value_or(0);
  if (!rows.IsNull(6)) h.buyer_id = rows.Str(6);
  return h;
}

Param Buyer(const std::optional<std::string>& buyer_id) {
  return buyer_id ? Param(*buyer_id) : Param(nullptr);
}

std::optional<HoldRecord> FindBy(Tx& tx, const std::string& where, int64_t id) {
  auto rows = tx.Query(std::string(kColumns) + where, {id});
  if (!rows->Next()) return std::nullopt;
  return ReadHold(*rows);
}

}  // namespace

int64_t Insert(Tx& tx, const HoldRecord& hold, Millis now) {
  auto rows = tx.Query(
      "INSERT INTO holds (product_id, quantity, buyer_id, status, expires_at, created_at)"
      " VALUES (?, ?, ?, 'active', ?, ?) RETURNING id",
      {hold.product_id, hold.quantity, Buyer(hold.buyer_id), util::FormatSqlTime(hold.expires_at),
       util::FormatSqlTime(now)});
  rows->Next();
  return rows->Int(1);
}

InsertedHold InsertReserveAndCommit(Tx& tx, const HoldRecord& hold, bool lock_buyer, Millis now,
                                    const std::string& event_payload) {
  std::string buyer =
      hold.buyer_id ? "_utf8mb4 " + HexLiteral(*hold.buyer_id) : std::string("NULL");
  std::vector<int64_t> row = tx.CallForRow(
      "CALL hold_reserve_commit_v2(" + std::to_string(hold.product_id) + ", " +
      std::to_string(hold.quantity) + ", " + buyer + ", " + (lock_buyer ? "1" : "0") + ", '" +
      util::FormatSqlTime(hold.expires_at) + "', '" + util::FormatSqlTime(now) + "', " +
      HexLiteral(event_payload) + ")");
  if (row.size() < 5 || (row[1] != 0 && row[1] != 1 && row[1] != 3 && row[1] != 4)) {
    throw DbError{0, "hold_reserve_commit_v2 answered no usable row"};
  }
  InsertedHold out;
  out.id = row[0];
  out.outcome = static_cast<InsertedHold::Outcome>(row[1]);
  if (row[2] >= 0) out.max_per_buyer = row[2];
  out.remaining = row[3];
  if (row[4] >= 0) out.buyer_units = row[4];
  if (out.outcome == InsertedHold::kReserved) tx.CommittedByServer();
  return out;
}

std::optional<HoldRecord> Find(Tx& tx, int64_t id) { return FindBy(tx, " WHERE id = ?", id); }

std::optional<HoldRecord> FindForUpdate(Tx& tx, int64_t id) {
  return FindBy(tx, " WHERE id = ? FOR UPDATE", id);
}

bool Finish(Tx& tx, int64_t id, HoldStatus to, Millis now) {
  return tx.Exec(
             "UPDATE holds SET status = ?, released_at = ? WHERE id = ? AND status = 'active'",
             {std::string(ToString(to)),
              to == HoldStatus::kUsed ? Param(nullptr) : Param(util::FormatSqlTime(now)), id}) ==
         1;
}

std::vector<HoldRecord> LockExpired(Tx& tx, int64_t product_id, Millis now, int limit) {
  std::string at = util::FormatSqlTime(now);
  auto rows = product_id > 0
                  ? tx.Query(std::string(kColumns) +
                                 " WHERE product_id = ? AND status = 'active' AND expires_at <= ?"
                                 " ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED",
                             {product_id, at, static_cast<int64_t>(limit)})
                  : tx.Query(std::string(kColumns) +
                                 " WHERE status = 'active' AND expires_at <= ?"
                                 " ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED",
                             {at, static_cast<int64_t>(limit)});
  std::vector<HoldRecord> out;
  while (rows->Next()) out.push_back(ReadHold(*rows));
  return out;
}

}  // namespace flashsale::store::holds
