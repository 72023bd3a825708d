// A worker's whole request path, from FastCGI params and stdin to the bytes written back:
// http::ReadRequest (app/http/fcgi_io.cc) on a params array and an in-memory stdin stream, then
// api::Api::Handle (router, handlers, validation, error mapping; MariaDB and Redis unreachable,
// support/dead_stack.h), then http::WriteResponse into an in-memory stream, as
// app/process/worker.cc does. Properties:
//   - the Request holds what the params say: method, path and raw query split at the first '?',
//     every HTTP_* param as a lower-case dashed header without surrounding spaces and tabs (a
//     repeated one combined as "a, b"), a body of
//     CONTENT_LENGTH bytes or what stdin had; over 64 KiB is 413;
//   - the answer to any input is a JSON error or 503, never 500 (CheckClientResponse);
//   - the CGI head is "Status: <code> ..." with header lines that cannot be split, and a
//     Content-Length equal to the body written after it.
//
// Input: "NAME=value" lines (the params, in order, as nginx would pass them), an empty line,
// then stdin. In an X-Signature header, "@sign" stands for a valid signature of the body.
#include <fcgiapp.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "domain/webhook_signature.h"
#include "http/error_map.h"
#include "http/fcgi_io.h"
#include "support/dead_stack.h"
#include "support/fuzz_check.h"

