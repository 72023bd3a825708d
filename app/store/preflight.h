// `-t` of every binary, after the configuration has been read: can MariaDB and Redis be reached
// with it? Prints one line per check to stdout, like `nginx -t`.
#pragma once

#include <string>

#include "util/config.h"

namespace flashsale::store {

// true when both answered. `binary` and `config_path` name what was tested in the output.
bool CheckConnections(const util::Config& config, const std::string& binary,
                      const std::string& config_path);

}  // namespace flashsale::store
