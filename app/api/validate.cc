#include "api/validate.h"

#include <charconv>
#include <memory>

#include "util/money.h"
#include "util/text.h"

namespace flashsale::api {

Result<util::JsonDocument> ParseObject(const std::string& body) {
  std::optional<util::JsonDocument> doc = util::ReadJson(body);
  if (!doc || !doc->value.isObject()) {
    return Status::InvalidArgument("invalid_json", "the request body must be a JSON object");
  }
  return std::move(*doc);
}

const Json::Value* FieldChecker::Find(const char* name, bool required) {
  const Json::Value* v = object_.find(name, name + std::char_traits<char>::length(name));
  if (v == nullptr) {
    if (required) Fail(name, "is required");
    return nullptr;
  }
  if (v->isNull()) {
    // Sent as null: for an optional field that is a wrong type, not "leave it unchanged".
    Fail(name, required ? "is required" : "must not be null");
    return nullptr;
  }
  return v;
}

void FieldChecker::Fail(const char* name, const std::string& what) {
  errors_.WithField(name, what);
  failed_ = true;
}

std::optional<int64_t> FieldChecker::Integer(const char* name, int64_t min, int64_t max,
                                             bool required) {
  const Json::Value* v = Find(name, required);
  if (v == nullptr) return std::nullopt;
  std::string range = "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  // jsoncpp reports 2.0 as "convertible to int"; only a literal integer is accepted.
  if ((v->type() != Json::intValue && v->type() != Json::uintValue) || !v->isInt64()) {
    Fail(name, range);
    return std::nullopt;
  }
  int64_t n = v->asInt64();
  if (n < min || n > max) {
    Fail(name, range);
    return std::nullopt;
  }
  return n;
}

std::optional<std::optional<int64_t>> FieldChecker::NullableInteger(const char* name,
                                                                    int64_t min, int64_t max) {
  const Json::Value* v = object_.find(name, name + std::char_traits<char>::length(name));
  if (v == nullptr) return std::nullopt;
  if (v->isNull()) return std::optional<int64_t>();
  if ((v->type() != Json::intValue && v->type() != Json::uintValue) || !v->isInt64() ||
      v->asInt64() < min || v->asInt64() > max) {
    Fail(name, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                   ", or null");
    return std::nullopt;
  }
  return std::optional<int64_t>(v->asInt64());
}

std::optional<std::string> FieldChecker::OptionalString(const char* name, size_t min_len,
                                                        size_t max_len) {
  const Json::Value* v = object_.find(name, name + std::char_traits<char>::length(name));
  if (v == nullptr || v->isNull()) return std::nullopt;
  return String(name, min_len, max_len, false);
}

std::optional<std::string> FieldChecker::String(const char* name, size_t min_len, size_t max_len,
                                                bool required) {
  const Json::Value* v = Find(name, required);
  if (v == nullptr) return std::nullopt;
  std::optional<size_t> length = v->isString() ? util::Utf8Length(v->asString()) : std::nullopt;
  if (!length || *length < min_len || *length > max_len) {
    Fail(name, "must be a string of " + std::to_string(min_len) + " to " +
                   std::to_string(max_len) + " characters");
    return std::nullopt;
  }
  return v->asString();
}

std::optional<int64_t> FieldChecker::Money(const char* name, int64_t min_cents, int64_t max_cents,
                                           bool required) {
  const Json::Value* v = Find(name, required);
  if (v == nullptr) return std::nullopt;
  std::optional<int64_t> cents;
  auto text = doc_.number_text.find(name);
  bool number = v->type() == Json::intValue || v->type() == Json::uintValue ||
                v->type() == Json::realValue;
  if (number && text != doc_.number_text.end()) {
    cents = util::CentsFromDecimal(text->second);
  }
  if (!cents || *cents < min_cents || *cents > max_cents) {
    Fail(name, "must be a number with at most two decimals from " + util::FormatCents(min_cents) +
                   " to " + util::FormatCents(max_cents));
    return std::nullopt;
  }
  return cents;
}

std::optional<std::string> FieldChecker::OneOf(const char* name,
                                               std::initializer_list<const char*> values) {
  const Json::Value* v = Find(name, true);
  if (v == nullptr) return std::nullopt;
  std::string allowed;
  for (const char* value : values) {
    if (v->isString() && v->asString() == value) return v->asString();
    allowed += (allowed.empty() ? "" : ", ") + std::string(value);
  }
  Fail(name, "must be one of: " + allowed);
  return std::nullopt;
}

Status FieldChecker::Result() const { return failed_ ? errors_ : Status::Ok(); }

std::optional<int64_t> ParseQueryInt(const std::string& text, int64_t min, int64_t max) {
  // Digits only: from_chars would also take a leading '-' ("-0" as 0).
  if (text.empty() || text.size() > 19 || text[0] < '0' || text[0] > '9') return std::nullopt;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < min || n > max) {
    return std::nullopt;
  }
  return n;
}

}  // namespace flashsale::api
