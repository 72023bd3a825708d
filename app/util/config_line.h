// One line of a config file: `key = value`, a comment, or nothing.
//
// Values are taken as written, with surrounding blanks trimmed. `#` starts a comment at the start
// of a line or after a blank, outside quotes, so `db_password = ab#cd` is "ab#cd" and
// `workers = 4  # per core` is "4". A value may be quoted to keep what trimming or a comment
// would take: "double quotes" understand \" and \\ (any other backslash stays as it is), 'single
// quotes' take everything literally; nothing but a comment may follow the closing quote.
// Environment overrides are never parsed this way: their value is the whole variable.
#pragma once

#include <optional>
#include <string>

#include "util/status.h"

namespace flashsale::util {

struct ConfigLine {
  std::string key;
  std::string value;
};

// nullopt for a blank or comment-only line; an error for a line without `=`, an empty key, an
// unterminated quote or text after a closing quote.
Result<std::optional<ConfigLine>> ParseConfigLine(const std::string& line);

}  // namespace flashsale::util
