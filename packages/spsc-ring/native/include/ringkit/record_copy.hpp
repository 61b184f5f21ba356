// Copies of one record whose size is known only at run time. A plain
// std::memcpy with a run-time size is a library call; around it the compiler
// spills the producer's live state to the stack, and on a one-record push those
// stores queue behind the slot and position stores that wait for cache lines
// the other core holds. The usual record sizes are copied inline instead
// (constant-size memcpy compiles to a few vector moves).
#pragma once

#include <cstddef>
#include <cstring>

namespace ringkit {

// GCC cannot see that a case other than the record's own size is never taken, and warns of
// reads and writes past a small record's end in the cases for larger ones.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
inline void copy_record(void* to, const void* from, std::size_t size) noexcept {
  switch (size) {
    case 8:
      std::memcpy(to, from, 8);
      return;
    case 16:
      std::memcpy(to, from, 16);
      return;
    case 32:
      std::memcpy(to, from, 32);
      return;
    case 64:
      std::memcpy(to, from, 64);
      return;
    default:
      std::memcpy(to, from, size);
  }
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace ringkit
