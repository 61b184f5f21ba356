// The ring's errors (errors.hpp) as JavaScript sees them: an Error whose message
// is the sentence, whose `code` is the code and, for POISONED, whose `cause` is
// the COMMAND_FAILED error that poisoned the ring.
#pragma once

#include <napi.h>

#include "ringkit/cmdring/errors.hpp"

namespace ringkit::cmdring::js {

Napi::Error to_js(Napi::Env env, const Error& error);

// Runs `body`, rethrowing a Failure as the JS error it stands for.
template <typename Body>
auto translating(Napi::Env env, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Failure& failure) {
    throw to_js(env, failure.error());
  }
}

}  // namespace ringkit::cmdring::js
