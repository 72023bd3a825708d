// FastCGI in and out: the only code that speaks libfcgi's request API. Turns an accepted
// FCGX_Request into a Request, and a Response into the CGI-style answer nginx relays.
#pragma once

#include <fcgiapp.h>

#include "http/request.h"
#include "util/status.h"

namespace flashsale::http {

// Reads params and body. Bodies over kMaxBodyBytes are a 413 (nginx stops them first; this is
// the second line for deployments whose nginx does not).
Result<Request> ReadRequest(FCGX_Request& fcgi);

void WriteResponse(FCGX_Request& fcgi, const Response& response);

}  // namespace flashsale::http
