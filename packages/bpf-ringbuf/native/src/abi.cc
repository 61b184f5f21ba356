#include "abi.hpp"

#include <sys/syscall.h>

#include <cstddef>

#include "reader.hpp"
#include "ringkit_abi.h"

namespace ringkit::bpf {
namespace {

Napi::Value Abi(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  auto set = [&](const char* name, double value) { out.Set(name, Napi::Number::New(env, value)); };

  set("config.bytes", sizeof(ringkit_config));
  set("config.policy", offsetof(ringkit_config, policy));
  set("config.watermarkBytes", offsetof(ringkit_config, watermark_bytes));
  set("config.perCpu", offsetof(ringkit_config, per_cpu));
  set("config.targetTgid", offsetof(ringkit_config, target_tgid));
  set("config.benchSyscallNr", offsetof(ringkit_config, bench_syscall_nr));
  set("config.eventsPerSyscall", offsetof(ringkit_config, events_per_syscall));
  set("config.eventsPerRecord", offsetof(ringkit_config, events_per_record));
  set("policy.adaptive", RINGKIT_POLICY_ADAPTIVE);
  set("policy.timer", RINGKIT_POLICY_TIMER);
  set("policy.watermark", RINGKIT_POLICY_WATERMARK);

  set("syscallEvent.bytes", sizeof(ringkit_syscall_event));
  set("syscallEvent.timestampNs", offsetof(ringkit_syscall_event, timestamp_ns));
  set("syscallEvent.cpu", offsetof(ringkit_syscall_event, cpu));
  set("syscallEvent.pid", offsetof(ringkit_syscall_event, pid));
  set("syscallEvent.tid", offsetof(ringkit_syscall_event, tid));
  set("syscallEvent.syscallNr", offsetof(ringkit_syscall_event, syscall_nr));

  set("schedSwitchEvent.bytes", sizeof(ringkit_sched_switch_event));
  set("schedSwitchEvent.timestampNs", offsetof(ringkit_sched_switch_event, timestamp_ns));
  set("schedSwitchEvent.cpu", offsetof(ringkit_sched_switch_event, cpu));
  set("schedSwitchEvent.prevPid", offsetof(ringkit_sched_switch_event, prev_pid));
  set("schedSwitchEvent.nextPid", offsetof(ringkit_sched_switch_event, next_pid));
  set("schedSwitchEvent.prevState", offsetof(ringkit_sched_switch_event, prev_state));
  set("schedSwitchEvent.prevComm", offsetof(ringkit_sched_switch_event, prev_comm));
  set("schedSwitchEvent.nextComm", offsetof(ringkit_sched_switch_event, next_comm));

  set("benchEvent.bytes", sizeof(ringkit_bench_event));
  set("benchEvent.timestampNs", offsetof(ringkit_bench_event, timestamp_ns));
  set("benchEvent.cpu", offsetof(ringkit_bench_event, cpu));
  set("benchEvent.tid", offsetof(ringkit_bench_event, tid));
  set("benchEvent.index", offsetof(ringkit_bench_event, index));
  set("benchEvent.call", offsetof(ringkit_bench_event, call));
  set("bench.maxEventsPerRecord", RINGKIT_BENCH_MAX_EVENTS_PER_RECORD);
  set("bench.maxEventsPerSyscall", RINGKIT_BENCH_MAX_EVENTS_PER_SYSCALL);

  set("batch.type", kBatchType);
  set("batch.headerBytes", kBatchHeaderBytes);
  set("batch.mergedFlag", kMergedFlag);
  set("batch.mergedRingIndex", kMergedRingIndex);
  set("record.headerBytes", kRecordHeaderBytes);
  set("record.discardBit", kDiscardBit);
  set("record.busyBit", kBusyBit);

  set("stats.rounds", stats::kRounds);
  set("stats.wakeups", stats::kWakeups);
  set("stats.records", stats::kRecords);
  set("stats.events", stats::kEvents);
  set("stats.bytes", stats::kBytes);
  set("stats.batches", stats::kBatches);
  set("stats.cappedDrains", stats::kCappedDrains);
  set("stats.fullStalls", stats::kFullStalls);
  set("stats.droppedRecords", stats::kDroppedRecords);
  set("stats.droppedEvents", stats::kDroppedEvents);
  set("stats.discarded", stats::kDiscarded);
  set("stats.oversized", stats::kOversized);
  set("stats.mergeHeld", stats::kMergeHeld);
  set("stats.state", stats::kState);
  set("stats.words", stats::kWords);

  set("syscall.getpgid", SYS_getpgid);
  return out;
}

}  // namespace

void register_abi(Napi::Env env, Napi::Object exports) {
  exports.Set("abi", Napi::Function::New(env, Abi));
}

}  // namespace ringkit::bpf
