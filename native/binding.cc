// binding.cc — the only file that speaks N-API (node-addon-api, built with
// C++ exceptions: node_addon_api_except). It checks argument arity and
// types (TypeError, never a crash), runs the pure core (sock_diag.h,
// proc_fds.h), turns its results into one packed typed array per table, and
// turns SystemError into a JavaScript Error with `code`, `errno` and
// `syscall` through one helper. Async variants run the same core on the
// libuv pool through one generic worker. The addon keeps no state, so it is
// safe in worker threads.
//
// The exports are typed, field for field, by `NativeBinding` in src/native.ts.
#include <napi.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bpf_owners.h"
#include "destroy_monitor.h"
#include "errors.h"
#include "interface_ioctl.h"
#include "layout.h"
#include "netns.h"
#include "proc_fds.h"
#include "rtnetlink.h"
#include "sock_diag.h"

namespace netstat {

namespace {

// ---- errors -------------------------------------------------------------

std::string ErrnoName(int err) {
  const char* name = ::strerrorname_np(err);
  return name != nullptr ? std::string(name) : "E" + std::to_string(err);
}

// The one place a core error becomes a JavaScript error.
Napi::Error MakeSystemError(Napi::Env env, const SystemError& error) {
  std::string message = ::strerror(error.error_number());
  if (error.what()[0] != '\0') message = std::string(error.what()) + ": " + message;
  Napi::Error js = Napi::Error::New(env, message);
  js.Set("code", Napi::String::New(env, ErrnoName(error.error_number())));
  js.Set("errno", Napi::Number::New(env, error.error_number()));
  js.Set("syscall", Napi::String::New(env, error.syscall()));
  return js;
}

[[noreturn]] void ThrowUsage(Napi::Env env, const char* usage) { throw Napi::TypeError::New(env, std::string("Usage: ") + usage); }

// Runs `work` and converts core exceptions into JavaScript ones.
template <typename Work>
auto Guarded(Napi::Env env, Work work) -> decltype(work()) {
  try {
    return work();
  } catch (const SystemError& error) {
    throw MakeSystemError(env, error);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& error) {
    throw Napi::Error::New(env, error.what());
  }
}

// ---- argument checks ----------------------------------------------------

uint8_t ByteArg(const Napi::CallbackInfo& info, size_t index, const char* usage) {
  if (!info[index].IsNumber()) ThrowUsage(info.Env(), usage);
  const uint32_t value = info[index].As<Napi::Number>().Uint32Value();
  if (value > 255) ThrowUsage(info.Env(), usage);
  return static_cast<uint8_t>(value);
}

bool IsTypedArrayOf(const Napi::Value& value, napi_typedarray_type type) {
  return value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == type;
}

// The cancel flag: null, or an Int32Array of at least one element whose
// buffer is a SharedArrayBuffer. Returns its data pointer (element 0) or null.
//
// The pointer stays valid as long as the array is alive: a SharedArrayBuffer's
// memory is never moved by the GC and cannot be detached (transferred) by
// JavaScript, and napi_get_typedarray_info hands out that memory itself.
// A plain ArrayBuffer is refused because it *can* be detached
// (postMessage transfer, ArrayBuffer.prototype.transfer) while a worker thread
// reads it; there is no napi call to prevent that. napi_is_arraybuffer is
// false for a SharedArrayBuffer, which is how the two are told apart here.
const int32_t* CancelArg(const Napi::CallbackInfo& info, size_t index, const char* usage) {
  const Napi::Value value = info[index];
  if (value.IsNull()) return nullptr;
  if (!IsTypedArrayOf(value, napi_int32_array)) ThrowUsage(info.Env(), usage);
  const auto flag = value.As<Napi::Int32Array>();
  if (flag.ElementLength() < 1 || flag.ArrayBuffer().IsArrayBuffer()) ThrowUsage(info.Env(), usage);
  return flag.Data();
}

// A typed array argument of the given type, or null; anything else is a usage error.
bool NullOr(const Napi::Value& value, napi_typedarray_type type) { return value.IsNull() || IsTypedArrayOf(value, type); }

// The bytecode argument (a Uint8Array or null, checked by the caller),
// copied here, on the main thread: the worker never reads JavaScript memory for it.
void BytecodeArg(const Napi::CallbackInfo& info, size_t index, const char* usage, InetRequest* request) {
  if (info[index].IsNull()) return;
  const auto bytecode = info[index].As<Napi::Uint8Array>();
  if (bytecode.ElementLength() > kMaxBytecode) ThrowUsage(info.Env(), usage);
  request->bytecode.assign(bytecode.Data(), bytecode.Data() + bytecode.ElementLength());
}

// The network namespace argument: null (the caller's own) or the path of a
// namespace file, a non-empty string without NUL bytes.
std::string NetnsArg(const Napi::CallbackInfo& info, size_t index, const char* usage) {
  if (info[index].IsNull()) return std::string();
  if (!info[index].IsString()) ThrowUsage(info.Env(), usage);
  std::string path = info[index].As<Napi::String>().Utf8Value();
  if (path.empty() || path.find('\0') != std::string::npos) ThrowUsage(info.Env(), usage);
  return path;
}

// The optional last argument `check` (dump_check.h): absent or undefined is
// 0 (auto); 1 always reads a table twice when it took several datagrams; 2 never.
DumpCheck CheckArg(const Napi::CallbackInfo& info, size_t index, const char* usage) {
  if (info.Length() <= index || info[index].IsUndefined()) return DumpCheck::kAuto;
  if (!info[index].IsNumber()) ThrowUsage(info.Env(), usage);
  const double value = info[index].As<Napi::Number>().DoubleValue();
  if (value == 0) return DumpCheck::kAuto;
  if (value == 1) return DumpCheck::kAlways;
  if (value == 2) return DumpCheck::kNever;
  ThrowUsage(info.Env(), usage);
}

// decodeInet/decodeUnix's optional `check` (second argument): by default the
// decoder remembers every cookie (always), so a recording decodes whole.
DumpCheck DecodeCheckArg(const Napi::CallbackInfo& info, const char* usage) {
  return info.Length() > 1 && !info[1].IsUndefined() ? CheckArg(info, 1, usage) : DumpCheck::kAlways;
}

// Whether the call has `required` arguments, or those and the optional `check`.
bool Arity(const Napi::CallbackInfo& info, size_t required) { return info.Length() == required || info.Length() == required + 1; }

InetRequest InetArgs(const Napi::CallbackInfo& info, const char* usage) {
  if (!Arity(info, 7) || !info[2].IsNumber() || !info[3].IsBoolean() || !NullOr(info[4], napi_uint8_array)) ThrowUsage(info.Env(), usage);
  InetRequest request;
  request.family = ByteArg(info, 0, usage);
  request.protocol = ByteArg(info, 1, usage);
  request.states = info[2].As<Napi::Number>().Uint32Value();
  request.with_info = info[3].As<Napi::Boolean>().Value();
  BytecodeArg(info, 4, usage, &request);
  request.netns = NetnsArg(info, 5, usage);
  request.cancel = CancelArg(info, 6, usage);
  request.check = CheckArg(info, 7, usage);
  return request;
}

// dumpInetCompact's arguments: dumpInet's without withInfo.
InetRequest CompactArgs(const Napi::CallbackInfo& info, const char* usage) {
  if (!Arity(info, 6) || !info[2].IsNumber() || !NullOr(info[3], napi_uint8_array)) ThrowUsage(info.Env(), usage);
  InetRequest request;
  request.family = ByteArg(info, 0, usage);
  request.protocol = ByteArg(info, 1, usage);
  request.states = info[2].As<Napi::Number>().Uint32Value();
  BytecodeArg(info, 3, usage, &request);
  request.netns = NetnsArg(info, 4, usage);
  request.cancel = CancelArg(info, 5, usage);
  request.check = CheckArg(info, 6, usage);
  return request;
}

// dumpInetBoth's arguments: dumpInet's without the family (both are
// dumped); the protocol must be IPPROTO_TCP, the only one with a request
// that lists both families at once.
InetRequest BothArgs(const Napi::CallbackInfo& info, const char* usage) {
  if (!Arity(info, 6) || !info[1].IsNumber() || !info[2].IsBoolean() || !NullOr(info[3], napi_uint8_array)) ThrowUsage(info.Env(), usage);
  InetRequest request;
  request.protocol = ByteArg(info, 0, usage);
  if (request.protocol != IPPROTO_TCP) ThrowUsage(info.Env(), usage);
  request.states = info[1].As<Napi::Number>().Uint32Value();
  request.with_info = info[2].As<Napi::Boolean>().Value();
  BytecodeArg(info, 3, usage, &request);
  request.netns = NetnsArg(info, 4, usage);
  request.cancel = CancelArg(info, 5, usage);
  request.check = CheckArg(info, 6, usage);
  return request;
}

UnixRequest UnixArgs(const Napi::CallbackInfo& info, const char* usage) {
  if (!Arity(info, 2)) ThrowUsage(info.Env(), usage);
  UnixRequest request;
  request.netns = NetnsArg(info, 0, usage);
  request.cancel = CancelArg(info, 1, usage);
  request.check = CheckArg(info, 2, usage);
  return request;
}

OwnerScanRequest OwnerArgs(const Napi::CallbackInfo& info, const char* usage, size_t arity = 5) {
  if (info.Length() != arity || !info[0].IsString() || !NullOr(info[1], napi_float64_array) || !info[2].IsNumber() ||
      !NullOr(info[3], napi_int32_array)) {
    ThrowUsage(info.Env(), usage);
  }
  OwnerScanRequest request;
  request.proc_root = info[0].As<Napi::String>().Utf8Value();
  if (!info[1].IsNull()) {
    const auto wanted = info[1].As<Napi::Float64Array>();
    request.all = false;
    request.wanted.reserve(wanted.ElementLength());
    for (size_t i = 0; i < wanted.ElementLength(); ++i) {
      const double inode = wanted[i];
      if (inode >= 0 && inode < 18446744073709551616.0) request.wanted.push_back(static_cast<uint64_t>(inode));
    }
  }
  request.threads = info[2].As<Napi::Number>().Int32Value();
  if (!info[3].IsNull()) {
    const auto pids = info[3].As<Napi::Int32Array>();
    request.all_processes = false;
    request.pids.assign(pids.Data(), pids.Data() + pids.ElementLength());
  }
  request.cancel = CancelArg(info, 4, usage);
  // Only root is never denied; anyone else must look for EACCES to the end.
  request.check_denied = ::geteuid() != 0;
  return request;
}

const uint8_t* BufferArg(const Napi::CallbackInfo& info, size_t* length, const char* usage) {
  // A Buffer or any Uint8Array; other views (Uint16Array, DataView) are refused
  // rather than reinterpreted.
  if (!Arity(info, 1) || !info[0].IsTypedArray()) ThrowUsage(info.Env(), usage);
  const auto bytes = info[0].As<Napi::TypedArray>();
  if (bytes.TypedArrayType() != napi_uint8_array) ThrowUsage(info.Env(), usage);
  const auto view = info[0].As<Napi::Uint8Array>();
  *length = view.ElementLength();
  return view.Data();
}

// ---- results → JavaScript ----------------------------------------------

template <typename TypedArray, typename T>
TypedArray CopyToTypedArray(Napi::Env env, const std::vector<T>& values) {
  TypedArray array = TypedArray::New(env, values.size());
  if (!values.empty()) std::memcpy(array.Data(), values.data(), values.size() * sizeof(T));
  return array;
}

Napi::Array AddressesToJs(Napi::Env env, const std::vector<std::string>& texts) {
  Napi::Array addresses = Napi::Array::New(env, texts.size());
  for (uint32_t i = 0; i < texts.size(); ++i) addresses.Set(i, Napi::String::New(env, texts[i]));
  return addresses;
}

Napi::Value InetToJs(Napi::Env env, PackedInet& packed) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("fields", CopyToTypedArray<Napi::Uint32Array>(env, packed.fields));
  result.Set("addresses", AddressesToJs(env, packed.addresses));
  return result;
}

Napi::Value InetPairToJs(Napi::Env env, PackedInetPair& pair) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("inet", InetToJs(env, pair.inet));
  result.Set("inet6", InetToJs(env, pair.inet6));
  return result;
}

