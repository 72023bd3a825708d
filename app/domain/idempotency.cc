#include "domain/idempotency.h"

#include "domain/rules.h"
#include "metrics/metrics.h"
#include "store/idempotency_repo.h"

namespace flashsale::domain {
namespace {

bool IsStorable(const Status& s) {
  return s.ok() || s.code() == Code::kNotFound || s.code() == Code::kConflict ||
         s.code() == Code::kInvalidArgument;
}

}  // namespace

Result<StoredReply> RunIdempotent(store::Database& db, const IdempotencyKey& key, util::Millis now,
                                  const std::function<Status(store::Tx&)>& work,
                                  const std::function<StoredReply(const Status&)>& render,
                                  const std::function<void(store::Tx&)>& on_replay) {
  namespace idem = store::idempotency;
  StoredReply reply;
  std::optional<Status> decided;  // the work's outcome in the attempt that committed (no replay)
  Status s = db.Run([&](store::Tx& tx) -> Status {
    decided.reset();
    switch (idem::TryClaim(tx, key.scope, key.key, key.request_hash, now)) {
      case idem::Claim::kBusy:
        return Status::Conflict("idempotency_key_in_use",
                                "a request with this Idempotency-Key is still running");
      case idem::Claim::kExists: {
        std::optional<idem::StoredAnswer> stored = idem::FindShared(tx, key.scope, key.key);
        if (!stored) return Status::Retryable("idempotency key vanished");
        if (stored->created_at + kIdempotencyRetentionMs > now) {
          if (stored->request_hash != key.request_hash) {
            return Status::InvalidArgument(
                "idempotency_key_reused",
                "this Idempotency-Key was used with a different request body");
          }
          reply = {stored->status_code, stored->body};
          on_replay(tx);
          return Status::Ok();
        }
        idem::Reclaim(tx, key.scope, key.key, key.request_hash, now);  // older than 24 h
        break;
      }
      case idem::Claim::kClaimed:
        break;
    }
    tx.Savepoint("idempotent_work");
    Status result = work(tx);
    if (!IsStorable(result)) return result;
    decided = result;
    if (!result.ok()) tx.RollbackTo("idempotent_work");
    reply = render(result);
    idem::Store(tx, key.scope, key.key, reply.status, reply.body);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (decided) metrics::KeyedWorkDecided(key.scope, *decided);
  return reply;
}

}  // namespace flashsale::domain
