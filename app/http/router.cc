#include "http/router.h"

#include <charconv>

namespace flashsale::http {

std::optional<int64_t> ParsePathId(const std::string& s) {
  if (s.empty() || s[0] < '1' || s[0] > '9') return std::nullopt;
  int64_t id = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;  // overflow, non-digit
  return id;
}

// "/api/products/1" -> {"api", "products", "1"}. A trailing slash makes an empty last segment,
// so "/api/products/1/" is a different (unknown) path, as a strict API should treat it.
std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t start = path.empty() || path[0] != '/' ? 0 : 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

}  // namespace flashsale::http