Napi::Value CompactToJs(Napi::Env env, PackedCompact& packed) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("fields", CopyToTypedArray<Napi::Uint32Array>(env, packed.fields));
  return result;
}

Napi::Value UnixToJs(Napi::Env env, PackedUnix& packed) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("fields", CopyToTypedArray<Napi::Uint32Array>(env, packed.fields));
  result.Set("names", Napi::Buffer<char>::Copy(env, packed.names.data(), packed.names.size()));
  return result;
}

Napi::Value OwnersToJs(Napi::Env env, OwnerRows& rows) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("inodes", CopyToTypedArray<Napi::Float64Array>(env, rows.inodes));
  result.Set("pids", CopyToTypedArray<Napi::Int32Array>(env, rows.pids));
  result.Set("programOffsets", CopyToTypedArray<Napi::Uint32Array>(env, rows.program_offsets));
  result.Set("programLengths", CopyToTypedArray<Napi::Uint32Array>(env, rows.program_lengths));
  result.Set("programs", Napi::Buffer<char>::Copy(env, rows.programs.data(), rows.programs.size()));
  result.Set("denied", Napi::Number::New(env, rows.denied));
  result.Set("deniedPids", CopyToTypedArray<Napi::Int32Array>(env, rows.denied_pids));
  result.Set("vanished", Napi::Number::New(env, rows.vanished));
  result.Set("procUnreadable", Napi::Boolean::New(env, rows.proc_unreadable));
  return result;
}

