// Request validation: the body must be a JSON object, read strictly (util/json_reader.h; else
// 400 invalid_json); each field is checked for presence, JSON type and range, and every problem
// is reported at once as 422 validation_failed with "fields". Integers must be JSON integers:
// "2", 2.5 and true are not. String lengths count characters (util/text.h); money is read from
// the number's decimal digits, never through a double.
#pragma once

#include <json/value.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "util/json_reader.h"
#include "util/status.h"

namespace flashsale::api {

Result<util::JsonDocument> ParseObject(const std::string& body);

class FieldChecker {
 public:
  explicit FieldChecker(const util::JsonDocument& doc) : doc_(doc), object_(doc.value) {}

  std::optional<int64_t> Integer(const char* name, int64_t min, int64_t max, bool required = true);
  // An optional field that may be null: nullopt when absent, {nullopt} when null, {n} for an
  // integer in [min, max]; anything else fails.
  std::optional<std::optional<int64_t>> NullableInteger(const char* name, int64_t min,
                                                        int64_t max);
  // An optional string where null means absent (as answers write it): nullopt when absent or
  // null, else a string of min_len..max_len characters.
  std::optional<std::string> OptionalString(const char* name, size_t min_len, size_t max_len);
  std::optional<std::string> String(const char* name, size_t min_len, size_t max_len,
                                    bool required = true);
  // A JSON number with at most two decimals, as cents.
  std::optional<int64_t> Money(const char* name, int64_t min_cents, int64_t max_cents,
                               bool required = true);
  std::optional<std::string> OneOf(const char* name, std::initializer_list<const char*> values);

  // Adds an error for a field that the checks above cannot express.
  void Fail(const char* name, const std::string& what);

  // OK, or 422 validation_failed listing every failed field.
  Status Result() const;

 private:
  const Json::Value* Find(const char* name, bool required);

  const util::JsonDocument& doc_;
  const Json::Value& object_;
  Status errors_ = Status::InvalidArgument("validation_failed", "request validation failed");
  bool failed_ = false;
};

// A query-string integer: digits only, within [min, max].
std::optional<int64_t> ParseQueryInt(const std::string& text, int64_t min, int64_t max);

}  // namespace flashsale::api
