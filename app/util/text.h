// The string rules of the contract, in one place: request strings are valid UTF-8, lengths
// count Unicode characters (code points), not bytes, and the Idempotency-Key header is visible
// ASCII. Comparison is byte for byte everywhere (std::string ==; nopad binary collations in SQL).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace flashsale::util {

// True when `s` is well-formed UTF-8: shortest forms only, no surrogates (U+D800..U+DFFF), no
// code point above U+10FFFF.
bool IsValidUtf8(std::string_view s);

// Number of code points in `s`, or nullopt when it is not valid UTF-8.
std::optional<size_t> Utf8Length(std::string_view s);

// `s` with every ill-formed byte sequence replaced by U+FFFD, so output is always valid UTF-8.
std::string ToValidUtf8(std::string_view s);

// True when every byte is visible ASCII, 0x21 ('!') to 0x7E ('~').
bool IsVisibleAscii(std::string_view s);

}  // namespace flashsale::util