Napi::Value RecordToJs(Napi::Env env, std::vector<uint8_t>& bytes) {
  return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
}

// ---- the one generic async worker ---------------------------------------

// Runs `work` on the libuv thread pool and settles a promise with
// `to_js(result)` on the main thread. Core exceptions are caught inside
// Execute() and carried over as values: none crosses a thread.
//
// `keep_alive` (null/undefined for none) is an object whose memory `work`
// reads while it runs — the cancel flag's Int32Array: the worker holds a
// strong reference to it until it settles, released on the main thread.
template <typename Result>
class PromiseWorker final : public Napi::AsyncWorker {
 public:
  using ToJs = Napi::Value (*)(Napi::Env, Result&);

  // `on_settle`, if given, runs on the main thread once the promise is settled either way.
  static Napi::Value Start(Napi::Env env, std::function<Result()> work, ToJs to_js, Napi::Value keep_alive,
                           std::function<void()> on_settle = nullptr) {
    auto* worker = new PromiseWorker(env, std::move(work), to_js);  // deleted by AsyncWorker after OnOK/OnError
    worker->on_settle_ = std::move(on_settle);
    if (keep_alive.IsObject()) worker->keep_alive_ = Napi::Persistent(keep_alive.As<Napi::Object>());
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      result_ = work_();
    } catch (const SystemError& error) {
      system_error_.emplace(error);
    } catch (const std::exception& error) {
      other_error_ = error.what();
      if (other_error_.empty()) other_error_ = "native engine failure";
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      if (system_error_) {
        deferred_.Reject(MakeSystemError(env, *system_error_).Value());
      } else if (!other_error_.empty()) {
        deferred_.Reject(Napi::Error::New(env, other_error_).Value());
      } else {
        deferred_.Resolve(to_js_(env, result_));
      }
    } catch (const Napi::Error& error) {
      deferred_.Reject(error.Value());
    }
    Settled();
  }

  // Only reached if Execute() let something through (it catches std::exception).
  void OnError(const Napi::Error& error) override {
    Napi::HandleScope scope(Env());
    deferred_.Reject(error.Value());
    Settled();
  }

 private:
  PromiseWorker(Napi::Env env, std::function<Result()> work, ToJs to_js)
      : Napi::AsyncWorker(env, "netstat-native"), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)), to_js_(to_js) {}

  void Settled() {
    if (on_settle_) on_settle_();  // first: it may touch what keep_alive_ holds
    keep_alive_.Reset();
  }

  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference keep_alive_;
  std::function<void()> on_settle_;
  std::function<Result()> work_;
  ToJs to_js_;
  Result result_{};
  std::optional<SystemError> system_error_;
  std::string other_error_;
};

// ---- exports ------------------------------------------------------------

#define NETSTAT_CANCEL_ARG "cancel: Int32Array on a SharedArrayBuffer | null"
#define NETSTAT_CHECK_ARG "check?: 0 (auto) | 1 (always) | 2 (never)"
#define NETSTAT_NETNS_ARG "netns: string | null"
#define NETSTAT_INET_ARGS \
  "family: number, protocol: number, states: number, withInfo: boolean, bytecode: Uint8Array | null, " NETSTAT_NETNS_ARG ", " NETSTAT_CANCEL_ARG \
  ", " NETSTAT_CHECK_ARG
constexpr char kDumpInetUsage[] = "dumpInet(" NETSTAT_INET_ARGS ")";
constexpr char kDumpInetAsyncUsage[] = "dumpInetAsync(" NETSTAT_INET_ARGS ")";
#define NETSTAT_BOTH_ARGS \
  "protocol: 6 (IPPROTO_TCP), states: number, withInfo: boolean, bytecode: Uint8Array | null, " NETSTAT_NETNS_ARG ", " NETSTAT_CANCEL_ARG \
  ", " NETSTAT_CHECK_ARG
constexpr char kDumpBothUsage[] = "dumpInetBoth(" NETSTAT_BOTH_ARGS ")";
constexpr char kDumpBothAsyncUsage[] = "dumpInetBothAsync(" NETSTAT_BOTH_ARGS ")";
#undef NETSTAT_BOTH_ARGS
#define NETSTAT_COMPACT_ARGS \
  "family: number, protocol: number, states: number, bytecode: Uint8Array | null, " NETSTAT_NETNS_ARG ", " NETSTAT_CANCEL_ARG ", " NETSTAT_CHECK_ARG
