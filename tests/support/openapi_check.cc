#include "openapi_check.h"

#include <json/reader.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>

#include "test_stack.h"
#include "util/json.h"
#include "util/text.h"

namespace flashsale::itest {
namespace {

struct Document {
  Json::Value spec;
  Json::Value schemas;
};

Json::Value LoadJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  Json::CharReaderBuilder builder;
  Json::Value v;
  std::string errors;
  if (!Json::parseFromStream(builder, in, &v, &errors)) {
    throw std::runtime_error(path + ": " + errors);
  }
  return v;
}

const Document& Doc() {
  static const Document doc = [] {
    std::string dir = RepoRoot() + "/app/api/openapi/";
    return Document{LoadJson(dir + "openapi.json"), LoadJson(dir + "schemas.json")};
  }();
  return doc;
}

// "#/components/responses/X" or "schemas.json#/X".
const Json::Value& Resolve(const Json::Value& node) {
  if (!node.isObject() || !node.isMember("$ref")) return node;
  std::string ref = node["$ref"].asString();
  const Json::Value* base = &Doc().spec;
  size_t hash = ref.find('#');
  if (ref.compare(0, hash, "schemas.json") == 0) base = &Doc().schemas;
  const Json::Value* at = base;
  std::stringstream parts(ref.substr(hash + 2));
  for (std::string part; std::getline(parts, part, '/');) at = &(*at)[part];
  return Resolve(*at);
}

bool HasType(const Json::Value& v, const std::string& type) {
  if (type == "null") return v.isNull();
  if (type == "boolean") return v.isBool();
  if (type == "integer") return v.type() == Json::intValue || v.type() == Json::uintValue;
  if (type == "number") return v.isNumeric() && !v.isBool();
  if (type == "string") return v.isString();
  if (type == "array") return v.isArray();
  if (type == "object") return v.isObject();
  return false;
}

void Validate(const Json::Value& value, const Json::Value& schema_node, const std::string& where,
              std::vector<std::string>& out) {
  const Json::Value& s = Resolve(schema_node);
  auto fail = [&](const std::string& what) { out.push_back(where + ": " + what); };
  if (s.isMember("type")) {
    bool ok = false;
    if (s["type"].isArray()) {
      for (const Json::Value& t : s["type"]) ok = ok || HasType(value, t.asString());
    } else {
      ok = HasType(value, s["type"].asString());
    }
    if (!ok) return fail("wrong type (" + util::WriteJson(s["type"]) + ")");
  }
  if (s.isMember("enum")) {
    bool found = false;
    for (const Json::Value& e : s["enum"]) found = found || e == value;
    if (!found) fail("not one of " + util::WriteJson(s["enum"]));
  }
  if (value.isNumeric() && !value.isBool()) {
    if (s.isMember("minimum") && value.asDouble() < s["minimum"].asDouble()) fail("below minimum");
    if (s.isMember("maximum") && value.asDouble() > s["maximum"].asDouble()) fail("above maximum");
  }
  if (value.isString()) {
    std::optional<size_t> chars = util::Utf8Length(value.asString());
    if (!chars) fail("not valid UTF-8");
    if (chars && s.isMember("minLength") && *chars < s["minLength"].asUInt()) fail("too short");
    if (chars && s.isMember("maxLength") && *chars > s["maxLength"].asUInt()) fail("too long");
    if (s.isMember("pattern") &&
        !std::regex_search(value.asString(), std::regex(s["pattern"].asString()))) {
      fail("does not match " + s["pattern"].asString());
    }
  }
  if (value.isObject()) {
    const Json::Value& props = s["properties"];
    for (const Json::Value& name : s["required"]) {
      if (!value.isMember(name.asString())) fail("missing " + name.asString());
    }
    if (s.isMember("minProperties") && value.size() < s["minProperties"].asUInt()) fail("too few properties");
    for (const std::string& name : value.getMemberNames()) {
      if (props.isMember(name)) {
        Validate(value[name], props[name], where + "." + name, out);
      } else if (s.isMember("additionalProperties")) {
        const Json::Value& extra = s["additionalProperties"];
        if (extra.isBool() && !extra.asBool()) {
          fail("undocumented property " + name);
        } else if (extra.isObject()) {
          Validate(value[name], extra, where + "." + name, out);
        }
      }
    }
  }
  if (value.isArray() && s.isMember("items")) {
    for (Json::ArrayIndex i = 0; i < value.size(); ++i) {
      Validate(value[i], s["items"], where + "[" + std::to_string(i) + "]", out);
    }
  }
  for (const Json::Value& sub : s["allOf"]) Validate(value, sub, where, out);
  if (s.isMember("oneOf")) {
    int matches = 0;
    for (const Json::Value& sub : s["oneOf"]) {
      std::vector<std::string> problems;
      Validate(value, sub, where, problems);
      matches += problems.empty() ? 1 : 0;
    }
    if (matches != 1) fail("matches " + std::to_string(matches) + " of oneOf");
  }
}

// The path template of the document that `path` (no query) matches, or "".
std::string MatchPath(const std::string& path) {
  for (const std::string& tmpl : Doc().spec["paths"].getMemberNames()) {
    std::stringstream a(tmpl), b(path);
    std::string x, y;
    bool same = true;
    for (;;) {
      bool more_a = static_cast<bool>(std::getline(a, x, '/'));
      bool more_b = static_cast<bool>(std::getline(b, y, '/'));
      if (!more_a || !more_b) {
        same = same && more_a == more_b;
        break;
      }
      if (!(x == y || (x.size() > 2 && x.front() == '{' && !y.empty()))) same = false;
    }
    if (same) return tmpl;
  }
  return "";
}

std::mutex g_mu;
std::vector<std::string> g_problems;
size_t g_checked = 0;

}  // namespace

