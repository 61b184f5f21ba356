#include "js_mailbox.hpp"

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

void Mailbox::queue(Message message) {
  std::lock_guard lock(mutex_);
  if (!released_) queue_.push_back(std::move(message));
}

void Mailbox::flush() {
  {
    std::lock_guard lock(mutex_);
    if (released_ || scheduled_ || queue_.empty()) return;
    scheduled_ = true;
  }
  // The lambda holds the mailbox, so a call still queued when the ring is gone
  // finds it alive (and empty).
  call_.NonBlockingCall([self = shared_from_this()](Napi::Env env, Napi::Function dispatch) {
    if (env != nullptr) self->deliver(env, dispatch);
  });
}

void Mailbox::drain(Napi::Env env) {
  deliver(env, dispatch_.Value());
}

void Mailbox::deliver(Napi::Env env, Napi::Function dispatch) {
  std::vector<Message> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queue_);
    scheduled_ = false;
  }
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
  if (released_ || on == referenced_) return;
  referenced_ = on;
  if (on) {
    call_.Ref(env);
  } else {
    call_.Unref(env);
  }
}

void Mailbox::release(Napi::Env env, bool deliver_remaining) {
  if (released_) return;
  if (deliver_remaining) drain(env);
  bool destroyed;
  {
    std::lock_guard lock(mutex_);
    released_ = true;
    destroyed = destroyed_;
  }
  if (!destroyed) call_.Release();
  if (deliver_remaining) dispatch_.Reset();
}

void Mailbox::forget() {
  std::lock_guard lock(mutex_);
  released_ = true;
  destroyed_ = true;
}

}  // namespace ringkit::cmdring::js