constexpr char kDumpCompactUsage[] = "dumpInetCompact(" NETSTAT_COMPACT_ARGS ")";
constexpr char kDumpCompactAsyncUsage[] = "dumpInetCompactAsync(" NETSTAT_COMPACT_ARGS ")";
#undef NETSTAT_COMPACT_ARGS
#define NETSTAT_UNIX_ARGS NETSTAT_NETNS_ARG ", " NETSTAT_CANCEL_ARG ", " NETSTAT_CHECK_ARG
constexpr char kDumpUnixUsage[] = "dumpUnix(" NETSTAT_UNIX_ARGS ")";
constexpr char kDumpUnixAsyncUsage[] = "dumpUnixAsync(" NETSTAT_UNIX_ARGS ")";
#define NETSTAT_SCAN_ARGS "procRoot: string, wanted: Float64Array | null, threads: number, pids: Int32Array | null, " NETSTAT_CANCEL_ARG
constexpr char kScanUsage[] = "scanOwners(" NETSTAT_SCAN_ARGS ")";
constexpr char kScanAsyncUsage[] = "scanOwnersAsync(" NETSTAT_SCAN_ARGS ")";
constexpr char kScanBpfUsage[] = "scanOwnersBpf(" NETSTAT_SCAN_ARGS ", forced: boolean)";
constexpr char kScanBpfAsyncUsage[] = "scanOwnersBpfAsync(" NETSTAT_SCAN_ARGS ", forced: boolean)";
constexpr char kRecordInetUsage[] = "recordInet(" NETSTAT_INET_ARGS ")";
constexpr char kOpenStreamUsage[] = "openInetStream(" NETSTAT_INET_ARGS ")";
constexpr char kReadStreamUsage[] = "readInetStream(stream: object from openInetStream, minRows: number >= 1, " NETSTAT_CANCEL_ARG ")";
constexpr char kReceiveStreamUsage[] = "receiveInetStreamAsync(stream: object from openInetStream, minRows: number >= 1, " NETSTAT_CANCEL_ARG ")";
constexpr char kPackStreamUsage[] = "packInetStream(stream: object from openInetStream, into: Uint32Array | null)";
constexpr char kCloseStreamUsage[] = "closeInetStream(stream: object from openInetStream)";
constexpr char kRecordUnixUsage[] = "recordUnix(" NETSTAT_UNIX_ARGS ")";
constexpr char kWatchDestroyedUsage[] = "watchDestroyed(" NETSTAT_NETNS_ARG ", onBatch: (cookies: Uint32Array, overflow: boolean, error: Error | null) => void)";
#undef NETSTAT_UNIX_ARGS
#undef NETSTAT_NETNS_ARG
#undef NETSTAT_SCAN_ARGS
#undef NETSTAT_INET_ARGS
#undef NETSTAT_CANCEL_ARG
#undef NETSTAT_CHECK_ARG
constexpr char kDecodeInetUsage[] = "decodeInet(bytes: Buffer | Uint8Array, check?: 0 (auto) | 1 (always, the default) | 2 (never))";
constexpr char kDecodeUnixUsage[] = "decodeUnix(bytes: Buffer | Uint8Array, check?: 0 (auto) | 1 (always, the default) | 2 (never))";

Napi::Value DumpInetSync(const Napi::CallbackInfo& info) {
  const InetRequest request = InetArgs(info, kDumpInetUsage);
  PackedInet packed = Guarded(info.Env(), [&] { return DumpInet(request); });
  return InetToJs(info.Env(), packed);
}

// The async variants keep their cancel flag's Int32Array (the last argument,
// null or the array) alive until they settle: the worker reads its memory.
Napi::Value DumpInetAsync(const Napi::CallbackInfo& info) {
  InetRequest request = InetArgs(info, kDumpInetAsyncUsage);
  return PromiseWorker<PackedInet>::Start(info.Env(), [request = std::move(request)] { return DumpInet(request); }, InetToJs, info[6]);
}

Napi::Value DumpInetBothSync(const Napi::CallbackInfo& info) {
  const InetRequest request = BothArgs(info, kDumpBothUsage);
  PackedInetPair pair = Guarded(info.Env(), [&] { return DumpInetBoth(request); });
  return InetPairToJs(info.Env(), pair);
}

Napi::Value DumpInetBothAsync(const Napi::CallbackInfo& info) {
  InetRequest request = BothArgs(info, kDumpBothAsyncUsage);
  return PromiseWorker<PackedInetPair>::Start(
      info.Env(), [request = std::move(request)] { return DumpInetBoth(request); }, InetPairToJs, info[5]);
}

Napi::Value DumpInetCompactSync(const Napi::CallbackInfo& info) {
  const InetRequest request = CompactArgs(info, kDumpCompactUsage);
  PackedCompact packed = Guarded(info.Env(), [&] { return DumpInetCompact(request); });
  return CompactToJs(info.Env(), packed);
}

Napi::Value DumpInetCompactAsync(const Napi::CallbackInfo& info) {
  InetRequest request = CompactArgs(info, kDumpCompactAsyncUsage);
  return PromiseWorker<PackedCompact>::Start(
      info.Env(), [request = std::move(request)] { return DumpInetCompact(request); }, CompactToJs, info[5]);
}

Napi::Value DumpUnixSync(const Napi::CallbackInfo& info) {
  const UnixRequest request = UnixArgs(info, kDumpUnixUsage);
  PackedUnix packed = Guarded(info.Env(), [&] { return DumpUnix(request); });
  return UnixToJs(info.Env(), packed);
}

Napi::Value DumpUnixAsync(const Napi::CallbackInfo& info) {
  UnixRequest request = UnixArgs(info, kDumpUnixAsyncUsage);
  return PromiseWorker<PackedUnix>::Start(info.Env(), [request = std::move(request)] { return DumpUnix(request); }, UnixToJs, info[1]);
}

Napi::Value ScanOwnersSync(const Napi::CallbackInfo& info) {
  const OwnerScanRequest request = OwnerArgs(info, kScanUsage);
  OwnerRows rows = Guarded(info.Env(), [&] { return ScanOwners(request); });
  return OwnersToJs(info.Env(), rows);
}

Napi::Value ScanOwnersAsync(const Napi::CallbackInfo& info) {
  OwnerScanRequest request = OwnerArgs(info, kScanAsyncUsage);
  return PromiseWorker<OwnerRows>::Start(info.Env(), [request = std::move(request)] { return ScanOwners(request); }, OwnersToJs, info[4]);
}

