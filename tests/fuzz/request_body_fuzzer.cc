// Body validation of every endpoint that takes a body, exactly as the handlers do it
// (app/api/*_handler.cc: ParseObject, then FieldChecker), against the contract's rules worked out
// by the reference (support/reference.cc): 400 invalid_json exactly when the body is not a strict
// JSON object, else 422 naming exactly the fields that are missing, null (where null is not "no
// value", as for buyer_id and max_per_buyer), of the wrong JSON type or out of range, else the
// values the body holds. Never a 500, and the error body is strict JSON.
//
// Input: "<endpoint>\n<body>" with endpoint one of holds, orders, webhook, admin_post,
// admin_patch; anything else is taken whole as a body for every endpoint.
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "api/validate.h"
#include "domain/rules.h"
#include "http/error_map.h"
#include "support/dead_stack.h"
#include "support/fuzz_check.h"
#include "support/reference.h"

namespace {

using namespace flashsale;
using namespace flashsale::fuzz;

// What validation produced: the status and the values it read (as text, for comparing).
struct Outcome {
  Status status;
  std::map<std::string, std::string> values;
};

std::string Text(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "-"; }
std::string Text(const std::optional<std::string>& v) { return v ? *v : "-"; }
std::string Text(const std::optional<std::optional<int64_t>>& v) {
  return !v ? "-" : !*v ? "null" : std::to_string(**v);
}

// ---- The handlers' validation, step for step ----

Outcome Holds(const std::string& body) {
  Result<util::JsonDocument> doc = api::ParseObject(body);
  if (!doc.ok()) return {doc.status(), {}};
  api::FieldChecker check(doc.value());
  std::optional<int64_t> product_id = check.Integer("product_id", 1, INT64_MAX);
  std::optional<int64_t> quantity =
      check.Integer("quantity", domain::kMinQuantity, domain::kMaxQuantity);
  std::optional<std::string> buyer_id =
      check.OptionalString("buyer_id", 1, domain::kMaxBuyerIdLength);
  return {check.Result(),
          {{"product_id", Text(product_id)}, {"quantity", Text(quantity)}, {"buyer_id", Text(buyer_id)}}};
}

Outcome Orders(const std::string& body) {
  Result<util::JsonDocument> doc = api::ParseObject(body);
  if (!doc.ok()) return {doc.status(), {}};
  api::FieldChecker check(doc.value());
  std::optional<int64_t> hold_id = check.Integer("hold_id", 1, INT64_MAX);
  return {check.Result(), {{"hold_id", Text(hold_id)}}};
}

Outcome Webhook(const std::string& body) {
  Result<util::JsonDocument> doc = api::ParseObject(body);
  if (!doc.ok()) return {doc.status(), {}};
  api::FieldChecker check(doc.value());
  std::optional<std::string> key = check.String("idempotency_key", 1, 255);
  std::optional<int64_t> order_id = check.Integer("order_id", 1, INT64_MAX);
  std::optional<std::string> status = check.OneOf("status", {"success", "failed"});
  return {check.Result(),
          {{"idempotency_key", Text(key)}, {"order_id", Text(order_id)}, {"status", Text(status)}}};
}

Outcome AdminPost(const std::string& body) {
  Result<util::JsonDocument> doc = api::ParseObject(body);
  if (!doc.ok()) return {doc.status(), {}};
  api::FieldChecker check(doc.value());
  std::optional<std::string> name = check.String("name", 1, 255);
  std::optional<int64_t> price = check.Money("price", 0, domain::kMaxPriceCents);
  std::optional<int64_t> stock = check.Integer("stock", 0, domain::kMaxStock);
  std::optional<std::optional<int64_t>> max_per_buyer =
      check.NullableInteger("max_per_buyer", 1, domain::kMaxPerBuyer);
  return {check.Result(),
          {{"name", Text(name)}, {"price", Text(price)}, {"stock", Text(stock)},
           {"max_per_buyer", Text(max_per_buyer)}}};
}

Outcome AdminPatch(const std::string& body) {
  Result<util::JsonDocument> doc = api::ParseObject(body);
  if (!doc.ok()) return {doc.status(), {}};
  api::FieldChecker check(doc.value());
  std::optional<std::string> name = check.String("name", 1, 255, false);
  std::optional<int64_t> price = check.Money("price", 0, domain::kMaxPriceCents, false);
  std::optional<int64_t> stock = check.Integer("stock", 0, domain::kMaxStock, false);
  std::optional<std::optional<int64_t>> max_per_buyer =
      check.NullableInteger("max_per_buyer", 1, domain::kMaxPerBuyer);
  const Json::Value& fields = doc.value().value;
  if (!fields.isMember("name") && !fields.isMember("price") && !fields.isMember("stock") &&
      !fields.isMember("max_per_buyer")) {
    check.Fail("stock", "at least one of name, price, stock, max_per_buyer is required");
  }
  return {check.Result(),
          {{"name", Text(name)}, {"price", Text(price)}, {"stock", Text(stock)},
           {"max_per_buyer", Text(max_per_buyer)}}};
}

// ---- The contract's rules, on the reference document ----

class Expect {
 public:
  explicit Expect(const RefValue& object) : object_(object) {}

