// libbpf's messages: kept off stderr (unless RINGKIT_BPF_DEBUG=1), but the last
// few warning and info lines of this thread are remembered, so an error can quote
// what libbpf (or the verifier) said, and so are the program its warnings named
// last and the verifier's whole log, for a load failure to carry.
#pragma once

#include <string>

namespace ringkit::bpf::libbpf_log {

// Installs the print callback (once per process; later calls do nothing).
void install();

// Forgets this thread's lines: call before an operation whose failure will quote them.
void clear();

// The last `count` informative lines of this thread, joined with "; " ('' when none).
std::string last_lines(std::size_t count);

// The program libbpf's warnings on this thread named last ('' when none): after a failed
// load, the program that failed.
std::string last_program();

// The verifier's whole log of the last program it rejected on this thread ('' when none).
std::string verifier_log();

}  // namespace ringkit::bpf::libbpf_log
