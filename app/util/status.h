// Status and Result<T>: errors as values (leveldb style).
//
// Every call that can fail for a reason a client or operator cares about returns a Status (or a
// Result<T> carrying either a value or a Status). The code names what happened in domain terms;
// http/error_map.cc is the only place that turns it into an HTTP status and body. `error` is the
// stable machine-readable code of the contract ("insufficient_stock"); `message` is for people;
// `context` carries extra keys the contract puts beside the code ("available", "order_id").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace flashsale {

enum class Code {
  kOk,
  kInvalidArgument,  // validation failed (422) or malformed input (400)
  kNotFound,         // 404
  kConflict,         // business conflict (409): sold out, hold used, key reused...
  kUnauthorized,     // 401
  kMethodNotAllowed, // 405
  kPayloadTooLarge,  // 413
  kRetryable,        // deadlock / lock wait timeout: the transaction may be run again
  kUnavailable,      // dependency down or retries exhausted (503)
  kInternal,         // anything unexpected (500)
};

class Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string error, std::string message) {
    return Status(Code::kInvalidArgument, std::move(error), std::move(message));
  }
  static Status NotFound(std::string error, std::string message) {
    return Status(Code::kNotFound, std::move(error), std::move(message));
  }
  static Status Conflict(std::string error, std::string message) {
    return Status(Code::kConflict, std::move(error), std::move(message));
  }
  static Status Unauthorized(std::string error, std::string message) {
    return Status(Code::kUnauthorized, std::move(error), std::move(message));
  }
  static Status MethodNotAllowed(std::string message) {
    return Status(Code::kMethodNotAllowed, "method_not_allowed", std::move(message));
  }
  static Status PayloadTooLarge(std::string message) {
    return Status(Code::kPayloadTooLarge, "payload_too_large", std::move(message));
  }
  static Status Retryable(std::string message) {
    return Status(Code::kRetryable, "retryable", std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(Code::kUnavailable, "service_unavailable", std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(Code::kInternal, "internal_error", std::move(message));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& error() const { return error_; }
  const std::string& message() const { return message_; }

  // Extra integer keys written beside "code" in the error body, e.g. {"available", 3}.
  const std::vector<std::pair<std::string, int64_t>>& context() const { return context_; }
  Status& With(std::string key, int64_t value) {
    context_.emplace_back(std::move(key), value);
    return *this;
  }
  // Per-field validation messages ("fields" in the 422 body).
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  Status& WithField(std::string field, std::string what) {
    fields_.emplace_back(std::move(field), std::move(what));
    return *this;
  }

 private:
  Status(Code code, std::string error, std::string message)
      : code_(code), error_(std::move(error)), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string error_;
  std::string message_;
  std::vector<std::pair<std::string, int64_t>> context_;
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Either a T or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  const T& value() const { return *value_; }
  T& value() { return *value_; }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace flashsale
