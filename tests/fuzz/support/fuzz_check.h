// FUZZ_CHECK: a property every input must keep. A failure prints what broke and aborts, which
// libFuzzer reports as a crash and saves the input (tests/fuzz/crashes/<harness>/).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace flashsale::fuzz {

[[noreturn]] inline void CheckFailed(const char* file, int line, const char* cond,
                                     const std::string& detail) {
  std::fprintf(stderr, "\n%s:%d: property violated: %s\n%s\n", file, line, cond, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

// Printable form of arbitrary bytes for failure messages: C escapes, at most 400 bytes.
inline std::string Printable(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < 400; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  if (s.size() > 400) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out + "\"";
}

}  // namespace flashsale::fuzz

#define FUZZ_CHECK(cond, detail)                                                   \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::ostringstream fuzz_check_detail_;                                       \
      fuzz_check_detail_ << detail; /* NOLINT */                                   \
      ::flashsale::fuzz::CheckFailed(__FILE__, __LINE__, #cond,                    \
                                     fuzz_check_detail_.str());                    \
    }                                                                              \
  } while (0)
