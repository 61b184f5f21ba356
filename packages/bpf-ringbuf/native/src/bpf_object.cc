#include "bpf_object.hpp"

#include <bpf/bpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "errors.hpp"
#include "libbpf_log.hpp"
#include "privileges.hpp"
#include "ringkit/spsc_ring.hpp"
#include "tracefs.hpp"

namespace ringkit::bpf {
namespace {

// Libbpf's errors include its own codes (LIBBPF_ERRNO__*), which strerror does not know.
std::string libbpf_error_text(int errnum) {
  char text[128] = {};
  libbpf_strerror(errnum, text, sizeof text);
  return text;
}

// "(what failed; libbpf: what it said last)", the parenthesis of a failure's sentence.
std::string because(const std::string& what, std::size_t libbpf_lines) {
  const std::string said = libbpf_log::last_lines(libbpf_lines);
  return "(" + what + (said.empty() ? "" : "; libbpf: " + said) + ")";
}

std::string quoted_list(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "'" : ", '") + name + "'";
  return list;
}

std::string map_type_name(const bpf_map* map) {
  const char* name = libbpf_bpf_map_type_str(bpf_map__type(map));
  return name != nullptr ? name : "type " + std::to_string(bpf_map__type(map));
}

bool is_ring_map_type(bpf_map_type type) {
  return type == BPF_MAP_TYPE_RINGBUF || type == BPF_MAP_TYPE_ARRAY_OF_MAPS;
}

Failure invalid(const std::string& message) {
  return Failure("INVALID_OPTIONS", message);
}

// A bpf() failure: NOT_PERMITTED when privilege is what is missing, else `code`.
Failure kernel_failure(int errnum, const std::string& code, const std::string& message) {
  if (is_permission_error(errnum)) return not_permitted(errnum);
  return Failure(code, message);
}

long page_size() {
  return sysconf(_SC_PAGESIZE);
}

void check_object_file(const std::string& path) {
  struct stat info {};
  std::string problem;
  if (stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode))
    problem = "does not exist or is not a file";
  else if (access(path.c_str(), R_OK) != 0)
    problem = "is not readable by this process (" + errno_text(errno) + ")";
  else
    return;
  throw Failure("OBJECT_NOT_FOUND", "the BPF object " + path + " " + problem +
                                        ": pass the path of a compiled .bpf.o (npm run build:bpf "
                                        "rebuilds the package's own)");
}

// SEC("kprobe"), SEC("uprobe"), SEC("usdt"), SEC("perf_event"), ...: a section with no
// "/TARGET" leaves the hook to attach_program(), as libbpf's skeletons leave it.
bool names_no_target(const bpf_program* program) {
  const std::string_view section = bpf_program__section_name(program);
  return section.find('/') == std::string_view::npos;
}

// The programs `programs` names, or when it is null every program libbpf loads whose
// section names its target.
bool is_selected(const bpf_program* program, const OpenOptions& options) {
  if (!options.programs) return bpf_program__autoload(program) && !names_no_target(program);
  return std::find(options.programs->begin(), options.programs->end(),
                   bpf_program__name(program)) != options.programs->end();
}

void check_kernel_btf(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) == 0) return;
  throw Failure("NO_KERNEL_BTF",
                "this kernel exposes no BTF at " + path +
                    ": the programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y (most "
                    "distribution kernels since 2020), or kernelBtfPath pointing at a BTF file "
                    "for this kernel (e.g. from BTFHub)");
}

void check_ring_bytes(std::uint64_t bytes) {
  const auto page = static_cast<std::uint64_t>(page_size());
  // ringkit::is_power_of_two also caps at 2^31, the upper bound the message names.
  if (bytes < page || !ringkit::is_power_of_two(bytes))
    throw invalid("ringBytes must be a power of two from the page size (" + std::to_string(page) +
                  ") to 2^31, got " + std::to_string(bytes) + ": choose e.g. " +
                  std::to_string(std::max<std::uint64_t>(page, 1 << 20)));
}

