// How the twin says what went wrong, as src/errors.ts does for TypeScript: a status for
// attaching and reading a ring, and how a wait ended.
#pragma once

namespace ringkit {

enum class RingStatus {
  kOk = 0,
  kBufferTooSmall,
  kBadMagic,
  kBadVersion,
  kBadKind,
  kBadCapacity,
  kBadGeometry,
  kWaitDomainMismatch,
  kWrongKind,
  kInvalidOptions,
  kCorrupted,
};

constexpr const char* to_string(RingStatus status) {
  switch (status) {
    case RingStatus::kOk:
      return "ok";
    case RingStatus::kBufferTooSmall:
      return "buffer smaller than the ring its header describes";
    case RingStatus::kBadMagic:
      return "not a ring (bad magic)";
    case RingStatus::kBadVersion:
      return "ring layout version differs from this build's";
    case RingStatus::kBadKind:
      return "ring kind is neither fixed nor bytes";
    case RingStatus::kBadCapacity:
      return "ring capacity is not a valid power of two";
    case RingStatus::kBadGeometry:
      return "ring header is inconsistent (corrupted)";
    case RingStatus::kWaitDomainMismatch:
      return "ring was created with another wait domain";
    case RingStatus::kWrongKind:
      return "ring holds the other record model";
    case RingStatus::kInvalidOptions:
      return "invalid ring options";
    case RingStatus::kCorrupted:
      return "a counter's high words differ in a way no writer leaves them (corrupted)";
  }
  return "unknown";
}

enum class WaitOutcome { kReady, kClosed, kTimeout, kStopped, kPeerGone };

}  // namespace ringkit
