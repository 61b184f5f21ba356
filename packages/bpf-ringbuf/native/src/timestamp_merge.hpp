// The timestamp merge (ReaderOptions::merge): one timestamp order across the
// kernel rings. The reader thread hands it each ring's newly committed events
// and asks, once per round, for those old enough to go out; the merge decides
// which and in what order, the reader writes them into the JS ring.
//
// Events wait in one queue per ring, sorted by timestamp. Each round sends out,
// by a k-way merge, every held event stamped at or before the round's start
// minus the slack: a later commit of an older event would otherwise arrive out
// of order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "reader.hpp"

namespace ringkit::bpf {

class TimestampMerge {
 public:
  // False with one sentence in `error` when `options` give no timestamp to merge
  // by, or no room for one merged event in a batch.
  static bool check(const ReaderOptions& options, std::string& error);

  // One queue per kernel ring; the events of queue i are framed with ring_indices[i].
  TimestampMerge(const ReaderOptions& options, std::vector<std::uint32_t> ring_indices);

  // ---- intake, once per round for each queue: begin_intake, hold…, end_intake ----
  // `index` picks the queue: the reader's index of the ring.

  void begin_intake(std::size_t index);
  // Holds `count` events laid out back to back at `events`. False, holding none
  // of them, when the queue would pass its cap: they stay in the kernel ring
  // (backpressure) and cutoff() keeps other rings' later events back meanwhile.
  bool hold(std::size_t index, const std::byte* events, std::size_t count);
  // Sorts the queue if what it took in was out of order.
  void end_intake(std::size_t index);

  // ---- output, once per round: cutoff, start_output, write_oldest…, end_output ----

  // The newest timestamp that may go out in a round that started at `now`
  // (`final`: every held event may).
  std::uint64_t cutoff(std::uint64_t now, bool final) const;
  // How many held events are stamped at or before `cutoff`; write_oldest hands
  // them out, oldest first across queues.
  std::uint64_t start_output(std::uint64_t cutoff);
  // The next `count` of them, each as one record_bytes() record framed as the
  // kernel frames them (the second word is the event's ring index), written at
  // `out` — or dropped, when `out` is nullptr.
  void write_oldest(std::uint64_t count, std::byte* out);
  // Frees the queues emptied by this round; returns the events still held.
  std::uint64_t end_output();

  std::uint64_t record_bytes() const { return record_bytes_; }
  // When the oldest held event becomes old enough to go out (never: UINT64_MAX).
  std::uint64_t next_due() const;
  // Forgets every held event (the final drain could not deliver them); returns how many.
  std::uint64_t drop_all();

 private:
  struct Queue {
    std::vector<std::byte> events;  // sorted by timestamp from `head` on, after end_intake
    std::size_t head = 0;
    std::uint64_t last_timestamp = 0;  // of the last event taken in
    bool unsorted = false;
    bool capped = false;      // this round left events in the kernel ring
    std::uint64_t ready = 0;  // events of this round's output still to write
    std::uint32_t ring_index = 0;
  };

  std::uint64_t timestamp_at(const std::byte* event) const;
  std::uint64_t oldest(const Queue& queue) const {
    return timestamp_at(queue.events.data() + queue.head);
  }
  std::size_t held_events(const Queue& queue) const;
  std::uint64_t count_ready(const Queue& queue, std::uint64_t cutoff) const;
  void sort(Queue& queue);

  std::uint32_t event_bytes_;
  std::uint32_t timestamp_offset_;
  std::uint64_t slack_ns_;
  std::size_t max_held_bytes_;  // per queue: four batches (4 × max_batch_bytes)
  std::uint64_t record_bytes_;
  std::vector<Queue> queues_;
  // The output's k-way merge: (oldest ready timestamp, queue), earliest on top.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> heap_;
  // Scratch for sort(), kept to spare an allocation per disordered round.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> sort_keys_;
  std::vector<std::byte> sort_scratch_;
};

}  // namespace ringkit::bpf