// A ring of `bytes` that the reader consumes for one CPU (also the inner-map template).
int create_cpu_ring(std::uint32_t cpu, std::uint32_t bytes) {
  const std::string name = "ringkit_cpu" + std::to_string(cpu);
  const int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, name.c_str(), 0, 0, bytes, nullptr);
  if (fd >= 0) return fd;
  const int errnum = errno;
  throw kernel_failure(errnum, "LOAD_FAILED",
                       "creating the " + std::to_string(bytes) + "-byte ring for CPU " +
                           std::to_string(cpu) + " failed (" + errno_text(errnum) +
                           "): choose a smaller ringBytes");
}

}  // namespace

std::uint32_t possible_cpus() {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0)
    throw Failure("LOAD_FAILED", "the number of possible CPUs is unknown (" + errno_text(-cpus) +
                                     "): /sys/devices/system/cpu/possible must be readable");
  return static_cast<std::uint32_t>(cpus);
}

std::unique_ptr<BpfObject> BpfObject::open(const std::string& path, const OpenOptions& options) {
  libbpf_log::install();
  libbpf_log::clear();
  check_object_file(path);
  check_kernel_btf(options.kernel_btf_path);

  std::unique_ptr<BpfObject> self(new BpfObject());
  self->path_ = path;
  LIBBPF_OPTS(bpf_object_open_opts, open_options);
  // libbpf finds the default itself; anything else it must be told (it copies the string).
  if (options.kernel_btf_path != kDefaultKernelBtfPath)
    open_options.btf_custom_path = options.kernel_btf_path.c_str();
  self->object_ = bpf_object__open_file(path.c_str(), &open_options);
  if (self->object_ == nullptr) {
    const int errnum = errno;
    throw Failure("INVALID_OBJECT", path + " is not a BPF object libbpf can open " +
                                        because(libbpf_error_text(errnum), 1) +
                                        ": rebuild it with clang -target bpf (npm run build:bpf)");
  }

  bpf_program* program;
  bpf_object__for_each_program(program, self->object_) {
    self->programs_.emplace_back(bpf_program__name(program));
  }
  bpf_map* map;
  bpf_object__for_each_map(map, self->object_) {
    // .rodata, .bss and friends are libbpf's, not the program's API.
    if (!bpf_map__is_internal(map)) self->maps_.push_back({bpf_map__name(map), map_type_name(map)});
  }

  self->check_names(options);
  self->choose_programs(options);
  self->set_globals(options);
  self->size_maps(options);
  bpf_object__for_each_program(program, self->object_) {
    if (is_selected(program, options) && is_tracefs_section(bpf_program__section_name(program))) {
      ensure_tracefs(options.tracefs_path);
      break;
    }
  }
  self->create_cpu_rings(options);
  self->load();
  self->globals_->map_sections();
  self->fill_rings(options);
  if (options.config) self->write_config(options.config->data(), options.config->size());
  self->attach_options_.programs = options.programs;
  self->attach_options_.ring_map = options.ring_map;  // ring_sources() knows it by name
  self->attach_options_.tracefs_path = options.tracefs_path;
  self->attach(options);
  return self;
}

void BpfObject::check_names(const OpenOptions& options) const {
  if (options.programs)
    for (const std::string& name : *options.programs)
      if (bpf_object__find_program_by_name(object_, name.c_str()) == nullptr)
        throw Failure("UNKNOWN_PROGRAM", "program '" + name + "' is not in " + path_ +
                                             ": choose from its programs (" +
                                             quoted_list(programs_) + ")");
  std::vector<std::string> map_names;
  for (const MapInfo& info : maps_) map_names.push_back(info.name);
  const std::pair<const char*, const std::optional<std::string>*> named[] = {
      {"ringMap", &options.ring_map},
      {"unusedRingMap", &options.unused_ring_map},
      {"dropsMap", &options.drops_map},
      {"configMap", &options.config_map}};
  for (const auto& [option, name] : named)
    if (*name && std::find(map_names.begin(), map_names.end(), **name) == map_names.end())
      throw Failure("UNKNOWN_MAP", std::string(option) + " '" + **name + "' is not a map in " +
                                       path_ + ": choose from its maps (" + quoted_list(map_names) +
                                       ")");
}