namespace {

using namespace flashsale;
using namespace flashsale::fuzz;

// libfcgi streams over memory: stdin handed out in small pieces, stdout through a small buffer,
// so the callers' loops over FCGX_GetStr / FCGX_PutStr are exercised.
struct InStream {
  FCGX_Stream stream{};
  std::string data;
  size_t pos = 0;
  size_t piece = 1;
};

void FillIn(FCGX_Stream* s) {
  InStream* in = static_cast<InStream*>(s->data);
  if (in->pos >= in->data.size()) {
    s->isClosed = 1;
    return;
  }
  size_t n = std::min(in->piece, in->data.size() - in->pos);
  s->rdNext = reinterpret_cast<unsigned char*>(in->data.data()) + in->pos;
  s->stop = s->rdNext + n;
  s->stopUnget = s->rdNext;
  in->pos += n;
}

struct OutStream {
  FCGX_Stream stream{};
  unsigned char buffer[61];
  std::string written;
};

void EmptyOut(FCGX_Stream* s, int) {
  OutStream* out = static_cast<OutStream*>(s->data);
  out->written.append(reinterpret_cast<char*>(out->buffer),
                      static_cast<size_t>(s->wrNext - out->buffer));
  s->wrNext = out->buffer;
}

// FCGX_GetParam's rule: the first NAME=value.
const char* Param(const std::vector<std::string>& env, const std::string& name) {
  for (const std::string& e : env) {
    if (e.compare(0, name.size() + 1, name + "=") == 0) return e.c_str() + name.size() + 1;
  }
  return nullptr;
}

void CheckHead(const std::string& written, const http::Response& r, const std::string& what) {
  size_t end = written.find("\r\n\r\n");
  FUZZ_CHECK(end != std::string::npos, "no end of head: " << Printable(written));
  std::string head = written.substr(0, end + 2);
  std::string body = written.substr(end + 4);
  FUZZ_CHECK(head.rfind("Status: " + std::to_string(r.status) + " ", 0) == 0,
             "head does not start with the status: " << Printable(head));
  FUZZ_CHECK(body == r.body, "body written differs: " << Printable(written));
  size_t lines = 0, length_lines = 0;
  for (size_t at = 0; at < head.size();) {
    size_t eol = head.find("\r\n", at);
    std::string line = head.substr(at, eol - at);
    FUZZ_CHECK(line.find_first_of("\r\n") == std::string::npos && line.find(": ") != std::string::npos,
               "bad head line " << Printable(line) << " for " << what);
    if (line.rfind("Content-Length: ", 0) == 0) {
      ++length_lines;
      FUZZ_CHECK(line == "Content-Length: " + std::to_string(body.size()), "wrong " << line);
    }
    ++lines;
    at = eol + 2;
  }
  FUZZ_CHECK(lines == 4 + r.headers.size() && length_lines == 1,
             "head has " << lines << " lines: " << Printable(head));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SilenceLogs();
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t blank = input.find("\n\n");
  std::string params_text = blank == std::string::npos ? input : input.substr(0, blank);
  std::string stdin_data = blank == std::string::npos ? "" : input.substr(blank + 2);

  // The params as C strings (what libfcgi hands over): each ends at its first NUL.
  std::vector<std::string> env;
  for (size_t at = 0; at <= params_text.size();) {
    size_t eol = params_text.find('\n', at);
    std::string line = params_text.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
    if (!line.empty()) env.push_back(line.substr(0, line.find('\0')));
    if (eol == std::string::npos) break;
    at = eol + 1;
  }
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  InStream in;
  in.data = stdin_data;
  in.piece = 1 + size % 97;
  in.stream.isReader = 1;
  in.stream.fillBuffProc = FillIn;
  in.stream.data = &in;
  OutStream out;
  out.stream.wrNext = out.buffer;
  out.stream.stop = out.buffer + sizeof out.buffer;
  out.stream.emptyBuffProc = EmptyOut;
  out.stream.data = &out;
  FCGX_Request fcgi{};
  fcgi.envp = envp.data();
  fcgi.in = &in.stream;
  fcgi.out = &out.stream;

  Result<http::Request> req = http::ReadRequest(fcgi);
  std::string what = Printable(input);

  // What the params say.
  const char* length_param = Param(env, "CONTENT_LENGTH");
  unsigned long long want_length =
      length_param == nullptr || *length_param == '\0' ? 0 : std::strtoull(length_param, nullptr, 10);
  http::Response response;
  if (want_length > http::kMaxBodyBytes) {
    FUZZ_CHECK(!req.ok() && http::HttpStatusFor(req.status()) == 413,
               "CONTENT_LENGTH " << length_param << " not refused: " << what);
  } else {
    FUZZ_CHECK(req.ok(), "refused: " << req.status().message() << ": " << what);
  }
  if (req.ok()) {
    http::Request& r = req.value();
    const char* method = Param(env, "REQUEST_METHOD");
    const char* uri_param = Param(env, "REQUEST_URI");
    std::string uri = uri_param ? uri_param : "";
    FUZZ_CHECK(r.method == (method ? method : ""), "method " << Printable(r.method));
    FUZZ_CHECK(r.path.find('?') == std::string::npos &&
                   r.path + (uri.find('?') == std::string::npos ? "" : "?" + r.query) == uri,
               "path " << Printable(r.path) << " query " << Printable(r.query) << " from "
                       << Printable(uri));
    std::map<std::string, std::string> headers;
    for (const std::string& e : env) {
      size_t eq = e.find('=');
      if (e.compare(0, 5, "HTTP_") != 0 || eq == std::string::npos) continue;
      std::string name;
      for (size_t i = 5; i < eq; ++i) {
        char c = e[i];
        name += c == '_' ? '-' : (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
      }
      // The value without surrounding spaces and tabs; a header sent twice reads "a, b".
      std::string value = e.substr(eq + 1);
      size_t first = value.find_first_not_of(" \t");
      value = first == std::string::npos ? "" : value.substr(first, value.find_last_not_of(" \t") - first + 1);
      auto [it, inserted] = headers.emplace(name, value);
      if (!inserted) it->second += ", " + value;
    }
    FUZZ_CHECK(r.headers == headers, "headers differ from the params: " << what);
    FUZZ_CHECK(r.body == stdin_data.substr(0, want_length),
               "body " << Printable(r.body) << " for CONTENT_LENGTH " << want_length);

    auto sig = r.headers.find("x-signature");
    if (sig != r.headers.end() && sig->second == "@sign") {
      int64_t now = static_cast<int64_t>(std::time(nullptr));
      sig->second = "t=" + std::to_string(now) + ",v1=" +
                    domain::SignWebhook(kFuzzWebhookSecret, now, r.body);
    }
    response = HandleWithDeadStack(r);
  } else {
    response = http::ErrorResponse(req.status());
  }
  CheckClientResponse(response, what);

  http::WriteResponse(fcgi, response);
  EmptyOut(&out.stream, 1);
  CheckHead(out.written, response, what);
  return 0;
}
