#include "timestamp_merge.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "ringkit/spsc_ring.hpp"

namespace ringkit::bpf {
namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
// The heap's order: std::*_heap keep the greatest on top, and we want the earliest.
constexpr auto kLater = [](const auto& a, const auto& b) { return a > b; };

// Merged events are framed as the kernel frames records, padded to 8 bytes; the
// JS ring's records are padded the same way, so its align_record serves both.
static_assert(ringkit::layout::record::kAlignment == 8,
              "kernel ring records are padded to 8 bytes");

std::uint64_t merged_record_bytes(std::uint32_t event_bytes) {
  return ringkit::layout::align_record(std::size_t{layout::kernel_record::kHeaderBytes} +
                                       event_bytes);
}

}  // namespace

bool TimestampMerge::check(const ReaderOptions& options, std::string& error) {
  if (options.event_bytes == 0) {
    error = "merge needs a fixed event size (event_bytes > 0) to split records into events.";
    return false;
  }
  if (std::uint64_t{options.timestamp_offset} + 8 > options.event_bytes) {
    error = "merge needs the 8-byte timestamp inside the event, but timestamp_offset " +
            std::to_string(options.timestamp_offset) + " + 8 exceeds event_bytes " +
            std::to_string(options.event_bytes) + ".";
    return false;
  }
  if (merged_record_bytes(options.event_bytes) > options.max_batch_bytes) {
    error = "merge needs room for one " + std::to_string(options.event_bytes) +
            "-byte event per batch, but max_batch_bytes is " +
            std::to_string(options.max_batch_bytes) + ".";
    return false;
  }
  return true;
}

TimestampMerge::TimestampMerge(const ReaderOptions& options,
                               std::vector<std::uint32_t> ring_indices)
    : event_bytes_(options.event_bytes),
      timestamp_offset_(options.timestamp_offset),
      slack_ns_(options.merge_slack_ns),
      max_held_bytes_(std::size_t{4} * options.max_batch_bytes),
      record_bytes_(merged_record_bytes(options.event_bytes)),
      queues_(ring_indices.size()) {
  for (std::size_t i = 0; i < queues_.size(); i++) queues_[i].ring_index = ring_indices[i];
}

std::uint64_t TimestampMerge::timestamp_at(const std::byte* event) const {
  std::uint64_t timestamp;
  std::memcpy(&timestamp, event + timestamp_offset_, sizeof timestamp);
  return timestamp;
}

std::size_t TimestampMerge::held_events(const Queue& queue) const {
  return (queue.events.size() - queue.head) / event_bytes_;
}

// ---- intake ----

void TimestampMerge::begin_intake(std::size_t index) {
  Queue& queue = queues_[index];
  // Compacting only once half the buffer is spent keeps the moves amortised.
  if (queue.head > 0 && queue.head >= queue.events.size() / 2) {
    queue.events.erase(queue.events.begin(),
                       queue.events.begin() + static_cast<std::ptrdiff_t>(queue.head));
    queue.head = 0;
  }
  queue.capped = false;
}

bool TimestampMerge::hold(std::size_t index, const std::byte* events, std::size_t count) {
  Queue& queue = queues_[index];
  if (queue.events.size() - queue.head + count * event_bytes_ > max_held_bytes_) {
    queue.capped = true;
    return false;
  }
  queue.events.insert(queue.events.end(), events, events + count * event_bytes_);
  for (std::size_t i = 0; i < count; i++) {
    const std::uint64_t timestamp = timestamp_at(events + i * event_bytes_);
    if (timestamp < queue.last_timestamp) queue.unsorted = true;
    queue.last_timestamp = timestamp;
  }
  return true;
}

void TimestampMerge::end_intake(std::size_t index) {
  if (queues_[index].unsorted) sort(queues_[index]);
}