void BpfObject::choose_programs(const OpenOptions& options) {
  for (const auto& [name, load] : options.autoload) {
    bpf_program* program = bpf_object__find_program_by_name(object_, name.c_str());
    if (program == nullptr)
      throw Failure("UNKNOWN_PROGRAM", "autoload names program '" + name + "', which is not in " +
                                           path_ + ": choose from its programs (" +
                                           quoted_list(programs_) + ")");
    bpf_program__set_autoload(program, load);
  }
  // Attaching needs a loaded program: say so now rather than fail at attach.
  if (options.programs)
    for (const std::string& name : *options.programs)
      if (!bpf_program__autoload(bpf_object__find_program_by_name(object_, name.c_str())))
        throw invalid("program '" + name + "' is in programs (to attach) but is not loaded: " +
                      "drop it from programs, or load it with autoload: { " + name + ": true }");
}

void BpfObject::set_globals(const OpenOptions& options) {
  globals_ = std::make_unique<Globals>(object_, path_);
  for (const auto& [name, value] : options.globals) globals_->set_initial(name, value);
}

void BpfObject::size_maps(const OpenOptions& options) {
  auto find = [&](const std::optional<std::string>& name) {
    return bpf_object__find_map_by_name(object_, name->c_str());
  };
  if (options.ring_map) {
    bpf_map* ring = find(options.ring_map);
    const bpf_map_type type = bpf_map__type(ring);
    if (!is_ring_map_type(type))
      throw invalid("ringMap '" + *options.ring_map + "' is " + with_article(map_type_name(ring)) +
                    " map: choose a ringbuf map (shared topology) or an array_of_maps of " +
                    "ringbufs (per-CPU topology)");
    check_ring_bytes(options.ring_bytes);
    const auto bytes = static_cast<std::uint32_t>(options.ring_bytes);
    if (type == BPF_MAP_TYPE_RINGBUF) {
      bpf_map__set_max_entries(ring, bytes);
    } else {
      const bpf_map* inner = bpf_map__inner_map(ring);
      if (inner == nullptr || bpf_map__type(inner) != BPF_MAP_TYPE_RINGBUF)
        throw invalid("ringMap '" + *options.ring_map +
                      "' is an array_of_maps whose values are not ringbufs: declare it with "
                      "__array(values, struct { __uint(type, BPF_MAP_TYPE_RINGBUF); ... })");
      bpf_map__set_max_entries(ring, possible_cpus());
    }
  }
  if (options.unused_ring_map) {
    if (options.ring_map && *options.unused_ring_map == *options.ring_map)
      throw invalid("unusedRingMap '" + *options.unused_ring_map +
                    "' is the ringMap too: name the other topology's map, or null");
    bpf_map* unused = find(options.unused_ring_map);
    const bpf_map_type type = bpf_map__type(unused);
    if (!is_ring_map_type(type))
      throw invalid("unusedRingMap '" + *options.unused_ring_map + "' is " +
                    with_article(map_type_name(unused)) +
                    " map: name a ringbuf or array_of_maps, or null");
    bpf_map__set_max_entries(
        unused, type == BPF_MAP_TYPE_RINGBUF ? static_cast<std::uint32_t>(page_size()) : 1);
  }
  if (options.drops_map) {
    const bpf_map* drops = find(options.drops_map);
    const std::uint32_t value_size = bpf_map__value_size(drops);
    if (bpf_map__type(drops) != BPF_MAP_TYPE_PERCPU_ARRAY || (value_size != 4 && value_size != 8))
      throw invalid("dropsMap '" + *options.drops_map + "' is " +
                    with_article(map_type_name(drops)) + " map of " + std::to_string(value_size) +
                    "-byte values: name a percpu_array of __u64 counters, or null");
    drops_ = drops;
  }
  if (options.config_map) {
    const bpf_map* config = find(options.config_map);
    if (bpf_map__type(config) != BPF_MAP_TYPE_ARRAY)
      throw invalid("configMap '" + *options.config_map + "' is " +
                    with_article(map_type_name(config)) +
                    " map: name an array map whose key 0 holds the configuration, or null");
    const std::uint32_t value_size = bpf_map__value_size(config);
    if (options.config && options.config->size() != value_size)
      throw invalid("config is " + std::to_string(options.config->size()) +
                    " bytes but configMap '" + *options.config_map + "' holds " +
                    std::to_string(value_size) + "-byte values: pass exactly " +
                    std::to_string(value_size) + " bytes");
    config_ = config;
  } else if (options.config) {
    throw invalid(
        "config was given without a configMap to write it to: name the map, or pass "
        "config null");
  }
}

