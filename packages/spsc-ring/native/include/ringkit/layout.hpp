// The ring's shared-memory layout, defined once for C++. LAYOUT.md draws it;
// src/layout.ts defines the same numbers for TypeScript, and the package's
// layout test proves the two agree. Every field is a little-endian u32.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringkit::layout {

// "RING" when the first four bytes are read as ASCII.
inline constexpr std::uint32_t kMagic = 0x474e4952;
inline constexpr std::uint32_t kLayoutVersion = 2;

// Fields written by different parties live 128 bytes apart: adjacent-line
// prefetch pairs 64-byte lines, so 64 would still share.
inline constexpr std::size_t kLineBytes = 128;
inline constexpr std::size_t kHeaderBytes = 4 * kLineBytes;
inline constexpr std::size_t kDataOffset = kHeaderBytes;

inline constexpr std::size_t kDescriptorLine = 0;
inline constexpr std::size_t kProducerLine = 1 * kLineBytes;
inline constexpr std::size_t kConsumerLine = 2 * kLineBytes;
inline constexpr std::size_t kNotificationLine = 3 * kLineBytes;

namespace descriptor {  // written once by create, read-only afterwards
inline constexpr std::size_t kMagic = kDescriptorLine + 0;
inline constexpr std::size_t kLayoutVersion = kDescriptorLine + 4;
inline constexpr std::size_t kKind = kDescriptorLine + 8;
inline constexpr std::size_t kCapacity = kDescriptorLine + 12;
inline constexpr std::size_t kRecordSize = kDescriptorLine + 16;
inline constexpr std::size_t kMaxRecord = kDescriptorLine + 20;
inline constexpr std::size_t kWaitDomain = kDescriptorLine + 24;
inline constexpr std::size_t kFlags = kDescriptorLine + 28;
inline constexpr std::size_t kDataOffset = kDescriptorLine + 32;
inline constexpr std::size_t kDataBytes = kDescriptorLine + 36;
}  // namespace descriptor

namespace producer {  // written only by the producer
inline constexpr std::size_t kWritePosition = kProducerLine + 0;
inline constexpr std::size_t kClosed = kProducerLine + 4;
inline constexpr std::size_t kPushed = kProducerLine + 8;
inline constexpr std::size_t kDropped = kProducerLine + 20;
inline constexpr std::size_t kHeartbeat = kProducerLine + 32;
inline constexpr std::size_t kPid = kProducerLine + 36;
inline constexpr std::size_t kPublishMode = kProducerLine + 40;  // publish_mode:: below
// The attaching thread's kernel thread id, or 0 when the side is not bound to one thread.
inline constexpr std::size_t kThread = kProducerLine + 44;
}  // namespace producer

namespace consumer {  // written only by the consumer
inline constexpr std::size_t kReadPosition = kConsumerLine + 0;
inline constexpr std::size_t kPopped = kConsumerLine + 4;
inline constexpr std::size_t kHeartbeat = kConsumerLine + 16;
inline constexpr std::size_t kPid = kConsumerLine + 20;
inline constexpr std::size_t kPublishMode = kConsumerLine + 24;  // publish_mode:: below
inline constexpr std::size_t kThread = kConsumerLine + 28;
}  // namespace consumer

// The flags live beside the words waiters sleep on, not on the sleeper's own
// line: the other side reads them after every publish, and this line changes
// only when a side goes to sleep, so that read stays a cache hit.
namespace notification {
inline constexpr std::size_t kConsumerWaiting = kNotificationLine + 0;
inline constexpr std::size_t kDataSignal = kNotificationLine + 4;
inline constexpr std::size_t kProducerWaiting = kNotificationLine + 8;
inline constexpr std::size_t kSpaceSignal = kNotificationLine + 12;
}  // namespace notification

namespace counter {  // a 64-bit counter: low word, high word before and after
inline constexpr std::size_t kLow = 0;
inline constexpr std::size_t kHighBefore = 4;
inline constexpr std::size_t kHighAfter = 8;
inline constexpr std::size_t kBytes = 12;
}  // namespace counter

namespace kind {
inline constexpr std::uint32_t kFixed = 1;
inline constexpr std::uint32_t kBytes = 2;
}  // namespace kind

namespace wait_domain {
inline constexpr std::uint32_t kProcess = 1;
inline constexpr std::uint32_t kOs = 2;
}  // namespace wait_domain

namespace flags {
inline constexpr std::uint32_t kBlockWhenFull = 1;
}  // namespace flags

// How a side publishes its position (LAYOUT.md, step 5): fenced (a sequentially consistent
// store) or light (a release store; the other side's sleeper must then issue membarrier).
namespace publish_mode {
inline constexpr std::uint32_t kFenced = 0;
inline constexpr std::uint32_t kLight = 1;
}  // namespace publish_mode

namespace record {  // byte records: [u32 length][u32 type][payload], 8-byte aligned
inline constexpr std::size_t kLength = 0;
inline constexpr std::size_t kType = 4;
inline constexpr std::size_t kHeaderBytes = 8;
inline constexpr std::size_t kAlignment = 8;
inline constexpr std::uint32_t kPaddingType = 0xffffffff;
inline constexpr std::size_t kMaxFraction = 8;
}  // namespace record

namespace limits {
inline constexpr std::uint32_t kMinFixedCapacity = 2;
inline constexpr std::uint32_t kMinByteCapacity = 128;  // so a record can carry ≥ 8 bytes
inline constexpr std::uint64_t kMaxDataBytes = std::uint64_t{1} << 31;
inline constexpr std::uint32_t kMaxRecordSize = 1u << 16;
}  // namespace limits

constexpr std::size_t align_record(std::size_t bytes) {
  return (bytes + record::kAlignment - 1) & ~(record::kAlignment - 1);
}

// Each party's fields stay on its own line.
static_assert(descriptor::kDataBytes + 4 <= kProducerLine);
static_assert(producer::kThread + 4 <= kConsumerLine);
static_assert(consumer::kThread + 4 <= kNotificationLine);
static_assert(notification::kSpaceSignal + 4 <= kHeaderBytes);
static_assert(producer::kPushed + counter::kBytes <= producer::kDropped);
static_assert(producer::kDropped + counter::kBytes <= producer::kHeartbeat);
static_assert(consumer::kPopped + counter::kBytes <= consumer::kHeartbeat);
static_assert(kDataOffset % 64 == 0, "the data area starts on a cache line");

}  // namespace ringkit::layout