std::vector<std::string> OpenApiProblems(std::string_view method_in, std::string_view full_path,
                                         const HttpResponse& r) {
  std::vector<std::string> out;
  std::string path(full_path.substr(0, full_path.find('?')));
  std::string method;
  for (char c : method_in) method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string where = std::string(method_in) + " " + std::string(full_path) + " -> " +
                      std::to_string(r.status);
  bool head = method == "head";
  if (head) method = "get";
  if (!head && r.Header("content-type").rfind("application/json", 0) != 0) {
    out.push_back(where + ": Content-Type is '" + r.Header("content-type") + "'");
  }
  if (!head && (!r.json_ok || !r.json.isObject())) {
    out.push_back(where + ": the body is not a JSON object");
    return out;
  }
  std::string tmpl = MatchPath(path);
  const Json::Value* response = nullptr;
  if (!tmpl.empty() && Doc().spec["paths"][tmpl].isMember(method)) {
    const Json::Value& responses = Doc().spec["paths"][tmpl][method]["responses"];
    std::string status = std::to_string(r.status);
    if (!responses.isMember(status)) {
      out.push_back(where + ": status not documented for " + method + " " + tmpl);
      return out;
    }
    response = &Resolve(responses[status]);
  }
  if (head) return out;
  if (response == nullptr) {
    // An unknown path or another method: any documented error shape.
    Validate(r.json, Doc().schemas["Error"], where, out);
    return out;
  }
  Validate(r.json, (*response)["content"]["application/json"]["schema"], where, out);
  // Error bodies only: a response may also allow another shape (health's 503: Health or Error).
  if (response->isMember("x-error-codes") && r.json.isMember("error")) {
    std::string code = r.json["error"]["code"].asString();
    bool listed = false;
    for (const Json::Value& c : (*response)["x-error-codes"]) listed = listed || c.asString() == code;
    if (!listed) out.push_back(where + ": error code '" + code + "' is not documented here");
  }
  return out;
}

void AuditResponse(std::string_view method, std::string_view path, const HttpResponse& r) {
  if (r.status == 0 || path.substr(0, 4) != "/api") return;  // no answer, or not the API
  std::vector<std::string> problems = OpenApiProblems(method, path, r);
  std::lock_guard<std::mutex> lock(g_mu);
  ++g_checked;
  for (std::string& p : problems) {
    if (g_problems.size() < 200) g_problems.push_back(std::move(p));
  }
}

namespace {

// Reports at the end of the run: any response that broke the document fails it.
struct OpenApiAudit {
  ~OpenApiAudit() {
    std::lock_guard<std::mutex> lock(g_mu);
    std::cout << "[openapi] " << g_checked << " responses checked against app/api/openapi, "
              << g_problems.size() << " violation(s)" << std::endl;
    for (const std::string& p : g_problems) std::cout << "[openapi]   " << p << std::endl;
    BOOST_TEST(g_problems.empty(), "responses that do not match app/api/openapi/openapi.json");
  }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(OpenApiAudit);

}  // namespace flashsale::itest