void BpfObject::create_cpu_rings(const OpenOptions& options) {
  if (!options.ring_map) return;
  bpf_map* ring = bpf_object__find_map_by_name(object_, options.ring_map->c_str());
  if (bpf_map__type(ring) != BPF_MAP_TYPE_ARRAY_OF_MAPS) return;
  const std::uint32_t cpus = bpf_map__max_entries(ring);
  for (std::uint32_t cpu = 0; cpu < cpus; cpu++)
    cpu_ring_fds_.push_back(create_cpu_ring(cpu, static_cast<std::uint32_t>(options.ring_bytes)));
  // libbpf 1.1 crashes resizing the inner-map template (that bpf_map has no object),
  // so CPU 0's ring, already the right size, serves as the template.
  bpf_map__set_inner_map_fd(ring, cpu_ring_fds_.front());
}

void BpfObject::load() {
  // Opening succeeded, so what libbpf said so far is not about this failure.
  libbpf_log::clear();
  if (bpf_object__load(object_) == 0) return;
  const int errnum = errno;
  const std::string program = failed_program();
  const std::string log = libbpf_log::verifier_log();
  if (program.empty()) {
    // For a privileged process (else kernel_failure says NOT_PERMITTED), EACCES is the
    // verifier saying no.
    const std::string what =
        errnum == EACCES ? "the verifier rejected a program" : libbpf_error_text(errnum);
    Failure failure = kernel_failure(
        errnum, "LOAD_FAILED",
        "loading " + path_ + " into the kernel failed " + because(what, 3) +
            ": fix the program (RINGKIT_BPF_DEBUG=1 prints libbpf's and the verifier's whole log)");
    if (!log.empty()) failure.with("verifierLog", log);
    throw failure;
  }
  if (is_permission_error(errnum))
    throw not_permitted(errnum, ("loading program '" + program + "' of " + path_).c_str())
        .with("program", program)
        .with("verifierLog", log);
  const std::string what =
      errnum == EACCES ? "the verifier rejected it" : libbpf_error_text(errnum);
  throw Failure("LOAD_FAILED", "loading program '" + program + "' of " + path_ + " failed " +
                                   because(what, 3) +
                                   ": fix it, or leave it out with autoload: { " + program +
                                   ": false } (error.verifierLog holds the verifier's "
                                   "whole log)")
      .with("program", program)
      .with("verifierLog", log);
}

std::string BpfObject::failed_program() const {
  // libbpf loads the programs in order and stops at the first failure, so the program
  // its warnings named last is the one, if it is one of ours that did not load.
  const std::string named = libbpf_log::last_program();
  const bpf_program* program =
      named.empty() ? nullptr : bpf_object__find_program_by_name(object_, named.c_str());
  return program != nullptr && bpf_program__fd(program) < 0 ? named : std::string();
}

