// One native thread started from JS — a producer, or one or several roles — and
// everything its JS handle, the thread and the completion callback share, so
// whichever finishes last frees it: the stop flag, the blocks it can resolve,
// the views it works in (kept alive until it finished) and the way back to JS.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "role_support.hpp"

namespace ringkit::buffer_pool::js {

// Builds a finished thread's result object on the JS thread.
using ResultBuilder = std::function<Napi::Object(Napi::Env)>;

class NativeThread {
 public:
  NativeThread() = default;
  NativeThread(const NativeThread&) = delete;
  NativeThread& operator=(const NativeThread&) = delete;
  virtual ~NativeThread();

  // Keeps the view's memory alive until the thread finished; returns its bytes (JS thread).
  std::byte* keep(Napi::Uint8Array view);
  // Nothing was started: the kept views are released now, on this (the JS) thread.
  void abandon() noexcept { finished_ = true; }
  // Thread: onEvent(kind, block) on the JS thread, without waiting for it.
  void tell(const char* kind, std::uint32_t block);

  // Runs `work` on a new thread; `done` settles with the object its builder makes. Returns the
  // handle { done, stop(), addBlock(block, bytes), takeRequest(block) } (JS thread).
  static Napi::Object start(const std::shared_ptr<NativeThread>& self, Napi::Env env,
                            Napi::Function on_event, const char* name,
                            std::function<ResultBuilder()> work);

  std::atomic<bool> stop{false};
  std::unique_ptr<BlockTable> blocks;
  std::size_t block_bytes = 0;

 private:
  // addBlock(block, bytes): a block that arrived after the start; false when the thread
  // finished, the block is known already, or it is not a block of this pool (JS thread).
  bool add_block(double block, Napi::Uint8Array bytes);

  Napi::ThreadSafeFunction events_;
  std::unique_ptr<Napi::Promise::Deferred> deferred_;
  std::unique_ptr<std::vector<Napi::Reference<Napi::Uint8Array>>> keep_alive_ =
      std::make_unique<std::vector<Napi::Reference<Napi::Uint8Array>>>();
  bool finished_ = false;  // JS thread only
};

}  // namespace ringkit::buffer_pool::js