// The fd walk by a BPF task_file iterator when it can be had (bpf_owners.h),
// else the /proc walk; the last argument `forced` makes "cannot be had" an error.
OwnerScanRequest BpfOwnerArgs(const Napi::CallbackInfo& info, const char* usage, bool* forced) {
  if (info.Length() != 6 || !info[5].IsBoolean()) ThrowUsage(info.Env(), usage);
  *forced = info[5].As<Napi::Boolean>().Value();
  return OwnerArgs(info, usage, 6);
}

Napi::Value ChosenOwnersToJs(Napi::Env env, OwnerRows& rows) {
  Napi::Object result = OwnersToJs(env, rows).As<Napi::Object>();
  result.Set("method", Napi::String::New(env, rows.method));
  result.Set("methodReason", Napi::String::New(env, rows.method_reason));
  if (rows.method_errno != 0) result.Set("methodCode", Napi::String::New(env, ErrnoName(rows.method_errno)));
  return result;
}

Napi::Value ScanOwnersBpfSync(const Napi::CallbackInfo& info) {
  bool forced;
  const OwnerScanRequest request = BpfOwnerArgs(info, kScanBpfUsage, &forced);
  OwnerRows rows = Guarded(info.Env(), [&] { return ScanOwnersPreferBpf(request, forced); });
  return ChosenOwnersToJs(info.Env(), rows);
}

Napi::Value ScanOwnersBpfAsync(const Napi::CallbackInfo& info) {
  bool forced;
  OwnerScanRequest request = BpfOwnerArgs(info, kScanBpfAsyncUsage, &forced);
  return PromiseWorker<OwnerRows>::Start(
      info.Env(), [request = std::move(request), forced] { return ScanOwnersPreferBpf(request, forced); }, ChosenOwnersToJs, info[4]);
}

Napi::Value RecordInet(const Napi::CallbackInfo& info) {
  const InetRequest request = InetArgs(info, kRecordInetUsage);
  std::vector<uint8_t> bytes = Guarded(info.Env(), [&] {
    std::vector<uint8_t> record;
    DumpInet(request, &record);
    return record;
  });
  return RecordToJs(info.Env(), bytes);
}

Napi::Value RecordUnix(const Napi::CallbackInfo& info) {
  const UnixRequest request = UnixArgs(info, kRecordUnixUsage);
  std::vector<uint8_t> bytes = Guarded(info.Env(), [&] {
    std::vector<uint8_t> record;
    DumpUnix(request, &record);
    return record;
  });
  return RecordToJs(info.Env(), bytes);
}

// ---- streamed Internet dumps ---------------------------------------------

// One InetDumpStream as JavaScript holds it: an object whose read-only
// `handle` is an External owning this; the finalizer (collection or
// teardown) frees it. `busy` is set while a receive runs on a pool thread,
// when another receive, a read or a close is refused (the socket must
// outlive the receive); packing, which touches only the packer, is not.
struct StreamHandle {
  explicit StreamHandle(const InetRequest& request) : stream(request) {}
  InetDumpStream stream;
  std::atomic<bool> busy{false};
  bool closed = false;
  // Datagrams received and not yet packed, oldest first; main thread only
  // (a receive's bytes are queued when its promise settles).
  std::deque<std::vector<uint8_t>> received;
};

struct StreamBatch {
  PackedInet packed;
  uint32_t address_base = 0;
  bool done = false;
};

Napi::Value BatchToJs(Napi::Env env, StreamBatch& batch) {
  Napi::Object result = InetToJs(env, batch.packed).As<Napi::Object>();
  result.Set("addressBase", Napi::Number::New(env, batch.address_base));
  result.Set("done", Napi::Boolean::New(env, batch.done));
  return result;
}

struct StreamDatagrams {
  StreamHandle* handle = nullptr;
  std::vector<uint8_t> bytes;
  bool done = false;
};

// On the main thread: the bytes join the stream's queue (they never become
// a JavaScript buffer); JavaScript learns only whether the dump is complete.
Napi::Value DatagramsToJs(Napi::Env env, StreamDatagrams& received) {
  received.handle->received.push_back(std::move(received.bytes));
  Napi::Object result = Napi::Object::New(env);
  result.Set("done", Napi::Boolean::New(env, received.done));
  return result;
}

// The stream behind an openInetStream object; a usage error if it is not one.
StreamHandle* StreamArg(const Napi::CallbackInfo& info, const char* usage) {
  if (!info[0].IsObject()) ThrowUsage(info.Env(), usage);
  const Napi::Value value = info[0].As<Napi::Object>().Get("handle");
  if (!value.IsExternal()) ThrowUsage(info.Env(), usage);
  return value.As<Napi::External<StreamHandle>>().Data();
}

// The stream, marked busy for one receive; refused if closed or being received.
StreamHandle* ClaimStream(const Napi::CallbackInfo& info, const char* usage) {
  StreamHandle* handle = StreamArg(info, usage);
  if (handle->closed) throw Napi::Error::New(info.Env(), "the stream is closed");
  if (handle->busy.exchange(true)) throw Napi::Error::New(info.Env(), "a read of this stream is in progress");
  return handle;
}

// minRows: a whole number from 1 to 2^24 (a batch larger than that buys nothing).
size_t MinRowsArg(const Napi::CallbackInfo& info, const char* usage) {
  if (info.Length() != 3 || !info[1].IsNumber()) ThrowUsage(info.Env(), usage);
  const double rows = info[1].As<Napi::Number>().DoubleValue();
  if (!(rows >= 1 && rows <= 16777216) || rows != static_cast<double>(static_cast<size_t>(rows))) ThrowUsage(info.Env(), usage);
  return static_cast<size_t>(rows);
}

// openInetStream(dumpInet's arguments) → { handle }: the socket is open and
// the request sent; read it with readInetStream, or receiveInetStreamAsync
// and packInetStream, until `done`.
Napi::Value OpenInetStream(const Napi::CallbackInfo& info) {
  const InetRequest request = InetArgs(info, kOpenStreamUsage);
  Napi::Env env = info.Env();
  auto* handle = Guarded(env, [&] { return new StreamHandle(request); });
  auto external = Napi::External<StreamHandle>::New(env, handle, [](Napi::Env, StreamHandle* h) { delete h; });
  Napi::Object result = Napi::Object::New(env);
  result.DefineProperty(Napi::PropertyDescriptor::Value("handle", external, napi_default));  // read-only
  return result;
}