void BpfObject::fill_rings(const OpenOptions& options) {
  if (!options.ring_map) return;
  const bpf_map* ring = bpf_object__find_map_by_name(object_, options.ring_map->c_str());
  const auto bytes = static_cast<std::uint32_t>(options.ring_bytes);
  if (cpu_ring_fds_.empty()) {
    rings_.push_back({bpf_map__fd(ring), bytes, 0});
    return;
  }
  for (std::uint32_t cpu = 0; cpu < cpu_ring_fds_.size(); cpu++) {
    if (bpf_map_update_elem(bpf_map__fd(ring), &cpu, &cpu_ring_fds_[cpu], BPF_ANY) != 0) {
      const int errnum = errno;
      throw kernel_failure(errnum, "LOAD_FAILED",
                           "putting CPU " + std::to_string(cpu) + "'s ring into '" +
                               *options.ring_map + "' failed (" + errno_text(errnum) +
                               "): its values must be ringbufs");
    }
    rings_.push_back({cpu_ring_fds_[cpu], bytes, cpu});
  }
}

void BpfObject::attach(const OpenOptions& options) {
  bpf_program* program;
  bpf_object__for_each_program(program, object_) {
    if (!is_selected(program, options)) continue;
    const std::string name = bpf_program__name(program);
    const char* section = bpf_program__section_name(program);
    std::string detail;
    libbpf_log::clear();
    bpf_link* link = is_tracefs_section(section)
                         ? attach_tracepoint(program, options.tracefs_path, detail)
                         : bpf_program__attach(program);
    if (link == nullptr) {
      const int errnum = errno;
      if (errnum == EOPNOTSUPP && detail.empty())
        detail = names_no_target(program)
                     ? "its section names no target; attach it with object.program('" + name +
                           "').attach({ kind, ... }) instead"
                     : "libbpf cannot attach this section by itself";
      throw Failure(
          "ATTACH_FAILED",
          "attaching program '" + name + "' (section " + section + ") failed " +
              because(libbpf_error_text(errnum) + (detail.empty() ? "" : ": " + detail), 1) +
              ": check that this kernel has the hook, or leave the program out of "
              "`programs`");
    }
    links_.push_back(link);
    attached_.push_back(name);
  }
}

std::shared_ptr<BpfLink> BpfObject::attach_program(const std::string& name,
                                                   const AttachTarget& target) {
  bpf_program* program =
      object_ == nullptr ? nullptr : bpf_object__find_program_by_name(object_, name.c_str());
  if (program == nullptr)
    throw Failure("UNKNOWN_PROGRAM", "program '" + name + "' is not in " + path_ +
                                         ": choose from its programs (" + quoted_list(programs_) +
                                         ")");
  if (bpf_program__fd(program) < 0)
    throw invalid("program '" + name + "' was not loaded, so it cannot be attached: load it " +
                  "with autoload: { " + name + ": true }");
  // Links detached since are let go of here rather than kept until close().
  std::erase_if(explicit_links_, [](const auto& link) { return link->detached(); });
  auto link = std::make_shared<BpfLink>(attach_to(program, target, attach_options_.tracefs_path),
                                        "program '" + name + "' on " + describe(target));
  explicit_links_.push_back(link);
  return link;
}

std::vector<KernelRingSource> BpfObject::ring_sources(const std::string& name) const {
  const bpf_map* map = find_map(name);
  if (attach_options_.ring_map && *attach_options_.ring_map == name) return rings_;
  if (bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF)
    return {{bpf_map__fd(map), bpf_map__max_entries(map), 0, 0}};
  throw invalid("map '" + name + "' is " + with_article(map_type_name(map)) +
                " map, not a ring: name a ringbuf map (an array_of_maps of rings is read " +
                "only as the object's own ring map, maps: { ring })");
}

