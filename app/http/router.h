// Router: a table of (method, path pattern) -> handler. Patterns are literal segments and
// "{id}", which matches a positive 64-bit id written as [1-9][0-9]*.
//
// Resolution order follows the contract: no pattern matches -> 404 not_found; a pattern matches
// but not for this method -> 405 with the Allow header; an {id} that is not a valid id -> 404.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/request.h"
#include "util/status.h"

namespace flashsale::http {

template <typename Handler>
class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler) {
    std::vector<std::string> segments = Split(pattern);
    routes_.push_back({std::move(method), std::move(segments), std::move(handler), std::move(pattern)});
  }

  struct Match {
    const Handler* handler = nullptr;  // set on success
    const std::string* pattern = nullptr;  // on success: the route template, e.g. "/api/holds/{id}"
    std::vector<int64_t> ids;
    Status error;           // 404 / 405 otherwise
    std::string allow;      // for 405
  };

  Match Resolve(const std::string& method, const std::string& path) const {
    Match m;
    std::vector<std::string> segments = Split(path);
    std::vector<std::string> allowed;
    for (const Route& r : routes_) {
      if (!Fits(r.segments, segments)) continue;
      if (r.method != method) {
        allowed.push_back(r.method);
        continue;
      }
      for (size_t i = 0; i < segments.size(); ++i) {
        if (r.segments[i] != "{id}") continue;
        std::optional<int64_t> id = ParseId(segments[i]);
        if (!id) {
          m.error = Status::NotFound("not_found", "no such resource");
          return m;
        }
        m.ids.push_back(*id);
      }
      m.handler = &r.handler;
      m.pattern = &r.pattern;
      return m;
    }
    if (allowed.empty()) {
      m.error = Status::NotFound("not_found", "no such endpoint");
    } else {
      for (const std::string& a : allowed) m.allow += (m.allow.empty() ? "" : ", ") + a;
      m.error = Status::MethodNotAllowed("method not allowed; allowed: " + m.allow);
    }
    return m;
  }

  // "[1-9][0-9]*" that fits in int64; nullopt otherwise.
  static std::optional<int64_t> ParseId(const std::string& s);

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    std::string pattern;
  };

  static std::vector<std::string> Split(const std::string& path);
  static bool Fits(const std::vector<std::string>& pattern,
                   const std::vector<std::string>& segments) {
    if (pattern.size() != segments.size()) return false;
    for (size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] != "{id}" && pattern[i] != segments[i]) return false;
    }
    return true;
  }

  std::vector<Route> routes_;
};

// Non-template helpers shared by every Router instantiation.
std::optional<int64_t> ParsePathId(const std::string& s);
std::vector<std::string> SplitPath(const std::string& path);

template <typename Handler>
std::optional<int64_t> Router<Handler>::ParseId(const std::string& s) {
  return ParsePathId(s);
}

template <typename Handler>
std::vector<std::string> Router<Handler>::Split(const std::string& path) {
  return SplitPath(path);
}

}  // namespace flashsale::http