// readInetStream(stream, minRows, cancel) → the next packed batch, received and packed here.
Napi::Value ReadInetStreamSync(const Napi::CallbackInfo& info) {
  const size_t min_rows = MinRowsArg(info, kReadStreamUsage);
  const int32_t* cancel = CancelArg(info, 2, kReadStreamUsage);
  StreamHandle* handle = ClaimStream(info, kReadStreamUsage);
  struct Release {  // whatever happens
    StreamHandle* handle;
    ~Release() { handle->busy.store(false); }
  } release{handle};
  StreamBatch batch = Guarded(info.Env(), [&] {
    StreamBatch read;
    read.done = handle->stream.Next(min_rows, cancel, &read.packed, &read.address_base);
    return read;
  });
  return BatchToJs(info.Env(), batch);
}

// receiveInetStreamAsync(stream, minRows, cancel) → Promise<{ done }>: the
// next datagrams, received on a pool thread and queued for packInetStream. The
// worker keeps the stream object and the cancel flag alive until it
// settles; the stream stays busy until then (cleared on the main thread, so
// a receive or close made before the promise settles is refused).
Napi::Value ReceiveInetStreamAsync(const Napi::CallbackInfo& info) {
  const size_t min_rows = MinRowsArg(info, kReceiveStreamUsage);
  const int32_t* cancel = CancelArg(info, 2, kReceiveStreamUsage);
  StreamHandle* handle = ClaimStream(info, kReceiveStreamUsage);
  Napi::Array keep = Napi::Array::New(info.Env(), 2);
  keep.Set(0U, info[0]);
  keep.Set(1U, info[2]);
  return PromiseWorker<StreamDatagrams>::Start(
      info.Env(),
      [handle, min_rows, cancel] {
        StreamDatagrams received;
        received.handle = handle;
        received.done = handle->stream.Receive(min_rows, cancel, &received.bytes);
        return received;
      },
      DatagramsToJs, keep, [handle] { handle->busy.store(false); });
}

// packInetStream(stream, into) → the batch of the oldest received datagrams,
// packed on this thread (while the next receive runs on the pool). `into`
// (a Uint32Array, or null): when it has room, the rows are copied into it
// and `fields` is a view of it — a printer that reuses one array per stream
// allocates nothing per batch. Nothing received → a usage error.
Napi::Value PackInetStream(const Napi::CallbackInfo& info) {
  if (info.Length() != 2 || !NullOr(info[1], napi_uint32_array)) ThrowUsage(info.Env(), kPackStreamUsage);
  StreamHandle* handle = StreamArg(info, kPackStreamUsage);
  if (handle->received.empty()) throw Napi::Error::New(info.Env(), "nothing received to pack");
  std::vector<uint8_t> bytes = std::move(handle->received.front());
  handle->received.pop_front();
  StreamBatch batch = Guarded(info.Env(), [&] {
    StreamBatch packed;
    packed.packed = handle->stream.Pack(bytes.data(), bytes.size(), &packed.address_base);
    return packed;
  });
  Napi::Env env = info.Env();
  const std::vector<uint32_t>& fields = batch.packed.fields;
  if (info[1].IsNull() || info[1].As<Napi::Uint32Array>().ElementLength() < fields.size()) return BatchToJs(env, batch);
  auto into = info[1].As<Napi::Uint32Array>();
  if (!fields.empty()) std::memcpy(into.Data(), fields.data(), fields.size() * sizeof(uint32_t));
  Napi::Object result = Napi::Object::New(env);
  result.Set("fields", Napi::Uint32Array::New(env, fields.size(), into.ArrayBuffer(), into.ByteOffset()));
  result.Set("addresses", AddressesToJs(env, batch.packed.addresses));
  result.Set("addressBase", Napi::Number::New(env, batch.address_base));
  result.Set("done", Napi::Boolean::New(env, false));
  return result;
}

// closeInetStream(stream): closes the socket now rather than at collection;
// refused while a receive runs. Closing twice is harmless.
Napi::Value CloseInetStream(const Napi::CallbackInfo& info) {
  if (info.Length() != 1) ThrowUsage(info.Env(), kCloseStreamUsage);
  StreamHandle* handle = StreamArg(info, kCloseStreamUsage);
  if (handle->closed) return info.Env().Undefined();
  if (handle->busy.load()) throw Napi::Error::New(info.Env(), "a read of this stream is in progress");
  handle->closed = true;
  handle->stream.Close();
  handle->received.clear();
  return info.Env().Undefined();
}

// ---- destroy notifications ----------------------------------------------

// One watch: a DestroyMonitor read by a thread of its own (never a pool
// thread: it blocks for as long as the watch lasts), whose batches reach
// JavaScript through a thread-safe function. close() — or the garbage
// collector, or the environment's teardown — stops the thread and joins it.
// Results cross threads as values (Batch); no exception leaves the thread.
class DestroyWatch {
 public:
  struct Batch {
    std::vector<uint32_t> cookies;
    bool overflow = false;
    std::optional<SystemError> error;
    // Set by Close(): a batch queued before it is dropped, not delivered.
    // Shared because a batch may outlive the watch in the function's queue.
    std::shared_ptr<std::atomic<bool>> closed;
  };

  DestroyWatch(Napi::Env env, const std::string& netns, Napi::Function on_batch) : monitor_(netns) {
    deliver_ = Napi::ThreadSafeFunction::New(env, on_batch, "netstat-native destroy watch", 0, 1);
    thread_ = std::thread([this] { Run(); });
  }

  ~DestroyWatch() { Close(); }

  // Stops the thread and waits for it; no batch is delivered after this returns.
  void Close() {
    closed_->store(true);
    if (!thread_.joinable()) return;
    monitor_.Stop();
    thread_.join();
  }

