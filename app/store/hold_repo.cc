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

HoldRecord ReadHold(Rows& rows) {
  HoldRecord h;
  h.id = rows.Int(1);
  h.product_id = rows.Int(2);
  h.quantity = rows.Int(3);
  h.status = ParseStatus(rows.Str(4));
  h.expires_at = util::ParseSqlTime(rows.Str(5)).value_or(0);
  return h;
}

std::optional<HoldRecord> FindBy(Tx& tx, const std::string& sql, int64_t id) {
  auto rows = tx.Query(sql, {id});
  if (!rows->Next()) return std::nullopt;
  return ReadHold(*rows);
}

}  // namespace

int64_t Insert(Tx& tx, int64_t product_id, int64_t quantity, Millis expires_at, Millis now) {
  auto rows = tx.Query(
      "INSERT INTO holds (product_id, quantity, status, expires_at, created_at)"
      " VALUES (?, ?, 'active', ?, ?) RETURNING id",
      {product_id, quantity, util::FormatSqlTime(expires_at), util::FormatSqlTime(now)});
  rows->Next();
  return rows->Int(1);
}

InsertedHold InsertReserveAndCommit(Tx& tx, int64_t product_id, int64_t quantity,
                                    Millis expires_at, Millis now,
                                    const std::string& event_payload) {
  std::vector<int64_t> row = tx.CallForRow(
      "CALL hold_reserve_commit(" + std::to_string(product_id) + ", " + std::to_string(quantity) +
      ", '" + util::FormatSqlTime(expires_at) + "', '" + util::FormatSqlTime(now) + "', " +
      HexLiteral(event_payload) + ")");
  if (row.size() < 2) throw DbError{0, "hold_reserve_commit answered no row"};
  InsertedHold out{row[0], row[1] == 1};
  if (out.reserved) tx.CommittedByServer();
  return out;
}

std::optional<HoldRecord> Find(Tx& tx, int64_t id) {
  return FindBy(tx, "SELECT id, product_id, quantity, status, expires_at FROM holds WHERE id = ?",
                id);
}

std::optional<HoldRecord> FindForUpdate(Tx& tx, int64_t id) {
  return FindBy(
      tx,
      "SELECT id, product_id, quantity, status, expires_at FROM holds WHERE id = ? FOR UPDATE",
      id);
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
                  ? tx.Query(
                        "SELECT id, product_id, quantity, status, expires_at FROM holds"
                        " WHERE product_id = ? AND status = 'active' AND expires_at <= ?"
                        " ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED",
                        {product_id, at, static_cast<int64_t>(limit)})
                  : tx.Query(
                        "SELECT id, product_id, quantity, status, expires_at FROM holds"
                        " WHERE status = 'active' AND expires_at <= ?"
                        " ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED",
                        {at, static_cast<int64_t>(limit)});
  std::vector<HoldRecord> out;
  while (rows->Next()) out.push_back(ReadHold(*rows));
  return out;
}

}  // namespace flashsale::store::holds