  void Integer(const char* name, int64_t min, int64_t max, bool required = true) {
    const RefValue* v = Find(name, required);
    if (v == nullptr) return;
    std::optional<int64_t> n = v->kind == RefValue::kInt ? RefInt64(v->text) : std::nullopt;
    if (!n || *n < min || *n > max) return Fail(name);
    values_[name] = std::to_string(*n);
  }
  void String(const char* name, size_t min, size_t max, bool required = true) {
    const RefValue* v = Find(name, required);
    if (v == nullptr) return;
    std::optional<size_t> length =
        v->kind == RefValue::kString ? RefUtf8Length(v->text) : std::nullopt;
    if (!length || *length < min || *length > max) return Fail(name);
    values_[name] = v->text;
  }
  void Money(const char* name, int64_t min, int64_t max, bool required = true) {
    const RefValue* v = Find(name, required);
    if (v == nullptr) return;
    bool number = v->kind == RefValue::kInt || v->kind == RefValue::kReal;
    std::optional<int64_t> cents = number ? RefCents(v->text, min, max) : std::nullopt;
    if (!cents) return Fail(name);
    values_[name] = std::to_string(*cents);
  }
  // Absent or null: no value; else as String.
  void OptionalString(const char* name, size_t min, size_t max) {
    const RefValue* v = Member(name);
    values_[name] = "-";
    if (v == nullptr || v->kind == RefValue::kNull) return;
    String(name, min, max, false);
  }
  // Absent: "-"; null: "null" (no limit); else an integer in [min, max].
  void NullableInteger(const char* name, int64_t min, int64_t max) {
    const RefValue* v = Member(name);
    values_[name] = "-";
    if (v == nullptr) return;
    if (v->kind == RefValue::kNull) {
      values_[name] = "null";
      return;
    }
    std::optional<int64_t> n = v->kind == RefValue::kInt ? RefInt64(v->text) : std::nullopt;
    if (!n || *n < min || *n > max) return Fail(name);
    values_[name] = std::to_string(*n);
  }
  void OneOf(const char* name, std::set<std::string> allowed) {
    const RefValue* v = Find(name, true);
    if (v == nullptr) return;
    if (v->kind != RefValue::kString || allowed.count(v->text) == 0) return Fail(name);
    values_[name] = v->text;
  }
  bool Has(const char* name) const { return Member(name) != nullptr; }
  void Fail(const std::string& name) {
    failed_.insert(name);
    values_[name] = "-";
  }

  const std::set<std::string>& failed() const { return failed_; }
  std::map<std::string, std::string> values() const { return values_; }

