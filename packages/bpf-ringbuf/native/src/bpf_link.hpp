// What attach() returns (src/link.ts's BpfLink): the libbpf links that run one program on
// one target (one per CPU for perf_event sampling), or a link reopened from its pin on a
// bpffs. detach() stops the program; release() (the object's close) only lets go of this
// process's hold, so a pinned link keeps running for the next process. Plain C++.
#pragma once

#include <bpf/libbpf.h>

#include <memory>
#include <string>
#include <vector>

namespace ringkit::bpf {

class BpfLink {
 public:
  // `subject` names the link in sentences: "program 'x' on kprobe f+0".
  BpfLink(std::vector<bpf_link*> links, std::string subject)
      : links_(std::move(links)), subject_(std::move(subject)) {}
  // The link pinned at `path` (PIN_NOT_FOUND when nothing is, NOT_PERMITTED, INVALID_OPTIONS
  // when what is pinned there is not a link).
  static std::unique_ptr<BpfLink> open_pinned(const std::string& path);
  ~BpfLink() { release(); }

  const std::string& subject() const noexcept { return subject_; }
  bool detached() const noexcept { return links_.empty(); }
  // Where pin() pinned it, or the path it was opened from; '' when neither.
  const std::string& pinned_path() const noexcept { return pinned_path_; }
  void pin(const std::string& path);
  // Removes the pin at `path` (the one pin() made when empty); the link stays attached.
  void unpin(const std::string& path);
  // Stops the program: removes this handle's pin, detaches where the kernel can force it
  // (BPF_LINK_DETACH), closes the links. Idempotent.
  void detach() noexcept;
  // Closes the links, leaving any pin (and so the attachment) in place. Idempotent.
  void release() noexcept;

  BpfLink(const BpfLink&) = delete;
  BpfLink& operator=(const BpfLink&) = delete;

 private:
  // PIN_FAILED unless this handle holds exactly one link (the thing a path can pin).
  bpf_link* single_link(const char* doing) const;

  std::vector<bpf_link*> links_;
  std::string subject_;
  std::string pinned_path_;
};

}  // namespace ringkit::bpf
