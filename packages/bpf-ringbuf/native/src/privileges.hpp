// Telling "this process may not use BPF" apart from other failures, and saying so
// in one sentence with the fix.
#pragma once

#include "errors.hpp"

namespace ringkit::bpf {

// Whether a failed bpf() call with `errnum` means missing privilege. EACCES is
// ambiguous: the verifier rejects programs with it too, so it only counts when
// the process lacks CAP_BPF and CAP_SYS_ADMIN.
bool is_permission_error(int errnum);

// NOT_PERMITTED: "<doing> is not permitted for this process (uid, errnum): <the fix>".
Failure not_permitted(int errnum, const char* doing = "loading BPF programs");

}  // namespace ringkit::bpf
