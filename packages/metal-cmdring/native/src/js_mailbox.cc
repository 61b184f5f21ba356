#include "js_mailbox.hpp"

#include <algorithm>
#include <utility>

#include "js_error.hpp"

namespace ringkit::cmdring::js {

std::shared_ptr<Mailbox> Mailbox::create(Napi::Env env, Napi::Function dispatch) {
  auto mailbox = std::make_shared<Mailbox>();
  mailbox->dispatch_ = Napi::Persistent(dispatch);
  // At the environment's teardown Node destroys the function itself, possibly
  // before the ring's finalizer runs: from then on there is nothing to release.
  std::weak_ptr<Mailbox> weak = mailbox;
  mailbox->call_ =
      Napi::ThreadSafeFunction::New(env, dispatch, "ringkit-cmdring", 0, 1, [weak](Napi::Env) {
        if (auto self = weak.lock()) self->forget();
      });
  // An idle ring must not keep the process alive; the JS side refers it while
  // acquires or commits are outstanding.
  mailbox->call_.Unref(env);
  mailbox->referenced_ = false;
  return mailbox;
}

Mailbox::~Mailbox() {
  Node* node = newest_.load(std::memory_order_acquire);
  while (node != nullptr) {
    Node* next = node->next;
    delete node;
    node = next;
  }
}

void Mailbox::queue(Message message) {
  if (released_.load(std::memory_order_acquire)) return;
  auto* node = new Node{std::move(message), newest_.load(std::memory_order_relaxed)};
  // Sequentially consistent, as flush()'s exchange and take_all(): in their one total order a
  // push before a flush's exchange that finds the flag set comes before the take that clears
  // it, so that take has the message. (On x86-64 both are locked instructions anyway.)
  while (!newest_.compare_exchange_weak(node->next, node, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
  }
}

void Mailbox::flush() {
  if (released_.load(std::memory_order_acquire)) return;
  if (newest_.load(std::memory_order_acquire) == nullptr) return;
  // One scheduled call at a time. take_all() clears the flag before it takes the stack, so a
  // message pushed after the take finds it clear here and schedules the next call.
  if (scheduled_.exchange(true, std::memory_order_seq_cst)) return;
  // The lambda holds the mailbox, so a call still queued when the ring is gone
  // finds it alive (and empty).
  call_.NonBlockingCall([self = shared_from_this()](Napi::Env env, Napi::Function dispatch) {
    if (env != nullptr) self->deliver(env, dispatch);
  });
}

void Mailbox::drain(Napi::Env env) {
  deliver(env, dispatch_.Value());
}

std::vector<Message> Mailbox::take_all() {
  // Cleared first (sequentially consistent, as the exchange below): a flush that comes after
  // the exchange took its message sees the flag clear. One that sees it still set pushed its
  // message before the exchange, which takes it.
  scheduled_.store(false, std::memory_order_seq_cst);
  Node* node = newest_.exchange(nullptr, std::memory_order_seq_cst);
  std::vector<Message> batch;
  while (node != nullptr) {
    Node* next = node->next;
    batch.push_back(std::move(node->message));
    delete node;
    node = next;
  }
  std::reverse(batch.begin(), batch.end());
  return batch;
}

void Mailbox::deliver(Napi::Env env, Napi::Function dispatch) {
  const std::vector<Message> batch = take_all();
  // Messages without an error go to JS packed, kWordsPerMessage numbers each, in one call: a
  // call into JS costs more than settling the promise it brings. A message with an error is
  // its own call, after the packed ones before it, so the order holds.
  Napi::HandleScope scope(env);
  std::size_t first = 0;
  while (first < batch.size()) {
    std::size_t end = first;
    while (end < batch.size() && !batch[end].error) end++;
    if (end > first) {
      Napi::Float64Array packed = Napi::Float64Array::New(env, (end - first) * kWordsPerMessage);
      for (std::size_t i = first; i < end; i++) {
        const Message& message = batch[i];
        double* words = packed.Data() + (i - first) * kWordsPerMessage;
        words[0] = static_cast<double>(message.kind);
        words[1] = static_cast<double>(message.id);
        words[2] = static_cast<double>(message.fence);
        words[3] = message.wait_ms;
      }
      // The JS dispatcher settles promises and catches what user callbacks throw, so one
      // message cannot cost the rest of the batch.
      dispatch.Call({packed});
    }
    if (end < batch.size()) {
      const Message& message = batch[end];
      dispatch.Call({env.Null(), Napi::Number::New(env, static_cast<double>(message.kind)),
                     Napi::Number::New(env, static_cast<double>(message.id)),
                     Napi::Number::New(env, static_cast<double>(message.fence)),
                     to_js(env, *message.error).Value()});
      end++;
    }
    first = end;
  }
}

void Mailbox::keep_alive(Napi::Env env, bool on) {
  if (released_.load(std::memory_order_acquire) || on == referenced_) return;
  referenced_ = on;
  if (on) {
    call_.Ref(env);
  } else {
    call_.Unref(env);
  }
}

void Mailbox::release(Napi::Env env, bool deliver_remaining) {
  if (released_.load(std::memory_order_acquire)) return;
  if (deliver_remaining) drain(env);
  released_.store(true, std::memory_order_release);
  // Both run on the JS thread (forget from the function's finalizer), never at once.
  if (!destroyed_.load(std::memory_order_acquire)) call_.Release();
  if (deliver_remaining) dispatch_.Reset();
}

void Mailbox::forget() {
  released_.store(true, std::memory_order_release);
  destroyed_.store(true, std::memory_order_release);
}

}  // namespace ringkit::cmdring::js
