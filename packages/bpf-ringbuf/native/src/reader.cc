// PLACEHOLDER until the reader lands (replaced in this session): refuses to start.
#include "reader.hpp"

namespace ringkit::bpf {
struct Reader::State {};
std::unique_ptr<Reader> Reader::start(const std::vector<KernelRingSource>&, const ReaderOptions&,
                                      ringkit::Ring, double*, std::string& error) {
  error = "the reader is not built yet";
  return nullptr;
}
Reader::~Reader() = default;
void Reader::pause() {}
void Reader::resume() {}
void Reader::stop() {}
}  // namespace ringkit::bpf
