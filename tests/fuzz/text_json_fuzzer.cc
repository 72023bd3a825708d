// The string rules (app/util/text.h) against a reference UTF-8 decoder, and the JSON writer
// (app/util/json.h) on values holding arbitrary bytes: its output is always valid UTF-8, strict
// JSON that ReadJson and the reference parser read back, with every string as the writer's input
// with ill-formed bytes replaced by U+FFFD, integers exact and money as FormatCents.
//
// Input: any bytes. The whole input is first checked as one string (value and key); then the
// bytes drive the building of a document (FuzzedDataProvider) of strings, keys, integers, money,
// booleans, nulls, arrays and objects, nested up to the reader's 32 levels.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <set>
#include <string>

#include "support/fuzz_check.h"
#include "support/reference.h"
#include "util/json.h"
#include "util/json_reader.h"
#include "util/text.h"

namespace {

using namespace flashsale;
using namespace flashsale::fuzz;

void CheckText(const std::string& s) {
  std::optional<size_t> want = RefUtf8Length(s);
  FUZZ_CHECK(util::Utf8Length(s) == want, "Utf8Length(" << Printable(s) << ")");
  FUZZ_CHECK(util::IsValidUtf8(s) == want.has_value(), "IsValidUtf8(" << Printable(s) << ")");
  std::string repaired = util::ToValidUtf8(s);
  FUZZ_CHECK(repaired == RefRepairUtf8(s), "ToValidUtf8(" << Printable(s) << ") = " << Printable(repaired));
  FUZZ_CHECK(util::IsValidUtf8(repaired), "ToValidUtf8 output invalid");
  if (want) FUZZ_CHECK(repaired == s, "ToValidUtf8 changed valid text");
  bool visible = true;
  for (unsigned char c : s) visible = visible && c >= 0x21 && c <= 0x7E;
  FUZZ_CHECK(util::IsVisibleAscii(s) == visible, "IsVisibleAscii(" << Printable(s) << ")");

  std::string literal;
  util::AppendJsonString(s, literal);
  std::optional<RefValue> ref = RefParseJson(literal);
  FUZZ_CHECK(ref && ref->kind == RefValue::kString && ref->text == repaired,
             "AppendJsonString(" << Printable(s) << ") = " << Printable(literal));
}

// Builds `value` (what is written) and `expected` (what must be read back) side by side.
void Build(FuzzedDataProvider& p, int depth, Json::Value& value, Json::Value& expected) {
  int max_kind = depth >= kRefMaxDepth ? 4 : 6;  // depth = containers around this value
  switch (p.ConsumeIntegralInRange<int>(0, max_kind)) {
    case 0:
      value = expected = Json::Value();
      return;
    case 1:
      value = expected = Json::Value(p.ConsumeBool());
      return;
    case 2:
      value = expected = Json::Value(static_cast<Json::Int64>(p.ConsumeIntegral<int64_t>()));
      return;
    case 3: {
      std::string s = p.ConsumeRandomLengthString(80);
      CheckText(s);
      value = Json::Value(s);
      expected = Json::Value(RefRepairUtf8(s));
      return;
    }
    case 4: {
      int64_t cents = p.ConsumeIntegralInRange<int64_t>(-999999999999999LL, 999999999999999LL);
      value = expected = util::MoneyValue(cents);
      return;
    }
    case 5: {
      value = expected = Json::Value(Json::arrayValue);
      int n = p.ConsumeIntegralInRange<int>(0, 4);
      for (int i = 0; i < n && p.remaining_bytes() > 0; ++i) {
        Json::Value v, e;
        Build(p, depth + 1, v, e);
        value.append(v);
        expected.append(e);
      }
      return;
    }
    default: {
      value = expected = Json::Value(Json::objectValue);
      std::set<std::string> keys;  // as written (repaired)
      int n = p.ConsumeIntegralInRange<int>(0, 4);
      for (int i = 0; i < n && p.remaining_bytes() > 0; ++i) {
        std::string key = p.ConsumeRandomLengthString(24);
        CheckText(key);
        // Two different ill-formed keys can repair to one (both "\xFF" and "\xFE" become
        // U+FFFD), which a strict reader refuses as a duplicate. Keys of our answers are
        // program constants, so documents here keep their keys distinct after repair.
        if (!keys.insert(RefRepairUtf8(key)).second || value.isMember(key)) continue;
        Json::Value v, e;
        Build(p, depth + 1, v, e);
        value[key] = v;
        expected[RefRepairUtf8(key)] = e;
      }
      return;
    }
  }
}

void CheckWritten(const Json::Value& value, const Json::Value& expected, const std::string& what) {
  std::string out = util::WriteJson(value);
  FUZZ_CHECK(util::IsValidUtf8(out) && RefUtf8Length(out).has_value(),
             "WriteJson wrote invalid UTF-8: " << Printable(out) << " for " << what);
  std::optional<util::JsonDocument> doc = util::ReadJson(out);
  FUZZ_CHECK(doc.has_value() && RefParseJson(out).has_value(),
             "WriteJson output does not re-parse: " << Printable(out) << " for " << what);
  FUZZ_CHECK(Canonical(doc->value) == Canonical(expected),
             "read back differently: " << Printable(out) << "\n  got:  "
                                       << Printable(Canonical(doc->value)) << "\n  want: "
                                       << Printable(Canonical(expected)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  CheckText(input);
  {
    Json::Value value(Json::objectValue), expected(Json::objectValue);
    value["s"] = input;
    value[input] = 1;
    expected["s"] = RefRepairUtf8(input);
    expected[RefRepairUtf8(input)] = 1;
    CheckWritten(value, expected, Printable(input));
  }
  FuzzedDataProvider p(data, size);
  Json::Value value, expected;
  Build(p, 0, value, expected);
  CheckWritten(value, expected, "a built document");
  return 0;
}
