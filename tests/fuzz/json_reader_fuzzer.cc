// ReadJson (app/util/json_reader.h), the one reader of every request body, against the reference
// strict parser (support/reference.cc): it must accept exactly the documents the contract
// accepts, read them to the same values, keep the literal text of top-level numbers (money is
// read from it), and what it accepted must survive WriteJson -> ReadJson.
#include <cstdint>
#include <string>
#include <string_view>

#include "support/fuzz_check.h"
#include "support/reference.h"
#include "util/json.h"
#include "util/json_reader.h"
#include "util/text.h"

namespace {

using namespace flashsale;
using namespace flashsale::fuzz;

bool HasReal(const Json::Value& v) {
  if (v.type() == Json::realValue) return true;
  if (v.isArray() || v.isObject()) {
    for (const Json::Value& child : v) {
      if (HasReal(child)) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::optional<util::JsonDocument> doc = util::ReadJson(text);
  std::optional<RefValue> ref = RefParseJson(text);
  FUZZ_CHECK(doc.has_value() == ref.has_value(),
             (doc ? "ReadJson accepts" : "ReadJson refuses") << " what the contract "
             << (ref ? "accepts" : "refuses") << ": " << Printable(text));
  if (!doc) return 0;

  FUZZ_CHECK(util::IsValidUtf8(text) && text.find('\0') == std::string::npos,
             "accepted text with invalid UTF-8 or NUL: " << Printable(text));
  FUZZ_CHECK(Canonical(doc->value) == Canonical(*ref),
             "read differently: " << Printable(text) << "\n  app: " << Printable(Canonical(doc->value))
                                  << "\n  ref: " << Printable(Canonical(*ref)));

  // The literal of every top-level number of an object, and of nothing else.
  size_t numbers = 0;
  if (ref->kind == RefValue::kObject) {
    for (const auto& [key, value] : ref->members) {
      if (value.kind != RefValue::kInt && value.kind != RefValue::kReal) continue;
      ++numbers;
      auto it = doc->number_text.find(key);
      FUZZ_CHECK(it != doc->number_text.end(), "no number_text for " << Printable(key));
      if (value.kind == RefValue::kReal) {
        FUZZ_CHECK(it->second == value.text, "number_text " << Printable(it->second)
                                                 << " for literal " << Printable(value.text));
      } else {
        FUZZ_CHECK("i" + it->second == Canonical(value),
                   "number_text " << Printable(it->second) << " for integer " << Printable(value.text));
      }
    }
  }
  FUZZ_CHECK(doc->number_text.size() == numbers,
             doc->number_text.size() << " number_text entries for " << numbers << " numbers: "
                                     << Printable(text));

  // Out again: valid UTF-8, strict JSON, the same document (reals are written as money, so
  // only documents without them must come back identical).
  std::string out = util::WriteJson(doc->value);
  FUZZ_CHECK(util::IsValidUtf8(out), "WriteJson wrote invalid UTF-8: " << Printable(out));
  std::optional<util::JsonDocument> again = util::ReadJson(out);
  FUZZ_CHECK(again.has_value() && RefParseJson(out).has_value(),
             "WriteJson output does not re-parse: " << Printable(out) << "\nfrom " << Printable(text));
  if (!HasReal(doc->value)) {
    FUZZ_CHECK(Canonical(again->value) == Canonical(doc->value),
               "round trip changed the document: " << Printable(text) << " -> " << Printable(out));
  }
  return 0;
}
