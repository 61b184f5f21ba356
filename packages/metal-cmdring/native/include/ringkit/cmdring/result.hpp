// A value or the Error that stands in its place: what a wait can end in (a slot,
// or a timeout, an abort, a poisoned or closed ring) without throwing across
// threads and callbacks.
#pragma once

#include <optional>
#include <utility>
#include <variant>

#include "ringkit/cmdring/errors.hpp"

namespace ringkit::cmdring {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const noexcept { return state_.index() == 0; }
  const T& value() const { return std::get<0>(state_); }
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Empty when the operation succeeded.
using Status = std::optional<Error>;

}  // namespace ringkit::cmdring