const bpf_map* BpfObject::find_map(const std::string& name) const {
  const bool listed = std::any_of(maps_.begin(), maps_.end(),
                                  [&](const MapInfo& info) { return info.name == name; });
  const bpf_map* map =
      object_ == nullptr ? nullptr : bpf_object__find_map_by_name(object_, name.c_str());
  if (listed && map != nullptr) return map;
  std::vector<std::string> map_names;
  for (const MapInfo& info : maps_) map_names.push_back(info.name);
  throw Failure("UNKNOWN_MAP", "map '" + name + "' is not in " + path_ +
                                   ": choose from its maps (" + quoted_list(map_names) + ")");
}

double BpfObject::dropped() const {
  if (drops_ == nullptr) return 0;
  const std::uint32_t cpus = possible_cpus();
  const std::uint32_t value_size = bpf_map__value_size(drops_);
  // The kernel copies one value per possible CPU, each rounded up to 8 bytes.
  const std::size_t stride = (value_size + 7) & ~std::size_t{7};
  std::vector<std::uint8_t> values(stride * cpus);
  const std::uint32_t zero = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(drops_), &zero, values.data()) != 0) {
    const int errnum = errno;
    throw kernel_failure(errnum, "LOAD_FAILED",
                         std::string("reading the drops map '") + bpf_map__name(drops_) +
                             "' failed (" + errno_text(errnum) + "): it must be a percpu_array");
  }
  double total = 0;
  for (std::uint32_t cpu = 0; cpu < cpus; cpu++) {
    std::uint64_t value = 0;
    std::memcpy(&value, values.data() + stride * cpu, value_size);
    total += static_cast<double>(value);
  }
  return total;
}

void BpfObject::write_config(const std::uint8_t* data, std::size_t size) {
  if (config_ == nullptr)
    throw invalid("this object was opened without a configMap: there is no config to write");
  const std::uint32_t value_size = bpf_map__value_size(config_);
  if (size != value_size)
    throw invalid("config is " + std::to_string(size) + " bytes but configMap '" +
                  bpf_map__name(config_) + "' holds " + std::to_string(value_size) +
                  "-byte values: pass exactly " + std::to_string(value_size) + " bytes");
  const std::uint32_t zero = 0;
  if (bpf_map_update_elem(bpf_map__fd(config_), &zero, data, BPF_ANY) != 0) {
    const int errnum = errno;
    throw kernel_failure(errnum, "LOAD_FAILED",
                         std::string("writing the config map '") + bpf_map__name(config_) +
                             "' failed (" + errno_text(errnum) + "): it must be an array map");
  }
}

void BpfObject::destroy_links() noexcept {
  for (bpf_link* link : links_) bpf_link__destroy(link);
  links_.clear();
  attached_.clear();
}

void BpfObject::detach() noexcept {
  destroy_links();
}

void BpfObject::attach() {
  if (object_ == nullptr || !links_.empty()) return;
  try {
    attach(attach_options_);
  } catch (...) {
    destroy_links();  // all or nothing
    throw;
  }
}

void BpfObject::close() noexcept {
  // Links first: destroying one detaches its program, so no program outlives this
  // object but those attach_program() linked and the caller pinned.
  destroy_links();
  for (const auto& link : explicit_links_) link->release();
  explicit_links_.clear();
  rings_.clear();
  globals_.reset();  // unmaps the sections before their maps close
  if (object_ != nullptr) bpf_object__close(object_);
  object_ = nullptr;
  for (int fd : cpu_ring_fds_) ::close(fd);
  cpu_ring_fds_.clear();
  drops_ = nullptr;
  config_ = nullptr;
  // The programs stop running now; the kernel frees them after an RCU grace
  // period (on sys_enter, a faultable tracepoint since Linux 6.13, an RCU Tasks
  // Trace one: ~250 ms here). Not waited for: the JS thread must not stall.
}

}  // namespace ringkit::bpf
