#include "js_roles.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "js_arguments.hpp"
#include "js_thread.hpp"
#include "native_collector.hpp"
#include "native_drain.hpp"
#include "native_replenish.hpp"
#include "ringkit/buffer_pool/layout.hpp"

namespace ringkit::buffer_pool::js {

namespace {

namespace pool = ringkit::buffer_pool::layout;

struct RoleThread;

// A role the thread will run. It is made on that thread, since its ring ends record their
// user's thread (a peer checks that thread's liveness), and reported there once it finished.
struct PlannedRole {
  std::function<std::unique_ptr<LoopingRole>(RoleThread&)> make;
  std::function<ResultBuilder(const LoopingRole&)> report;
};

// One native thread running one or several roles (drain, collector, replenish).
struct RoleThread : NativeThread {
  std::uint32_t lanes = 0;
  PoolMemory memory;
  std::vector<PlannedRole> plan;
};

// memory: { control, queues: Uint8Array[] (by code - 1), blocks: (Uint8Array | undefined)[] },
// checked against `lanes` and kept alive (JS thread).
void prepare(const Napi::Object& memory, const Napi::Object& options, RoleThread& thread) {
  const Napi::Env env = memory.Env();
  thread.lanes = whole_number(options, "lanes");
  const std::uint32_t buffer_size = whole_number(options, "bufferSize");
  const std::uint32_t buffers_per_block = whole_number(options, "buffersPerBlock");
  const std::uint32_t max_blocks = whole_number(options, "maxBlocks");
  if (thread.lanes == 0 || buffer_size % pool::record::kAlignment != 0 || buffers_per_block == 0 ||
      buffers_per_block > pool::buffer_id::kIndexMask + 1 || max_blocks == 0)
    throw Napi::RangeError::New(env, "native role options are inconsistent with the pool");
  thread.block_bytes = std::size_t{buffer_size} * buffers_per_block;
  const Napi::Uint8Array control = view_of(memory.Get("control"), "the control block");
  check_control(control, thread.lanes);
  thread.memory.control = thread.keep(control);
  attach_lane_queues(memory, thread.lanes, thread, thread.memory.queues);
  register_known_blocks(memory, max_blocks, thread);
}

Napi::Object error_fields(Napi::Env env, Napi::Object out, const RoleError& error) {
  out.Set("errorCode", Napi::String::New(env, error.code));
  out.Set("errorMessage", Napi::String::New(env, error.message));
  return out;
}

std::uint32_t lane_of(const Napi::Object& role, const RoleThread& thread) {
  const std::uint32_t lane = whole_number(role, "lane");
  if (lane >= thread.lanes) throw Napi::RangeError::New(role.Env(), "lane is outside the pool");
  return lane;
}

Napi::Object drain_result(Napi::Env env, const DrainResult& result) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("handoffs", Napi::Number::New(env, static_cast<double>(result.handoffs)));
  out.Set("refills", Napi::Number::New(env, static_cast<double>(result.refills)));
  out.Set("seconds", Napi::Number::New(env, result.seconds));
  out.Set("stopped", Napi::Boolean::New(env, result.stopped));
  return error_fields(env, out, RoleError{});
}

Napi::Object collector_result(Napi::Env env, const CollectorResult& result) {
  Napi::Object out = Napi::Object::New(env);
  auto set = [&](const char* name, double value) { out.Set(name, Napi::Number::New(env, value)); };
  set("buffers", static_cast<double>(result.buffers));
  set("bytes", static_cast<double>(result.bytes));
  set("records", static_cast<double>(result.records));
  set("payloadBytes", static_cast<double>(result.payload_bytes));
  set("errors", static_cast<double>(result.errors));
  out.Set("firstError", Napi::String::New(env, result.first_error));
  set("maxSequence", static_cast<double>(result.max_sequence));
  set("gaps", static_cast<double>(result.gaps));
  set("outOfOrder", static_cast<double>(result.out_of_order));
  set("seconds", result.seconds);
  out.Set("stopped", Napi::Boolean::New(env, result.stopped));
  return error_fields(env, out, result.error);
}

Napi::Object replenish_result(Napi::Env env, const ReplenishResult& result) {
  Napi::Object out = Napi::Object::New(env);
  auto set = [&](const char* name, double value) { out.Set(name, Napi::Number::New(env, value)); };
  set("routed", static_cast<double>(result.routed));
  set("rebalanced", static_cast<double>(result.rebalanced));
  set("blocksAllocated", static_cast<double>(result.blocks_allocated));
  set("registrations", static_cast<double>(result.registrations));
  set("seconds", result.seconds);
  out.Set("stopped", Napi::Boolean::New(env, result.stopped));
  return error_fields(env, out, result.error);
}

// The report of a role of type Role: its result, copied on the role's thread, built on the JS one.
template <typename Role, typename Build>
std::function<ResultBuilder(const LoopingRole&)> report_with(Build build) {
  return [build](const LoopingRole& role) -> ResultBuilder {
    const auto result = static_cast<const Role&>(role).result();
    return [build, result](Napi::Env env) { return build(env, result); };
  };
}

// { kind: 'drain', lane }
PlannedRole plan_drain(const Napi::Object& role, const Napi::Object& options,
                       const RoleThread& owner) {
  DrainConfig config;
  config.lane = lane_of(role, owner);
  config.lanes = owner.lanes;
  config.tick_ms = positive_number(options, "tickMs", false);
  config.spin = spin_of(options);
  return {[config](RoleThread& thread) -> std::unique_ptr<LoopingRole> {
            return make_drain(config, thread.memory, thread.stop);
          },
          report_with<DrainRole>(drain_result)};
}

// { kind: 'collector', lane, batch }
PlannedRole plan_collector(const Napi::Object& role, const Napi::Object& options,
                           const RoleThread& owner) {
  CollectorConfig config;
  config.lane = lane_of(role, owner);
  config.lanes = owner.lanes;
  config.buffer_size = whole_number(options, "bufferSize");
  config.buffers_per_block = whole_number(options, "buffersPerBlock");
  config.batch = whole_number(role, "batch");
  if (config.batch == 0) throw Napi::RangeError::New(role.Env(), "batch must be ≥ 1");
  config.tick_ms = positive_number(options, "tickMs", false);
  config.spin = spin_of(options);
  return {[config](RoleThread& thread) -> std::unique_ptr<LoopingRole> {
            WantBlock want_block = [&thread](std::uint32_t block) { thread.tell("want", block); };
            return make_collector(config, thread.memory, *thread.blocks, std::move(want_block),
                                  thread.stop);
          },
          report_with<CollectorRole>(collector_result)};
}

// { kind: 'replenish', lowWatermark, highWatermark, allocationTimeoutMs }. onEvent('allocate', N)
// asks the JS thread for block N (it takes the request, then answers with addBlock);
// onEvent('announce') answers wants.
PlannedRole plan_replenish(const Napi::Object& role, const Napi::Object& options,
                           const RoleThread& owner) {
  ReplenishConfig config;
  config.lanes = owner.lanes;
  config.buffers_per_block = whole_number(options, "buffersPerBlock");
  config.max_blocks = whole_number(options, "maxBlocks");
  config.low_watermark = whole_number(role, "lowWatermark");
  config.high_watermark = whole_number(role, "highWatermark");
  config.allocation_timeout_ms = positive_number(role, "allocationTimeoutMs", false);
  config.tick_ms = positive_number(options, "tickMs", false);
  config.spin = spin_of(options);
  return {[config](RoleThread& thread) -> std::unique_ptr<LoopingRole> {
            AllocateBlock allocate = [&thread](std::uint32_t block) {
              thread.tell("allocate", block);
            };
            AnswerWants answer_wants = [&thread] { thread.tell("announce", 0); };
            return make_replenish(config, thread.memory, *thread.blocks, std::move(allocate),
                                  std::move(answer_wants), thread.stop);
          },
          report_with<ReplenishRole>(replenish_result)};
}

// options.roles, in the order the thread steps them (JS thread).
void plan_roles(const Napi::Object& options, RoleThread& thread) {
  const Napi::Env env = options.Env();
  const Napi::Value roles_value = options.Get("roles");
  if (!roles_value.IsArray() || roles_value.As<Napi::Array>().Length() == 0)
    throw Napi::TypeError::New(env, "roles must be a non-empty array");
  const auto roles = roles_value.As<Napi::Array>();
  for (std::uint32_t index = 0; index < roles.Length(); index++) {
    const Napi::Value value = roles.Get(index);
    if (!value.IsObject()) throw Napi::TypeError::New(env, "each role must be an object");
    const auto role = value.As<Napi::Object>();
    const std::string kind = role.Get("kind").ToString().Utf8Value();
    if (kind == "drain")
      thread.plan.push_back(plan_drain(role, options, thread));
    else if (kind == "collector")
      thread.plan.push_back(plan_collector(role, options, thread));
    else if (kind == "replenish")
      thread.plan.push_back(plan_replenish(role, options, thread));
    else
      throw Napi::TypeError::New(
          env, "a native role is 'drain', 'collector' or 'replenish', not '" + kind + "'");
  }
}

// The thread: makes its roles, runs them together (run_roles), and reports each one's result.
ResultBuilder run_planned_roles(RoleThread& thread) {
  std::vector<std::unique_ptr<LoopingRole>> roles;
  std::vector<LoopingRole*> running;
  for (PlannedRole& planned : thread.plan) {
    roles.push_back(planned.make(thread));
    running.push_back(roles.back().get());
  }
  run_roles(running, thread.stop);
  std::vector<ResultBuilder> results;
  for (std::size_t index = 0; index < roles.size(); index++)
    results.push_back(thread.plan[index].report(*roles[index]));
  return [results = std::move(results)](Napi::Env env) {
    Napi::Array array = Napi::Array::New(env, results.size());
    for (std::uint32_t index = 0; index < results.size(); index++)
      array.Set(index, results[index](env));
    return array.As<Napi::Object>();
  };
}

}  // namespace

Napi::Value StartRoles(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsObject() || !info[1].IsObject() || !info[2].IsFunction())
    throw Napi::TypeError::New(env, "startRoles(memory, options, onEvent)");
  auto thread = std::make_shared<RoleThread>();
  try {
    prepare(info[0].As<Napi::Object>(), info[1].As<Napi::Object>(), *thread);
    plan_roles(info[1].As<Napi::Object>(), *thread);
  } catch (...) {
    thread->abandon();
    throw;
  }
  RoleThread* const self = thread.get();  // the handle's shared_ptr keeps it alive
  return NativeThread::start(thread, env, info[2].As<Napi::Function>(), "ringkit-buffer-pool-roles",
                             [self] { return run_planned_roles(*self); });
}

}  // namespace ringkit::buffer_pool::js