 private:
  void Run() {
    for (;;) {
      auto batch = std::make_unique<Batch>();
      batch->closed = closed_;
      DestroyMonitor::Wait wait = DestroyMonitor::Wait::kStopped;
      try {
        wait = monitor_.Next(&batch->cookies);
      } catch (const SystemError& error) {
        batch->error.emplace(error);
      } catch (const std::exception& error) {
        batch->error.emplace(EIO, "recvmsg", error.what());
      }
      if (wait == DestroyMonitor::Wait::kStopped && !batch->error) break;
      batch->overflow = wait == DestroyMonitor::Wait::kOverflow;
      const bool last = batch->error.has_value();
      // An unlimited queue: NonBlockingCall fails only once the function is
      // closing (the environment is going away), and then it must not be
      // touched again — not even released.
      if (deliver_.NonBlockingCall(batch.get(), Deliver) != napi_ok) return;
      batch.release();  // Deliver owns it now
      if (last) break;
    }
    deliver_.Release();
  }

  static void Deliver(Napi::Env env, Napi::Function on_batch, Batch* raw) {
    std::unique_ptr<Batch> batch(raw);
    if (env == nullptr || on_batch.IsEmpty() || batch->closed->load()) return;  // closed, or the environment is going away
    // Plain N-API calls, each status checked: in a worker being terminated
    // every call fails, and node-addon-api's wrappers would then build an
    // Error — itself failing, which is fatal to the whole process. A failed
    // call drops the batch; an exception the callback throws stays pending,
    // for the runtime to report as uncaught.
    napi_env e = env;
    napi_handle_scope scope;
    if (napi_open_handle_scope(e, &scope) != napi_ok) return;
    const size_t bytes = batch->cookies.size() * sizeof(uint32_t);
    void* data = nullptr;
    napi_value buffer, cookies, overflow, error, global;
    if (napi_create_arraybuffer(e, bytes, &data, &buffer) == napi_ok &&
        napi_create_typedarray(e, napi_uint32_array, batch->cookies.size(), buffer, 0, &cookies) == napi_ok &&
        napi_get_boolean(e, batch->overflow, &overflow) == napi_ok && ErrorValue(e, *batch, &error) && napi_get_global(e, &global) == napi_ok) {
      if (bytes > 0) std::memcpy(data, batch->cookies.data(), bytes);
      const napi_value args[] = {cookies, overflow, error};
      napi_value ignored;
      (void)napi_call_function(e, global, on_batch, 3, args, &ignored);
    }
    napi_close_handle_scope(e, scope);
  }

  // The batch's error as a JavaScript value (null when none); false if N-API failed.
  static bool ErrorValue(napi_env e, const Batch& batch, napi_value* out) {
    if (!batch.error) return napi_get_null(e, out) == napi_ok;
    try {
      *out = MakeSystemError(Napi::Env(e), *batch.error).Value();
      return true;
    } catch (...) {
      return false;
    }
  }

  DestroyMonitor monitor_;
  std::shared_ptr<std::atomic<bool>> closed_ = std::make_shared<std::atomic<bool>>(false);
  Napi::ThreadSafeFunction deliver_;
  std::thread thread_;
};

// watchDestroyed(netns, onBatch) → { close() }. onBatch(cookies, overflow,
// error) runs on the main thread: cookies are (low, high) word pairs of the
// sockets freed; overflow = notifications were lost (resynchronise); error =
// the watch failed and has stopped. The watch keeps the event loop alive
// until close().
Napi::Value WatchDestroyed(const Napi::CallbackInfo& info) {
  if (info.Length() != 2 || !info[1].IsFunction()) ThrowUsage(info.Env(), kWatchDestroyedUsage);
  const std::string netns = NetnsArg(info, 0, kWatchDestroyedUsage);
  Napi::Env env = info.Env();
  auto* watch = Guarded(env, [&] { return new DestroyWatch(env, netns, info[1].As<Napi::Function>()); });
  // The External owns the watch: its finalizer (collection or teardown)
  // closes it. close() finds it through `this`, so a close function kept
  // apart from its object can never reach a collected watch.
  auto handle = Napi::External<DestroyWatch>::New(env, watch, [](Napi::Env, DestroyWatch* w) { delete w; });
  Napi::Object result = Napi::Object::New(env);
  result.DefineProperty(Napi::PropertyDescriptor::Value("handle", handle, napi_default));  // read-only
  result.Set("close", Napi::Function::New(
                          env,
                          [](const Napi::CallbackInfo& call) {
                            constexpr char kUsage[] = "watch.close() must be called on the object watchDestroyed returned";
                            if (!call.This().IsObject()) ThrowUsage(call.Env(), kUsage);
                            const Napi::Value value = call.This().As<Napi::Object>().Get("handle");
                            if (!value.IsExternal()) ThrowUsage(call.Env(), kUsage);
                            value.As<Napi::External<DestroyWatch>>().Data()->Close();
                            return call.Env().Undefined();
                          },
                          "close"));
  return result;
}

constexpr char kReadProcInUsage[] = "readProcIn(netns: string, relative: string)";

// readProcIn(netns, 'net/raw') → Buffer: a /proc file as a thread inside the namespace sees it.
Napi::Value ReadProcInSync(const Napi::CallbackInfo& info) {
  if (info.Length() != 2 || !info[0].IsString() || !info[1].IsString()) ThrowUsage(info.Env(), kReadProcInUsage);
  const std::string netns = NetnsArg(info, 0, kReadProcInUsage);
  const std::string relative = info[1].As<Napi::String>().Utf8Value();
  // Only files below net/, named plainly: this is not a general file reader.
  if (relative.rfind("net/", 0) != 0 || relative.find("..") != std::string::npos || relative.find('\0') != std::string::npos) {
    ThrowUsage(info.Env(), kReadProcInUsage);
  }
  std::string text = Guarded(info.Env(), [&] { return ReadProcIn(netns, relative); });
  return Napi::Buffer<char>::Copy(info.Env(), text.data(), text.size());
}

constexpr char kDumpRouteUsage[] = "dumpRoute(type: number, family: number)";

// Raw rtnetlink dump bytes for `netstat -i` (decoded in TypeScript).
Napi::Value DumpRouteSync(const Napi::CallbackInfo& info) {
  if (info.Length() != 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string("Usage: ") + kDumpRouteUsage);
  }
  const uint32_t type = info[0].As<Napi::Number>().Uint32Value();
  const uint32_t family = info[1].As<Napi::Number>().Uint32Value();
  if (type > 0xffff || family > 0xff) throw Napi::TypeError::New(info.Env(), std::string("Usage: ") + kDumpRouteUsage);
  std::vector<uint8_t> bytes =
      Guarded(info.Env(), [&] { return DumpRoute(static_cast<uint16_t>(type), static_cast<uint8_t>(family)); });
  return RecordToJs(info.Env(), bytes);
}

