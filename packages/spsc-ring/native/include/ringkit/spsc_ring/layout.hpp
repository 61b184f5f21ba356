// The ring's shared-memory layout, defined once for C++. LAYOUT.md draws it; src/layout.ts
// defines the same numbers for TypeScript, and test/layout.test.ts proves the two agree:
// every constant below comes from one list (ringkit/layout_list.hpp), and the addon's
// layout() hands that same list to the test. Every field is a little-endian u32.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringkit/layout_list.hpp"

namespace ringkit::layout {

// The whole header: "RING" when the first four bytes are read as ASCII; fields written by
// different parties live 128 bytes apart, as adjacent-line prefetch pairs 64-byte lines.
#define RINGKIT_SPSC_HEADER(X)                                           \
  X(layout, kMagic, "MAGIC", std::uint32_t, 0x474e4952)                  \
  X(layout, kLayoutVersion, "LAYOUT_VERSION", std::uint32_t, 2)          \
  X(layout, kLineBytes, "LINE_BYTES", std::size_t, 128)                  \
  X(layout, kHeaderBytes, "HEADER_BYTES", std::size_t, 4 * kLineBytes)   \
  X(layout, kDataOffset, "DATA_OFFSET", std::size_t, kHeaderBytes)       \
  X(layout, kDescriptorLine, "DESCRIPTOR_LINE", std::size_t, 0)          \
  X(layout, kProducerLine, "PRODUCER_LINE", std::size_t, 1 * kLineBytes) \
  X(layout, kConsumerLine, "CONSUMER_LINE", std::size_t, 2 * kLineBytes) \
  X(layout, kNotificationLine, "NOTIFICATION_LINE", std::size_t, 3 * kLineBytes)
RINGKIT_SPSC_HEADER(RINGKIT_LAYOUT_DEFINE)

// Written once by create, read-only afterwards.
#define RINGKIT_SPSC_DESCRIPTOR(X)                                                             \
  X(descriptor, kMagic, "Descriptor.MAGIC", std::size_t, kDescriptorLine + 0)                  \
  X(descriptor, kLayoutVersion, "Descriptor.LAYOUT_VERSION", std::size_t, kDescriptorLine + 4) \
  X(descriptor, kKind, "Descriptor.KIND", std::size_t, kDescriptorLine + 8)                    \
  X(descriptor, kCapacity, "Descriptor.CAPACITY", std::size_t, kDescriptorLine + 12)           \
  X(descriptor, kRecordSize, "Descriptor.RECORD_SIZE", std::size_t, kDescriptorLine + 16)      \
  X(descriptor, kMaxRecord, "Descriptor.MAX_RECORD", std::size_t, kDescriptorLine + 20)        \
  X(descriptor, kWaitDomain, "Descriptor.WAIT_DOMAIN", std::size_t, kDescriptorLine + 24)      \
  X(descriptor, kFlags, "Descriptor.FLAGS", std::size_t, kDescriptorLine + 28)                 \
  X(descriptor, kDataOffset, "Descriptor.DATA_OFFSET", std::size_t, kDescriptorLine + 32)      \
  X(descriptor, kDataBytes, "Descriptor.DATA_BYTES", std::size_t, kDescriptorLine + 36)
namespace descriptor {
RINGKIT_SPSC_DESCRIPTOR(RINGKIT_LAYOUT_DEFINE)
}  // namespace descriptor

// Written only by the producer. kThread: the attaching thread's kernel thread id, or 0 when
// the side is not bound to one thread.
#define RINGKIT_SPSC_PRODUCER(X)                                                         \
  X(producer, kWritePosition, "Producer.WRITE_POSITION", std::size_t, kProducerLine + 0) \
  X(producer, kClosed, "Producer.CLOSED", std::size_t, kProducerLine + 4)                \
  X(producer, kPushed, "Producer.PUSHED", std::size_t, kProducerLine + 8)                \
  X(producer, kDropped, "Producer.DROPPED", std::size_t, kProducerLine + 20)             \
  X(producer, kHeartbeat, "Producer.HEARTBEAT", std::size_t, kProducerLine + 32)         \
  X(producer, kPid, "Producer.PID", std::size_t, kProducerLine + 36)                     \
  X(producer, kPublishMode, "Producer.PUBLISH_MODE", std::size_t, kProducerLine + 40)    \
  X(producer, kThread, "Producer.THREAD", std::size_t, kProducerLine + 44)
namespace producer {
RINGKIT_SPSC_PRODUCER(RINGKIT_LAYOUT_DEFINE)
}  // namespace producer

// Written only by the consumer.
#define RINGKIT_SPSC_CONSUMER(X)                                                       \
  X(consumer, kReadPosition, "Consumer.READ_POSITION", std::size_t, kConsumerLine + 0) \
  X(consumer, kPopped, "Consumer.POPPED", std::size_t, kConsumerLine + 4)              \
  X(consumer, kHeartbeat, "Consumer.HEARTBEAT", std::size_t, kConsumerLine + 16)       \
  X(consumer, kPid, "Consumer.PID", std::size_t, kConsumerLine + 20)                   \
  X(consumer, kPublishMode, "Consumer.PUBLISH_MODE", std::size_t, kConsumerLine + 24)  \
  X(consumer, kThread, "Consumer.THREAD", std::size_t, kConsumerLine + 28)             \
  X(consumer, kFillMark, "Consumer.FILL_MARK", std::size_t, kConsumerLine + 32)
namespace consumer {
RINGKIT_SPSC_CONSUMER(RINGKIT_LAYOUT_DEFINE)
}  // namespace consumer

// The flags live beside the words waiters sleep on, not on the sleeper's own line: the other
// side reads them after every publish, and this line changes only when a side goes to sleep,
// so that read stays a cache hit.
#define RINGKIT_SPSC_NOTIFICATION(X)                                                           \
  X(notification, kConsumerWaiting, "Notification.CONSUMER_WAITING", std::size_t,              \
    kNotificationLine + 0)                                                                     \
  X(notification, kDataSignal, "Notification.DATA_SIGNAL", std::size_t, kNotificationLine + 4) \
  X(notification, kProducerWaiting, "Notification.PRODUCER_WAITING", std::size_t,              \
    kNotificationLine + 8)                                                                     \
  X(notification, kSpaceSignal, "Notification.SPACE_SIGNAL", std::size_t, kNotificationLine + 12)
namespace notification {
RINGKIT_SPSC_NOTIFICATION(RINGKIT_LAYOUT_DEFINE)
}  // namespace notification

// A 64-bit counter: low word, high word before and after.
#define RINGKIT_SPSC_COUNTER(X)                                  \
  X(counter, kLow, "Counter.LOW", std::size_t, 0)                \
  X(counter, kHighBefore, "Counter.HIGH_BEFORE", std::size_t, 4) \
  X(counter, kHighAfter, "Counter.HIGH_AFTER", std::size_t, 8)   \
  X(counter, kBytes, "Counter.BYTES", std::size_t, 12)
namespace counter {
RINGKIT_SPSC_COUNTER(RINGKIT_LAYOUT_DEFINE)
}  // namespace counter

// The descriptor's values.
#define RINGKIT_SPSC_KIND(X)                          \
  X(kind, kFixed, "RingKind.FIXED", std::uint32_t, 1) \
  X(kind, kBytes, "RingKind.BYTES", std::uint32_t, 2)
namespace kind {
RINGKIT_SPSC_KIND(RINGKIT_LAYOUT_DEFINE)
}  // namespace kind

#define RINGKIT_SPSC_WAIT_DOMAIN(X)                                \
  X(wait_domain, kProcess, "WaitDomain.PROCESS", std::uint32_t, 1) \
  X(wait_domain, kOs, "WaitDomain.OS", std::uint32_t, 2)
namespace wait_domain {
RINGKIT_SPSC_WAIT_DOMAIN(RINGKIT_LAYOUT_DEFINE)
}  // namespace wait_domain

#define RINGKIT_SPSC_FLAGS(X) X(flags, kBlockWhenFull, "Flags.BLOCK_WHEN_FULL", std::uint32_t, 1)
namespace flags {
RINGKIT_SPSC_FLAGS(RINGKIT_LAYOUT_DEFINE)
}  // namespace flags

// How a side publishes its position (LAYOUT.md, step 5): fenced (a sequentially consistent
// store) or light (a release store; the other side's sleeper must then issue membarrier).
#define RINGKIT_SPSC_PUBLISH_MODE(X)                               \
  X(publish_mode, kFenced, "PublishMode.FENCED", std::uint32_t, 0) \
  X(publish_mode, kLight, "PublishMode.LIGHT", std::uint32_t, 1)
namespace publish_mode {
RINGKIT_SPSC_PUBLISH_MODE(RINGKIT_LAYOUT_DEFINE)
}  // namespace publish_mode

// Byte records: [u32 length][u32 type][payload], 8-byte aligned. The padding record fills the
// end of the data area when the next record would wrap; a record (header included) may take at
// most capacity / kMaxFraction bytes.
#define RINGKIT_SPSC_RECORD(X)                                              \
  X(record, kLength, "Record.LENGTH", std::size_t, 0)                       \
  X(record, kType, "Record.TYPE", std::size_t, 4)                           \
  X(record, kHeaderBytes, "Record.HEADER_BYTES", std::size_t, 8)            \
  X(record, kAlignment, "Record.ALIGNMENT", std::size_t, 8)                 \
  X(record, kPaddingType, "Record.PADDING_TYPE", std::uint32_t, 0xffffffff) \
  X(record, kMaxFraction, "Record.MAX_FRACTION", std::size_t, 8)
namespace record {
RINGKIT_SPSC_RECORD(RINGKIT_LAYOUT_DEFINE)
}  // namespace record

// Positions are u32: the data area stays addressable by them. A byte ring of 128 bytes is the
// least in which a record can carry 8 bytes.
#define RINGKIT_SPSC_LIMITS(X)                                                             \
  X(limits, kMinFixedCapacity, "Limits.MIN_FIXED_CAPACITY", std::uint32_t, 2)              \
  X(limits, kMinByteCapacity, "Limits.MIN_BYTE_CAPACITY", std::uint32_t, 128)              \
  X(limits, kMaxDataBytes, "Limits.MAX_DATA_BYTES", std::uint64_t, std::uint64_t{1} << 31) \
  X(limits, kMaxRecordSize, "Limits.MAX_RECORD_SIZE", std::uint32_t, 1u << 16)
namespace limits {
RINGKIT_SPSC_LIMITS(RINGKIT_LAYOUT_DEFINE)
}  // namespace limits

// Every list above, in order: what the addon's layout() exports for test/layout.test.ts.
#define RINGKIT_SPSC_LAYOUT(X) \
  RINGKIT_SPSC_HEADER(X)       \
  RINGKIT_SPSC_DESCRIPTOR(X)   \
  RINGKIT_SPSC_PRODUCER(X)     \
  RINGKIT_SPSC_CONSUMER(X)     \
  RINGKIT_SPSC_NOTIFICATION(X) \
  RINGKIT_SPSC_COUNTER(X)      \
  RINGKIT_SPSC_KIND(X)         \
  RINGKIT_SPSC_WAIT_DOMAIN(X)  \
  RINGKIT_SPSC_FLAGS(X)        \
  RINGKIT_SPSC_PUBLISH_MODE(X) \
  RINGKIT_SPSC_RECORD(X)       \
  RINGKIT_SPSC_LIMITS(X)

// Calls visit(typescript_name, value) for every constant of the layout.
template <typename Visit>
void for_each_constant(Visit&& visit) {
  RINGKIT_SPSC_LAYOUT(RINGKIT_LAYOUT_VISIT)
}

constexpr std::size_t align_record(std::size_t bytes) {
  return (bytes + record::kAlignment - 1) & ~(record::kAlignment - 1);
}

// Each party's fields stay on its own line.
static_assert(descriptor::kDataBytes + 4 <= kProducerLine);
static_assert(producer::kThread + 4 <= kConsumerLine);
static_assert(consumer::kFillMark + 4 <= kNotificationLine);
static_assert(notification::kSpaceSignal + 4 <= kHeaderBytes);
static_assert(producer::kPushed + counter::kBytes <= producer::kDropped);
static_assert(producer::kDropped + counter::kBytes <= producer::kHeartbeat);
static_assert(consumer::kPopped + counter::kBytes <= consumer::kHeartbeat);
static_assert(kDataOffset % 64 == 0, "the data area starts on a cache line");

}  // namespace ringkit::layout