 private:
  const RefValue* Member(const char* name) const {
    for (const auto& [key, value] : object_.members) {
      if (key == name) return &value;
    }
    return nullptr;
  }
  const RefValue* Find(const char* name, bool required) {
    const RefValue* v = Member(name);
    values_[name] = "-";
    if (v == nullptr) {
      if (required) Fail(name);
      return nullptr;
    }
    if (v->kind == RefValue::kNull) {
      Fail(name);
      return nullptr;
    }
    return v;
  }

  const RefValue& object_;
  std::set<std::string> failed_;
  std::map<std::string, std::string> values_;
};

void ExpectFor(const std::string& endpoint, Expect& e) {
  if (endpoint == "holds") {
    e.Integer("product_id", 1, INT64_MAX);
    e.Integer("quantity", 1, 1000000);
    e.OptionalString("buyer_id", 1, 255);
  } else if (endpoint == "orders") {
    e.Integer("hold_id", 1, INT64_MAX);
  } else if (endpoint == "webhook") {
    e.String("idempotency_key", 1, 255);
    e.Integer("order_id", 1, INT64_MAX);
    e.OneOf("status", {"success", "failed"});
  } else if (endpoint == "admin_post") {
    e.String("name", 1, 255);
    e.Money("price", 0, 100000000);  // 0.00 .. 1,000,000.00
    e.Integer("stock", 0, 1000000000);
    e.NullableInteger("max_per_buyer", 1, 1000000000);  // null or absent: no limit
  } else {  // admin_patch
    e.String("name", 1, 255, false);
    e.Money("price", 0, 100000000, false);
    e.Integer("stock", 0, 1000000000, false);
    e.NullableInteger("max_per_buyer", 1, 1000000000);
    if (!e.Has("name") && !e.Has("price") && !e.Has("stock") && !e.Has("max_per_buyer")) {
      e.Fail("stock");
    }
  }
}

void Check(const std::string& endpoint, const std::string& body) {
  Outcome got = endpoint == "holds"        ? Holds(body)
                : endpoint == "orders"     ? Orders(body)
                : endpoint == "webhook"    ? Webhook(body)
                : endpoint == "admin_post" ? AdminPost(body)
                                           : AdminPatch(body);
  std::string what = endpoint + " " + Printable(body);
  int http = http::HttpStatusFor(got.status);
  CheckClientResponse(http::ErrorResponse(got.status), what);

  std::optional<RefValue> ref = RefParseJson(body);
  if (!ref || ref->kind != RefValue::kObject) {
    FUZZ_CHECK(http == 400 && got.status.error() == "invalid_json",
               "not a strict JSON object, but " << http << " " << got.status.error() << ": " << what);
    return;
  }
  Expect expect(*ref);
  ExpectFor(endpoint, expect);
  std::set<std::string> failed;
  for (const auto& [field, message] : got.status.fields()) failed.insert(field);
  if (expect.failed().empty()) {
    FUZZ_CHECK(got.status.ok(), "valid body refused with " << http << " " << got.status.error()
                                                           << ": " << what);
    FUZZ_CHECK(got.values == expect.values(), "values read differ from the body: " << what);
  } else {
    std::string want, have;
    for (const std::string& f : expect.failed()) want += f + " ";
    for (const std::string& f : failed) have += f + " ";
    FUZZ_CHECK(http == 422 && got.status.error() == "validation_failed" && failed == expect.failed(),
               "expected 422 for [" << want << "], got " << http << " " << got.status.error()
                                    << " for [" << have << "]: " << what);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kEndpoints[] = {"holds", "orders", "webhook", "admin_post",
                                           "admin_patch"};
  SilenceLogs();
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string first = input.substr(0, newline);
  for (const char* endpoint : kEndpoints) {
    if (first == endpoint) {
      Check(endpoint, newline == std::string::npos ? "" : input.substr(newline + 1));
      return 0;
    }
  }
  for (const char* endpoint : kEndpoints) Check(endpoint, input);
  return 0;
}
