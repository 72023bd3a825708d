#include "util/config_line.h"

namespace flashsale::util {
namespace {

bool Blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string TrimBlanks(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && Blank(s[b])) ++b;
  while (e > b && Blank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// After a closing quote: blanks, then nothing or a comment.
bool OnlyCommentLeft(const std::string& s, size_t from) {
  while (from < s.size() && Blank(s[from])) ++from;
  return from == s.size() || s[from] == '#';
}

Status Bad(const std::string& why) { return Status::InvalidArgument("invalid_config", why); }

}  // namespace

Result<std::optional<ConfigLine>> ParseConfigLine(const std::string& raw) {
  std::string line = TrimBlanks(raw);
  if (line.empty() || line[0] == '#') return std::optional<ConfigLine>();
  size_t eq = line.find('=');
  if (eq == std::string::npos) return Bad("expected key = value");
  ConfigLine out;
  out.key = TrimBlanks(line.substr(0, eq));
  if (out.key.empty()) return Bad("expected key = value");
  std::string rest = TrimBlanks(line.substr(eq + 1));

  if (!rest.empty() && (rest[0] == '"' || rest[0] == '\'')) {
    const char quote = rest[0];
    size_t i = 1;
    for (; i < rest.size() && rest[i] != quote; ++i) {
      if (quote == '"' && rest[i] == '\\' && i + 1 < rest.size() &&
          (rest[i + 1] == '"' || rest[i + 1] == '\\')) {
        ++i;
      }
      out.value += rest[i];
    }
    if (i == rest.size()) return Bad("unterminated quote in the value of " + out.key);
    if (!OnlyCommentLeft(rest, i + 1)) return Bad("text after the closing quote of " + out.key);
    return std::optional<ConfigLine>(std::move(out));
  }
  // Unquoted: up to a `#` that starts the value or follows a blank (`key = # note` is empty; a
  // `#` inside a word is part of the value).
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '#' && (i == 0 || Blank(rest[i - 1]))) {
      rest = TrimBlanks(rest.substr(0, i));
      break;
    }
  }
  out.value = rest;
  return std::optional<ConfigLine>(std::move(out));
}

}  // namespace flashsale::util
