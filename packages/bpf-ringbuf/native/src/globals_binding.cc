#include "globals_binding.hpp"

#include <algorithm>
#include <cstdint>

#include "js_error.hpp"

namespace ringkit::bpf {

GlobalValue global_value_of(const Napi::Value& value, const std::string& name) {
  GlobalValue out;
  if (value.IsNumber()) {
    out.kind = GlobalValue::Kind::kNumber;
    out.number = value.As<Napi::Number>().DoubleValue();
  } else if (value.IsBigInt()) {
    out.kind = GlobalValue::Kind::kBigInt;
    // Sign and magnitude: one word of magnitude is all a variable of 8 bytes or fewer needs.
    auto bigint = value.As<Napi::BigInt>();
    std::size_t words = bigint.WordCount();
    int sign = 0;
    std::uint64_t magnitude[2] = {0, 0};
    if (words > 2) {
      out.fits = false;
      words = 0;
    }
    if (words > 0) bigint.ToWords(&sign, &words, magnitude);
    out.negative = sign != 0;
    out.magnitude = magnitude[0];
    out.fits = out.fits && magnitude[1] == 0;
  } else if (value.IsTypedArray() &&
             value.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    out.kind = GlobalValue::Kind::kBytes;
    const auto bytes = value.As<Napi::Uint8Array>();
    out.bytes.assign(bytes.Data(), bytes.Data() + bytes.ByteLength());
  } else {
    throw js_error(value.Env(), "INVALID_VALUE",
                   "global '" + name + "' was given " +
                       (value.IsString() ? "a string" : "no number, bigint or Uint8Array") +
                       ": pass a number or bigint for an integer variable, else a Uint8Array of "
                       "its exact size");
  }
  return out;
}

Napi::Value global_value_to_js(Napi::Env env, const GlobalValue& value) {
  switch (value.kind) {
    case GlobalValue::Kind::kNumber:
      return Napi::Number::New(env, value.number);
    case GlobalValue::Kind::kBigInt: {
      const std::uint64_t magnitude = value.magnitude;
      return Napi::BigInt::New(env, value.negative ? 1 : 0, 1, &magnitude);
    }
    case GlobalValue::Kind::kBytes:
      break;
  }
  Napi::Uint8Array bytes = Napi::Uint8Array::New(env, value.bytes.size());
  std::copy(value.bytes.begin(), value.bytes.end(), bytes.Data());
  return bytes;
}

Napi::Array global_infos(Napi::Env env, const std::vector<GlobalVariable>& variables) {
  Napi::Array infos = Napi::Array::New(env, variables.size());
  for (std::uint32_t index = 0; index < variables.size(); index++) {
    const GlobalVariable& variable = variables[index];
    Napi::Object info = Napi::Object::New(env);
    info.Set("name", variable.name);
    info.Set("section", variable.section);
    info.Set("offset", Napi::Number::New(env, variable.offset));
    info.Set("size", Napi::Number::New(env, variable.size));
    info.Set("kind", variable.kind == GlobalKind::kUnsigned ? "unsigned"
                     : variable.kind == GlobalKind::kSigned ? "signed"
                                                            : "bytes");
    infos.Set(index, info);
  }
  return infos;
}

}  // namespace ringkit::bpf