// Commit order is timestamp order only while nothing preempts a program between
// its timestamp and its reserve (and never for a shared ring written by several
// CPUs); sorting the few disordered queues keeps the merge's output ordered.
void TimestampMerge::sort(Queue& queue) {
  const std::size_t count = held_events(queue);
  const std::byte* first = queue.events.data() + queue.head;
  sort_keys_.clear();
  for (std::size_t i = 0; i < count; i++)
    sort_keys_.emplace_back(timestamp_at(first + i * event_bytes_), static_cast<std::uint32_t>(i));
  std::stable_sort(sort_keys_.begin(), sort_keys_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  sort_scratch_.resize(count * event_bytes_);
  for (std::size_t k = 0; k < count; k++)
    std::memcpy(sort_scratch_.data() + k * event_bytes_,
                first + sort_keys_[k].second * event_bytes_, event_bytes_);
  queue.events.swap(sort_scratch_);
  queue.head = 0;
  queue.unsorted = false;
}

// ---- output ----

std::uint64_t TimestampMerge::cutoff(std::uint64_t now, bool final) const {
  std::uint64_t cutoff = final ? kNever : (now > slack_ns_ ? now - slack_ns_ : 0);
  // A ring that left records behind its cap may hold events older than another
  // ring's held ones: nothing later than what it holds may go out before them.
  for (const Queue& queue : queues_)
    if (queue.capped && queue.head < queue.events.size())
      cutoff =
          std::min(cutoff, timestamp_at(queue.events.data() + queue.events.size() - event_bytes_));
  return cutoff;
}

// The number of the queue's held events stamped at or before `cutoff` (it is sorted).
std::uint64_t TimestampMerge::count_ready(const Queue& queue, std::uint64_t cutoff) const {
  const std::byte* first = queue.events.data() + queue.head;
  std::size_t low = 0, high = held_events(queue);
  while (low < high) {
    const std::size_t middle = low + (high - low) / 2;
    if (timestamp_at(first + middle * event_bytes_) <= cutoff)
      low = middle + 1;
    else
      high = middle;
  }
  return low;
}

std::uint64_t TimestampMerge::start_output(std::uint64_t cutoff) {
  std::uint64_t total = 0;
  heap_.clear();
  for (std::size_t i = 0; i < queues_.size(); i++) {
    Queue& queue = queues_[i];
    queue.ready = count_ready(queue, cutoff);
    total += queue.ready;
    if (queue.ready > 0) heap_.emplace_back(oldest(queue), static_cast<std::uint32_t>(i));
  }
  std::make_heap(heap_.begin(), heap_.end(), kLater);
  return total;
}

void TimestampMerge::write_oldest(std::uint64_t count, std::byte* out) {
  for (std::uint64_t k = 0; k < count; k++) {
    std::pop_heap(heap_.begin(), heap_.end(), kLater);
    const std::uint32_t index = heap_.back().second;
    heap_.pop_back();
    Queue& queue = queues_[index];
    if (out != nullptr) {
      const std::uint32_t frame[2] = {event_bytes_, queue.ring_index};
      std::memcpy(out, frame, sizeof frame);
      std::memcpy(out + layout::kernel_record::kHeaderBytes, queue.events.data() + queue.head,
                  event_bytes_);
      std::memset(out + layout::kernel_record::kHeaderBytes + event_bytes_, 0,
                  record_bytes_ - layout::kernel_record::kHeaderBytes - event_bytes_);
      out += record_bytes_;
    }
    queue.head += event_bytes_;
    if (--queue.ready > 0) {
      heap_.emplace_back(oldest(queue), index);
      std::push_heap(heap_.begin(), heap_.end(), kLater);
    }
  }
}

std::uint64_t TimestampMerge::end_output() {
  std::uint64_t held = 0;
  for (Queue& queue : queues_) {
    if (queue.head == queue.events.size()) {
      queue.events.clear();
      queue.head = 0;
    }
    held += held_events(queue);
  }
  return held;
}

// Without it, events held by an adaptive or watermark reader would wait for the backstop.
std::uint64_t TimestampMerge::next_due() const {
  std::uint64_t due = kNever;
  for (const Queue& queue : queues_)
    if (queue.head < queue.events.size()) due = std::min(due, oldest(queue) + slack_ns_);
  return due;
}

std::uint64_t TimestampMerge::drop_all() {
  std::uint64_t held = 0;
  for (Queue& queue : queues_) {
    held += held_events(queue);
    queue.events.clear();
    queue.head = 0;
  }
  return held;
}

}  // namespace ringkit::bpf