constexpr char kReadInterfacesUsage[] = "readInterfaces(names: string[])";

Napi::Array StringsToJs(Napi::Env env, const std::vector<std::string>& strings) {
  Napi::Array array = Napi::Array::New(env, strings.size());
  for (uint32_t i = 0; i < strings.size(); ++i) array.Set(i, Napi::String::New(env, strings[i]));
  return array;
}

// readInterfaces(names) → { names, fields, configured }: `netstat -i`'s
// SIOCGIF* facts (interface_ioctl.h), for when rtnetlink is refused.
Napi::Value ReadInterfacesSync(const Napi::CallbackInfo& info) {
  if (info.Length() != 1 || !info[0].IsArray()) ThrowUsage(info.Env(), kReadInterfacesUsage);
  const auto names = info[0].As<Napi::Array>();
  InterfaceRequest request;
  for (uint32_t i = 0; i < names.Length(); ++i) {
    const Napi::Value name = names.Get(i);
    if (!name.IsString()) ThrowUsage(info.Env(), kReadInterfacesUsage);
    request.names.push_back(name.As<Napi::String>().Utf8Value());
    if (request.names.back().find('\0') != std::string::npos) ThrowUsage(info.Env(), kReadInterfacesUsage);
  }
  PackedInterfaces packed = Guarded(info.Env(), [&] { return ReadInterfaces(request); });
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("names", StringsToJs(info.Env(), packed.names));
  result.Set("fields", CopyToTypedArray<Napi::Uint32Array>(info.Env(), packed.fields));
  result.Set("configured", StringsToJs(info.Env(), packed.configured));
  return result;
}

Napi::Value DecodeInetSync(const Napi::CallbackInfo& info) {
  size_t length = 0;
  const uint8_t* data = BufferArg(info, &length, kDecodeInetUsage);
  const DumpCheck check = DecodeCheckArg(info, kDecodeInetUsage);
  PackedInet packed = Guarded(info.Env(), [&] { return DecodeInet(data, length, check); });
  return InetToJs(info.Env(), packed);
}

Napi::Value DecodeUnixSync(const Napi::CallbackInfo& info) {
  size_t length = 0;
  const uint8_t* data = BufferArg(info, &length, kDecodeUnixUsage);
  const DumpCheck check = DecodeCheckArg(info, kDecodeUnixUsage);
  PackedUnix packed = Guarded(info.Env(), [&] { return DecodeUnix(data, length, check); });
  return UnixToJs(info.Env(), packed);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("layoutVersion", Napi::Number::New(env, kLayoutVersion));
  exports.Set("inetStride", Napi::Number::New(env, inet_field::kStride));
  exports.Set("unixStride", Napi::Number::New(env, unix_field::kStride));
  exports.Set("dumpInet", Napi::Function::New(env, DumpInetSync, "dumpInet"));
  exports.Set("dumpInetAsync", Napi::Function::New(env, DumpInetAsync, "dumpInetAsync"));
  exports.Set("dumpInetBoth", Napi::Function::New(env, DumpInetBothSync, "dumpInetBoth"));
  exports.Set("dumpInetBothAsync", Napi::Function::New(env, DumpInetBothAsync, "dumpInetBothAsync"));
  exports.Set("compactStride", Napi::Number::New(env, compact_field::kStride));
  exports.Set("dumpInetCompact", Napi::Function::New(env, DumpInetCompactSync, "dumpInetCompact"));
  exports.Set("dumpInetCompactAsync", Napi::Function::New(env, DumpInetCompactAsync, "dumpInetCompactAsync"));
  exports.Set("dumpUnix", Napi::Function::New(env, DumpUnixSync, "dumpUnix"));
  exports.Set("dumpUnixAsync", Napi::Function::New(env, DumpUnixAsync, "dumpUnixAsync"));
  exports.Set("scanOwners", Napi::Function::New(env, ScanOwnersSync, "scanOwners"));
  exports.Set("scanOwnersAsync", Napi::Function::New(env, ScanOwnersAsync, "scanOwnersAsync"));
  exports.Set("scanOwnersBpf", Napi::Function::New(env, ScanOwnersBpfSync, "scanOwnersBpf"));
  exports.Set("scanOwnersBpfAsync", Napi::Function::New(env, ScanOwnersBpfAsync, "scanOwnersBpfAsync"));
  exports.Set("openInetStream", Napi::Function::New(env, OpenInetStream, "openInetStream"));
  exports.Set("readInetStream", Napi::Function::New(env, ReadInetStreamSync, "readInetStream"));
  exports.Set("receiveInetStreamAsync", Napi::Function::New(env, ReceiveInetStreamAsync, "receiveInetStreamAsync"));
  exports.Set("packInetStream", Napi::Function::New(env, PackInetStream, "packInetStream"));
  exports.Set("closeInetStream", Napi::Function::New(env, CloseInetStream, "closeInetStream"));
  exports.Set("recordInet", Napi::Function::New(env, RecordInet, "recordInet"));
  exports.Set("recordUnix", Napi::Function::New(env, RecordUnix, "recordUnix"));
  exports.Set("decodeInet", Napi::Function::New(env, DecodeInetSync, "decodeInet"));
  exports.Set("decodeUnix", Napi::Function::New(env, DecodeUnixSync, "decodeUnix"));
  exports.Set("dumpRoute", Napi::Function::New(env, DumpRouteSync, "dumpRoute"));
  exports.Set("readInterfaces", Napi::Function::New(env, ReadInterfacesSync, "readInterfaces"));
  exports.Set("watchDestroyed", Napi::Function::New(env, WatchDestroyed, "watchDestroyed"));
  exports.Set("readProcIn", Napi::Function::New(env, ReadProcInSync, "readProcIn"));
  return exports;
}

}  // namespace

}  // namespace netstat

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return netstat::Init(env, exports); }

NODE_API_MODULE(netstat_native, InitModule)
