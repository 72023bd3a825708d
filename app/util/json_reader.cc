#include "util/json_reader.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace flashsale::util {
namespace {

using nlohmann::json;

// Builds a Json::Value from nlohmann's SAX events. Returning false stops the parse.
class Builder : public nlohmann::json_sax<json> {
 public:
  explicit Builder(JsonDocument& doc) : doc_(doc) {}

  bool null() override { return Add(Json::Value()); }
  bool boolean(bool v) override { return Add(Json::Value(v)); }
  bool number_integer(number_integer_t v) override { return Number(Json::Value(Json::Int64(v))); }
  bool number_unsigned(number_unsigned_t v) override {
    return Number(Json::Value(Json::UInt64(v)));
  }
  bool number_float(number_float_t v, const string_t& text) override {
    return Number(Json::Value(v), &text);
  }
  bool string(string_t& v) override { return Add(Json::Value(v)); }
  bool binary(binary_t&) override { return false; }  // never produced by the JSON parser

  bool start_object(std::size_t) override { return Open(Json::objectValue); }
  bool key(string_t& k) override {
    Json::Value& object = *stack_.back();
    if (object.isMember(k)) return false;  // duplicate key
    key_ = k;
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(Json::arrayValue); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  // Places `v` where the parser is: the root, the next array element, or the current key.
  Json::Value* Place(Json::Value v) {
    if (stack_.empty()) {
      doc_.value = std::move(v);
      return &doc_.value;
    }
    Json::Value& parent = *stack_.back();
    if (parent.isArray()) return &parent.append(std::move(v));
    return &(parent[key_] = std::move(v));
  }
  bool Add(Json::Value v) {
    Place(std::move(v));
    return true;
  }
  bool Number(Json::Value v, const std::string* text = nullptr) {
    if (stack_.size() == 1 && stack_.back()->isObject()) {
      doc_.number_text[key_] = text != nullptr ? *text
                               : v.isUInt64() && !v.isInt64() ? std::to_string(v.asUInt64())
                                                              : std::to_string(v.asInt64());
    }
    return Add(std::move(v));
  }
  bool Open(Json::ValueType type) {
    if (static_cast<int>(stack_.size()) >= kMaxJsonDepth) return false;
    stack_.push_back(Place(Json::Value(type)));
    return true;
  }
  bool Close() {
    stack_.pop_back();
    return true;
  }

  JsonDocument& doc_;
  std::vector<Json::Value*> stack_;  // open containers; pointers stay valid (children of the last)
  std::string key_;
};

}  // namespace

std::optional<JsonDocument> ReadJson(std::string_view text) {
  // nlohmann's lexer takes a NUL byte for the end of the input: whatever follows would be
  // ignored. A raw NUL is never valid JSON (inside a string it must be escaped).
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  // nlohmann skips a byte order mark, which RFC 8259 forbids senders to add.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") return std::nullopt;
  JsonDocument doc;
  Builder builder(doc);
  bool ok = false;
  try {
    ok = json::sax_parse(text.begin(), text.end(), &builder, json::input_format_t::json,
                         /*strict=*/true, /*ignore_comments=*/false);
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok) return std::nullopt;
  return doc;
}

}  // namespace flashsale::util
