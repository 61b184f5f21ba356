// What the ring's threads tell JavaScript: settled acquires, completed fences and
// wait events, queued here and delivered on the JS thread through one
// thread-safe function. A batch costs one wake-up of the event loop however many
// messages it holds, because only the first flush after a drain schedules a call;
// and a batch the ring says may wait (BatchWake::kWithNext) is queued without a
// flush, so it shares the next batch's wake-up.
//
// No lock: the executor queues a message for every command it retires, so a mutex
// here put a lock back on the path the ring keeps lock-free. Messages are pushed
// onto a lock-free stack (one compare-exchange each); delivery takes the whole
// stack with one exchange and reverses it into the order the messages came in.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ringkit/cmdring/errors.hpp"

namespace ringkit::cmdring::js {

struct Message {
  enum class Kind : std::uint8_t { kAcquireSettled = 0, kFenceSettled = 1, kWaitEvent = 2 };
  Kind kind;
  std::uint64_t id;     // waiter id, fence, or (wait event) slot index
  std::uint64_t fence;  // the slot's fence; an acquired slot as js_ring.cc's slot_number; 0: failed
  double wait_ms = 0;   // wait event only
  std::optional<Error> error;
};

class Mailbox : public std::enable_shared_from_this<Mailbox> {
 public:
  // Messages as JS receives them: `dispatch(packed)`, a Float64Array of (kind, id, fence,
  // wait ms) per message, for runs of messages without an error; `dispatch(null, kind, id,
  // fence, error)` for one with an error.
  static constexpr std::size_t kWordsPerMessage = 4;

  static std::shared_ptr<Mailbox> create(Napi::Env env, Napi::Function dispatch);
  Mailbox() = default;
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;
  // Frees what was queued after the release (dropped: JS can no longer be told).
  ~Mailbox();

  // Any thread. Dropped once the mailbox is released (the ring is closed by then,
  // so nothing is left to tell). queue() leaves the wake-up to the next flush():
  // the ring's callbacks queue, and its end-of-batch hook flushes, so one batch
  // costs one wake-up of the event loop.
  void queue(Message message);
  void flush();

  // JS thread: delivers everything queued now, without waiting for the scheduled call.
  void drain(Napi::Env env);
  // JS thread: whether a pending message keeps the event loop alive.
  void keep_alive(Napi::Env env, bool on);
  // JS thread, once: delivers what is left (not from a finalizer, where JS cannot
  // run) and lets the event loop forget the mailbox.
  void release(Napi::Env env, bool deliver_remaining);

 private:
  void deliver(Napi::Env env, Napi::Function dispatch);
  // The thread-safe function was destroyed (the environment is going away).
  void forget();

  struct Node {
    Message message;
    Node* next;
  };
  // Takes every message queued so far, oldest first.
  std::vector<Message> take_all();

  // Newest first; null when empty.
  std::atomic<Node*> newest_{nullptr};
  // A call to deliver is scheduled and has not yet taken the stack.
  std::atomic<bool> scheduled_{false};
  std::atomic<bool> released_{false};
  std::atomic<bool> destroyed_{false};
  bool referenced_ = true;  // JS thread only
  Napi::ThreadSafeFunction call_;
  Napi::FunctionReference dispatch_;
};

}  // namespace ringkit::cmdring::js
