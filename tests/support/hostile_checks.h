// Checks shared by the hostile-input suites (tests/integration/hostile_*_test.cc): what every
// answer must look like (the API reference, Conventions), that a refused request left nothing in the
// database, and that the pool came through unharmed.
//
// Written independently of the application (no app/ header), like webhook_signer.h: a check
// that reused the app's own UTF-8 validator would share its bugs.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "db_probe.h"
#include "http_client.h"

namespace flashsale::itest {

// Well-formed UTF-8 (RFC 3629): shortest forms only, no surrogates, nothing above U+10FFFF.
bool Utf8Valid(std::string_view s);

// The answer as text for assertion messages: Describe() with bytes outside printable ASCII
// escaped, or what came instead of a status line.
std::string AnswerText(const HttpResponse& r);

// Every answer, success or error: an HTTP status that is not 0 nor 500, Content-Type
// application/json, a body that is valid UTF-8 and one JSON object. Returns true when all held
// (each failure is reported through BOOST_TEST).
bool CheckJsonAnswer(const HttpResponse& r);

// An error answer: CheckJsonAnswer, then this status and {"error":{"code":CODE,"message":"..."}}.
void CheckJsonError(const HttpResponse& r, long status, const std::string& code);

// 422 validation_failed naming `field` in error.fields.
void CheckValidationFailed(const HttpResponse& r, const std::string& field);

// Row counts of every table a request can write: products, holds, orders, payment_events,
// idempotency_keys, metrics_logs.
struct RowCounts {
  std::array<int64_t, 6> n{};
  bool operator==(const RowCounts& o) const { return n == o.n; }
  bool operator!=(const RowCounts& o) const { return n != o.n; }
  std::string ToString() const;
};
inline std::ostream& operator<<(std::ostream& out, const RowCounts& c) {
  return out << c.ToString();
}
RowCounts CountRows(DbProbe& db);
// BOOST_TEST that the counts are still `before`: the requests since then recorded nothing.
void CheckNothingRecorded(DbProbe& db, const RowCounts& before);

// A JSON object nested `depth` levels deep: {"a":{"a":...{}...}} (depth 1 is "{}").
std::string NestedObject(int depth);
// An object whose member "a" opens arrays up to `depth` levels in all: {"a":[[...]]}.
std::string NestedArrays(int depth);

// The fixture of every hostile suite, per test case: before it, waits for the pool's full set of
// workers and notes their pids and the end of the pool's log; after it, requires the same
// worker pids (no worker crashed or was replaced) and no ERROR or FATAL line added to the pool's
// log ($VAR/log/flashsale.log).
class PoolWatch {
 public:
  PoolWatch();
  void setup() {}
  void teardown();

 private:
  std::vector<pid_t> workers_;
  uintmax_t log_offset_ = 0;
};

}  // namespace flashsale::itest
