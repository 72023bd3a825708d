// OpenApiCheck: every response the integration tests receive through HttpClient is checked
// against the project's API reference, app/api/openapi/openapi.json (+ schemas.json), so the
// document cannot drift from the code: an undocumented status, a missing or extra field, a
// wrong type or an error code the operation does not list is a violation, and the run fails
// (the global fixture below reports them after the last test).
//
// Covers the subset of JSON Schema the document uses: type (one or a list, "null" included),
// enum, properties, required, additionalProperties, items, minimum, maximum, minLength and
// maxLength (in characters), pattern, oneOf, allOf, minProperties, $ref; and the document's
// own x-error-codes (the codes an error response may carry).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http_client.h"

namespace flashsale::itest {

// Problems of one response to `method` `path` (query included); empty when it conforms.
// Thread-safe: the document is loaded once.
std::vector<std::string> OpenApiProblems(std::string_view method, std::string_view path,
                                         const HttpResponse& response);

// Called by HttpClient for every response; keeps the problems for the end of the run.
void AuditResponse(std::string_view method, std::string_view path, const HttpResponse& response);

}  // namespace flashsale::itest
