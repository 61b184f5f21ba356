#include "ring_mapping.hpp"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "js_error.hpp"
#include "kernel_ring.hpp"

namespace ringkit::bpf {
namespace {

using SharedRing = std::shared_ptr<KernelRing>;

// Each ArrayBuffer holds the mapping through its own reference: the pages stay mapped until
// unmap() is called or both buffers are collected, whichever comes first.
void release_ring(Napi::Env /*env*/, void* /*data*/, SharedRing* hold) {
  delete hold;
}

Napi::ArrayBuffer external_buffer(Napi::Env env, void* data, std::size_t bytes,
                                  const SharedRing& ring) {
  return Napi::ArrayBuffer::New(env, data, bytes, release_ring, new SharedRing(ring));
}

std::uint32_t whole_number(const Napi::Value& value, const char* what) {
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(number >= 0 && number <= 4294967295.0 && std::floor(number) == number))
    throw js_error(value.Env(), "INVALID_OPTIONS",
                   std::string("mapRing: ") + what + " must be a whole number from 0 to 2^32 - 1");
  return static_cast<std::uint32_t>(number);
}

// mapRing(fd, bytes) → { consumer, producer, pageBytes, unmap() }: `consumer` is the
// read-write consumer page; `producer` the read-only producer page, then the data mapped
// twice back to back (LAYOUT.md, "The kernel ring, as the reader maps it").
Napi::Value MapRing(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const int fd = static_cast<int>(whole_number(info[0], "fd"));
  const std::uint32_t bytes = whole_number(info[1], "bytes");
  auto ring = std::make_shared<KernelRing>();
  std::string error;
  if (!ring->map(fd, bytes, error)) throw js_error(env, "READER_FAILED", error);
  Napi::ArrayBuffer consumer =
      external_buffer(env, ring->consumer_page(), ring->page_bytes(), ring);
  Napi::ArrayBuffer producer =
      external_buffer(env, ring->producer_area(), ring->producer_area_bytes(), ring);
  Napi::Object mapping = Napi::Object::New(env);
  mapping.Set("consumer", consumer);
  mapping.Set("producer", producer);
  mapping.Set("pageBytes", Napi::Number::New(env, static_cast<double>(ring->page_bytes())));
  auto consumer_ref =
      std::make_shared<Napi::Reference<Napi::ArrayBuffer>>(Napi::Persistent(consumer));
  auto producer_ref =
      std::make_shared<Napi::Reference<Napi::ArrayBuffer>>(Napi::Persistent(producer));
  // Detaching first: a view of either buffer then reads nothing rather than unmapped pages.
  mapping.Set("unmap", Napi::Function::New(
                           env, [ring, consumer_ref, producer_ref](const Napi::CallbackInfo& call) {
                             for (const auto& reference : {consumer_ref, producer_ref}) {
                               if (reference->IsEmpty()) continue;
                               Napi::ArrayBuffer buffer = reference->Value();
                               if (!buffer.IsDetached()) buffer.Detach();
                               reference->Reset();
                             }
                             *ring = KernelRing{};
                             return call.Env().Undefined();
                           }));
  return mapping;
}

}  // namespace

void register_ring_mapping(Napi::Env env, Napi::Object exports) {
  exports.Set("mapRing", Napi::Function::New(env, MapRing));
}

}  // namespace ringkit::bpf
