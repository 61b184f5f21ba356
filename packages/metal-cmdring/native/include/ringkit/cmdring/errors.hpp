// The command ring's one error vocabulary: a code JavaScript branches on and one
// sentence a user can act on. `Error` is a value (handed to callbacks, carried as
// a poisoned ring's cause); `Failure` throws one where a call cannot go on
// (bad options, a bad op argument, a backend that is not there).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace ringkit::cmdring {

namespace error_code {
inline constexpr std::string_view kInvalidOptions = "INVALID_OPTIONS";
inline constexpr std::string_view kInvalidOp = "INVALID_OP";
inline constexpr std::string_view kInvalidSlot = "INVALID_SLOT";
inline constexpr std::string_view kAcquireTimeout = "ACQUIRE_TIMEOUT";
inline constexpr std::string_view kWaitTimeout = "WAIT_TIMEOUT";
inline constexpr std::string_view kAborted = "ABORTED";
inline constexpr std::string_view kCommandFailed = "COMMAND_FAILED";
inline constexpr std::string_view kPoisoned = "POISONED";
inline constexpr std::string_view kClosed = "CLOSED";
inline constexpr std::string_view kCloseTimeout = "CLOSE_TIMEOUT";
inline constexpr std::string_view kInvalidState = "INVALID_STATE";
inline constexpr std::string_view kBackendUnavailable = "BACKEND_UNAVAILABLE";
inline constexpr std::string_view kInvalidModule = "INVALID_MODULE";
inline constexpr std::string_view kUnknownKernel = "UNKNOWN_KERNEL";
}  // namespace error_code

struct Error {
  std::string code;
  std::string message;
  // For POISONED: the COMMAND_FAILED error that poisoned the ring.
  std::shared_ptr<const Error> cause;
};

inline Error make_error(std::string_view code, std::string message,
                        std::shared_ptr<const Error> cause = nullptr) {
  return Error{std::string(code), std::move(message), std::move(cause)};
}

class Failure : public std::runtime_error {
 public:
  explicit Failure(Error error) : std::runtime_error(error.message), error_(std::move(error)) {}
  Failure(std::string_view code, std::string message)
      : Failure(make_error(code, std::move(message))) {}

  const Error& error() const noexcept { return error_; }
  const std::string& code() const noexcept { return error_.code; }

 private:
  Error error_;
};

}  // namespace ringkit::cmdring
