// @ringkit/spsc-ring's shared-memory addon: named POSIX shared-memory objects
// (shm_open + mmap, mode 0600) handed to JavaScript as real SharedArrayBuffers.
//
// Node-API cannot wrap foreign memory in a SharedArrayBuffer; the V8 API can,
// with a backing store whose deleter unmaps. That ties this one binary to the
// Node ABI it was built for (the futex/threads addon stays Node-API only), so it
// is a separate addon and its prebuilds are keyed by ABI. Include <v8.h> only:
// <node.h> redefines NAPI_VERSION.
#include <errno.h>
#include <fcntl.h>
#include <napi.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <v8.h>

#include <cstring>
#include <string>

namespace {

#if defined(V8_ENABLE_SANDBOX)
constexpr bool kMemoryCage = true;  // ArrayBuffer memory must live inside V8's cage
#else
constexpr bool kMemoryCage = false;
#endif

// A v8::Local and a napi_value are both one pointer to the same handle slot; Node's
// own Node-API implementation converts between them the same way.
napi_value to_napi(v8::Local<v8::Value> local) {
  static_assert(sizeof(napi_value) == sizeof(v8::Local<v8::Value>));
  napi_value out;
  std::memcpy(&out, &local, sizeof(out));
  return out;
}

// Thrown as { code, message }: the TS wrapper turns it into a RingError.
[[noreturn]] void fail(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  throw error;
}

std::string object_name(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) fail(info.Env(), "INVALID_NAME", "shared-memory name must be a string");
  const std::string name = info[0].As<Napi::String>();
  // The TS side validates with a full sentence; this is the native backstop.
  if (name.empty() || name.size() > 200 || name.find('/') != std::string::npos ||
      name.find("..") != std::string::npos) {
    fail(info.Env(), "INVALID_NAME", "invalid shared-memory name");
  }
  return "/" + name;
}

// Runs on a V8 background thread when the SharedArrayBuffer is collected: only munmap.
void unmap(void* data, size_t length, void*) {
  munmap(data, length);
}

Napi::Value wrap_mapping(const Napi::Env env, void* data, size_t length) {
  if (kMemoryCage) {
    munmap(data, length);
    fail(env, "MEMORY_CAGE",
         "this Node.js keeps ArrayBuffer memory inside a V8 memory cage, so shared memory cannot "
         "be handed to "
         "JavaScript as a SharedArrayBuffer; use worker threads (wait domain process) or a Node "
         "build without the "
         "V8 sandbox");
  }
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::unique_ptr<v8::BackingStore> store =
      v8::SharedArrayBuffer::NewBackingStore(data, length, unmap, nullptr);
  v8::Local<v8::SharedArrayBuffer> buffer = v8::SharedArrayBuffer::New(isolate, std::move(store));
  return Napi::Value(env, to_napi(buffer));
}

std::string errno_text() {
  return std::strerror(errno);
}

// createShared(name, byteLength): a new zeroed object (O_EXCL, mode 0600), mapped.
Napi::Value CreateShared(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string name = object_name(info);
  const double requested = info[1].As<Napi::Number>().DoubleValue();
  if (!(requested >= 1 && requested <= 1ull << 32))
    fail(env, "INVALID_OPTIONS", "shared-memory size out of range");
  const auto length = static_cast<size_t>(requested);
  const int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) {
    if (errno == EEXIST) fail(env, "EXISTS", "exists");
    fail(env, "SYSTEM", "shm_open failed: " + errno_text());
  }
  // ftruncate zero-fills: the new ring's memory starts as zeroes, as createRing's does.
  if (ftruncate(fd, static_cast<off_t>(length)) != 0) {
    const std::string why = errno_text();
    close(fd);
    shm_unlink(name.c_str());
    fail(env, "SYSTEM", "ftruncate failed: " + why);
  }
  void* data = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const std::string why = errno_text();
  close(fd);  // the mapping keeps the object alive
  if (data == MAP_FAILED) {
    shm_unlink(name.c_str());
    fail(env, "SYSTEM", "mmap failed: " + why);
  }
  return wrap_mapping(env, data, length);
}

// attachShared(name): maps an existing object whole; never writes to it.
Napi::Value AttachShared(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string name = object_name(info);
  const int fd = shm_open(name.c_str(), O_RDWR, 0);
  if (fd < 0) {
    if (errno == ENOENT) fail(env, "NOT_FOUND", "not found");
    if (errno == EACCES) fail(env, "PERMISSION", "permission denied");
    fail(env, "SYSTEM", "shm_open failed: " + errno_text());
  }
  struct stat info_stat {};
  if (fstat(fd, &info_stat) != 0) {
    const std::string why = errno_text();
    close(fd);
    fail(env, "SYSTEM", "fstat failed: " + why);
  }
  if (info_stat.st_uid != geteuid() || (info_stat.st_mode & 077) != 0) {
    close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info_stat.st_mode & 07777));
    fail(env, "PERMISSION",
         std::string("owned by uid ") + std::to_string(info_stat.st_uid) + " with mode " + mode);
  }
  const auto length = static_cast<size_t>(info_stat.st_size);
  if (length == 0) {
    close(fd);
    fail(env, "TRUNCATED", "empty");
  }
  void* data = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const std::string why = errno_text();
  close(fd);
  if (data == MAP_FAILED) fail(env, "SYSTEM", "mmap failed: " + why);
  return wrap_mapping(env, data, length);
}

// unlinkShared(name): removes the name; mappings stay valid until collected. False if absent.
Napi::Value UnlinkShared(const Napi::CallbackInfo& info) {
  const std::string name = object_name(info);
  if (shm_unlink(name.c_str()) == 0) return Napi::Boolean::New(info.Env(), true);
  if (errno == ENOENT) return Napi::Boolean::New(info.Env(), false);
  fail(info.Env(), "SYSTEM", "shm_unlink failed: " + errno_text());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("createShared", Napi::Function::New(env, CreateShared));
  exports.Set("attachShared", Napi::Function::New(env, AttachShared));
  exports.Set("unlinkShared", Napi::Function::New(env, UnlinkShared));
  exports.Set("memoryCage", Napi::Boolean::New(env, kMemoryCage));
  return exports;
}

}  // namespace

NODE_API_MODULE(ringkit_shm, Init)
