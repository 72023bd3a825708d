// Answer, database and pool checks for the hostile-input suites (see hostile_checks.h).
#include "hostile_checks.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api.h"
#include "raw_http.h"  // Printable
#include "test_stack.h"

namespace flashsale::itest {

bool Utf8Valid(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte first, C0/C1 (overlong) or F5..FF
    }
    if (i + static_cast<size_t>(extra) >= s.size()) return false;  // cut short
    for (int k = 1; k <= extra; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000)) return false;  // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;                                 // surrogate
    if (cp > 0x10FFFF) return false;
    i += static_cast<size_t>(extra) + 1;
  }
  return true;
}

std::string AnswerText(const HttpResponse& r) {
  if (r.status == 0) {  // no status line: nothing, or a bare HTTP/0.9 body
    return r.request_line + " -> no status line (" + r.error + ") " + Printable(r.body, 400);
  }
  return Printable(r.Describe(), 700);
}

bool CheckJsonAnswer(const HttpResponse& r) {
  bool ok = true;
  auto check = [&](bool cond, const std::string& what) {
    BOOST_TEST(cond, what << ": " << AnswerText(r));
    ok = ok && cond;
  };
  check(r.status != 0, "no HTTP answer");
  check(r.status != 500, "answered 500");
  check(r.Header("Content-Type").rfind("application/json", 0) == 0,
        "Content-Type is '" + r.Header("Content-Type") + "'");
  check(Utf8Valid(r.body), "body is not valid UTF-8");
  check(r.json_ok && r.json.isObject(), "body is not one JSON object");
  return ok;
}

void CheckJsonError(const HttpResponse& r, long status, const std::string& code) {
  CheckJsonAnswer(r);
  BOOST_TEST(r.status == status, "status " << r.status << ", want " << status << ": "
                                           << AnswerText(r));
  BOOST_TEST(r.ErrorCode() == code, "error.code '" << r.ErrorCode() << "', want '" << code
                                                   << "': " << AnswerText(r));
  bool message = r.json_ok && r.json.isObject() && r.json["error"].isObject() &&
                 r.json["error"]["message"].isString();
  BOOST_TEST(message, "no error.message string: " << AnswerText(r));
}

void CheckValidationFailed(const HttpResponse& r, const std::string& field) {
  CheckJsonError(r, 422, "validation_failed");
  bool named = r.json_ok && r.json.isObject() && r.json["error"].isObject() &&
               r.json["error"]["fields"].isObject() && r.json["error"]["fields"].isMember(field);
  BOOST_TEST(named, "error.fields lacks '" << field << "': " << AnswerText(r));
}

std::string RowCounts::ToString() const {
  static const char* kNames[] = {"products", "holds", "orders", "payment_events",
                                 "idempotency_keys", "metrics_logs"};
  std::ostringstream out;
  for (size_t i = 0; i < n.size(); ++i) out << (i ? " " : "") << kNames[i] << "=" << n[i];
  return out.str();
}

RowCounts CountRows(DbProbe& db) {
  RowCounts c;
  std::vector<SqlRow> rows = db.Query(
      "SELECT (SELECT COUNT(*) FROM products), (SELECT COUNT(*) FROM holds), "
      "(SELECT COUNT(*) FROM orders), (SELECT COUNT(*) FROM payment_events), "
      "(SELECT COUNT(*) FROM idempotency_keys), (SELECT COUNT(*) FROM metrics_logs)");
  for (size_t i = 0; i < c.n.size() && !rows.empty(); ++i) {
    c.n[i] = std::stoll(rows[0].at(i).value_or("0"));
  }
  return c;
}

void CheckNothingRecorded(DbProbe& db, const RowCounts& before) {
  RowCounts now = CountRows(db);
  BOOST_TEST((now == before), "rows were recorded: before " << before << ", now " << now);
}

std::string NestedObject(int depth) {
  std::string s;
  for (int i = 1; i < depth; ++i) s += "{\"a\":";
  s += "{}";
  s.append(static_cast<size_t>(std::max(depth - 1, 0)), '}');
  return s;
}

std::string NestedArrays(int depth) {
  int arrays = depth - 1;
  return "{\"a\":" + std::string(static_cast<size_t>(arrays), '[') +
         std::string(static_cast<size_t>(arrays), ']') + "}";
}

namespace {

std::string PoolLogPath() { return Stack().var_dir() + "/log/flashsale.log"; }

uintmax_t FileSize(const std::string& path) {
  std::error_code ec;
  uintmax_t size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

std::vector<pid_t> SortedWorkers() {
  std::vector<pid_t> pids = Stack().PoolWorkerPids();
  std::sort(pids.begin(), pids.end());
  return pids;
}

}  // namespace

PoolWatch::PoolWatch() {
  // A previous suite may have killed or restarted workers: start from a full, settled pool.
  Eventually(10000, [&] { return static_cast<int>(SortedWorkers().size()) == kWorkers; });
  workers_ = SortedWorkers();
  log_offset_ = FileSize(PoolLogPath());
}

void PoolWatch::teardown() {
  std::vector<pid_t> now = SortedWorkers();
  BOOST_TEST(now.size() == static_cast<size_t>(kWorkers), "the pool has " << now.size()
                                                                          << " workers");
  BOOST_TEST((now == workers_), "the pool's workers changed during the test (one died)");

  std::ifstream log(PoolLogPath(), std::ios::binary);
  log.seekg(static_cast<std::streamoff>(log_offset_));
  std::string line;
  int bad = 0;
  while (std::getline(log, line)) {
    if (line.find(" ERROR ") != std::string::npos || line.find(" FATAL ") != std::string::npos) {
      if (++bad <= 5) BOOST_ERROR("pool log: " << Printable(line, 300));
    }
  }
  BOOST_TEST(bad == 0, bad << " ERROR/FATAL line(s) in the pool's log during the test");
}

}  // namespace flashsale::itest
