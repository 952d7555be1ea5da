// superspike's MPI binding: a small Node-API addon (node-addon-api, no C++ exceptions) over the
// system's MPI (OpenMPI or MPICH), built by scripts/build-mpi.mjs into build/mpi.node.
//
// It binds only what the engine's process-level exchange needs: init/finalize with an explicit
// thread level, rank/size, barrier, allgatherv/gatherv/bcast of bytes, int32 allgather/allreduce,
// abort and wtime, the wait policy of the per-interval collectives, and the peer watch of the
// block-end collectives (peer_watch.h: heartbeats, so that a frozen process cannot hang the
// others' main threads for ever), and deadlines on MPI_Init and MPI_Finalize themselves (deadline_watch.h). Byte collectives write in place into caller-provided typed arrays (any view:
// the view's byte offset and byte length are used), so a call allocates nothing: the engine calls
// allgatherv every 0.8 ms of simulated time.
//
// Node-API addons are context-aware: each worker thread that requires the module gets its own
// exports object, but the state below is process-wide (MPI is initialised once per process), so
// `init` is idempotent and safe to call from any thread. Misuse of the provided thread level
// (two threads inside MPI at once under SERIALIZED, a non-init thread under SINGLE/FUNNELED) is
// detected and thrown as a JS error instead of becoming undefined behaviour.
#include <dlfcn.h>
#include <mpi.h>
#include <napi.h>

#include "deadline_watch.h"
#include "js_args.h"
#include "peer_watch.h"

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <time.h>

namespace {

using namespace superspike_mpi;

const char* const kThreadLevelNames[] = {"single", "funneled", "serialized", "multiple"};
const int kThreadLevels[] = {MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED, MPI_THREAD_SERIALIZED,
                             MPI_THREAD_MULTIPLE};

// ---- process-wide state (shared by every Node environment / worker thread) ----
std::mutex gInitMutex;                 // serialises init/finalize
std::atomic<bool> gReady{false};       // initialised by us and not yet finalized
int gRank = -1, gSize = 0, gProvided = MPI_THREAD_SINGLE;
std::string gProcessorName;
std::thread::id gInitThread;           // the MPI "main thread"
std::atomic<int> gCallsInFlight{0};    // threads currently inside an MPI call
// Wait policy of allgatherv/allgatherInt32 (setWaitPolicy). Spin < 0: the blocking collective,
// which in OpenMPI and MPICH polls at full speed until the last process arrives — the fastest
// when every process has a core. Spin >= 0: the nonblocking collective, tested for `spin` µs and
// then between sleeps of `sleep` µs, so a process that waits gives its core to the ones still
// computing when the cores are oversubscribed (docs/mpi.md, "Waiting politely").
std::atomic<int> gPoliteSpinMicros{-1};
std::atomic<int> gPoliteSleepMicros{50};
// The block-end watch (peer_watch.h): on only while every rank is parked, set by the main thread.
PeerWatch gWatch;
// A watched wait spins this long before it sleeps when no polite policy is set (the blocking mode).
constexpr int kWatchedSpinMicros = 1000;

const char* LevelName(int level) {
  for (int i = 0; i < 4; i++)
    if (kThreadLevels[i] == level) return kThreadLevelNames[i];
  return "unknown";
}

std::string MpiErrorText(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return std::string(text, len);
}

// Throws a JS Error "superspike mpi: <what>: <MPI_Error_string>" and returns false on failure.
bool Check(Napi::Env env, int code, const char* what) {
  if (code == MPI_SUCCESS) return true;
  Napi::Error::New(env, std::string("superspike mpi: ") + what + ": " + MpiErrorText(code))
      .ThrowAsJavaScriptException();
  return false;
}

// Completes a nonblocking request under the polite wait policy: MPI_Test (which also drives the
// progress of the collective) for the spin budget, then between short sleeps.
int WaitPolitely(MPI_Request* request, int spinMicros, int sleepMicros) {
  const double start = MPI_Wtime();
  for (;;) {
    int done = 0;
    const int rc = MPI_Test(request, &done, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS || done) return rc;
    if ((MPI_Wtime() - start) * 1e6 >= spinMicros) {
      struct timespec pause = {0, static_cast<long>(sleepMicros) * 1000L};
      nanosleep(&pause, nullptr);
    }
  }
}

// Guards one MPI call: MPI must be initialised and the provided thread level respected.
class CallGuard {
 public:
  CallGuard(Napi::Env env, const char* fn) {
    if (!gReady.load(std::memory_order_acquire)) {
      ThrowError(env, std::string(fn) + ": MPI is not initialised (call init first) or already finalized");
      return;
    }
    if (gProvided <= MPI_THREAD_FUNNELED && std::this_thread::get_id() != gInitThread) {
      ThrowError(env, std::string(fn) + ": called from a thread other than the one that called init, "
                      "but the provided thread level is " + LevelName(gProvided));
      return;
    }
    // While the watch is on, the heartbeat thread may call MPI too: every call holds its mutex.
    if (gWatch.Watching()) watchLock_ = std::unique_lock<std::mutex>(gWatch.Mutex());
    entered_ = true;
    if (gCallsInFlight.fetch_add(1, std::memory_order_acq_rel) != 0 && gProvided < MPI_THREAD_MULTIPLE) {
      ThrowError(env, std::string(fn) + ": another thread is inside an MPI call at the same time, "
                      "but the provided thread level is " + LevelName(gProvided));
      return;
    }
    ok_ = true;
  }
  ~CallGuard() {
    if (entered_) gCallsInFlight.fetch_sub(1, std::memory_order_acq_rel);
  }
  bool ok() const { return ok_; }
  // True when this call runs under the peer watch (its collective must then be completed by Complete).
  bool watched() const { return watchLock_.owns_lock(); }
  std::unique_lock<std::mutex>& watchLock() { return watchLock_; }

 private:
  std::unique_lock<std::mutex> watchLock_;
  bool entered_ = false, ok_ = false;
};

// Completes a nonblocking collective begun under the peer watch. A peer's silence throws an Error
// whose fields (silentProcesses, silentSeconds, waitedSeconds, call) let the engine name the
// absent process; the collective is left pending, as the job is about to be aborted.
bool CompleteWatched(Napi::Env env, CallGuard& guard, MPI_Request* request, const char* fn) {
  const int spin = gPoliteSpinMicros.load(std::memory_order_relaxed);
  PeerSilence silence;
  bool gaveUp = false;
  const int rc = gWatch.Wait(request, guard.watchLock(), spin < 0 ? kWatchedSpinMicros : spin,
                             gPoliteSleepMicros.load(std::memory_order_relaxed), &silence, &gaveUp);
  if (!Check(env, rc, fn)) return false;
  if (!gaveUp) return true;
  std::string who;
  Napi::Array silent = Napi::Array::New(env, silence.silent.size());
  for (size_t i = 0; i < silence.silent.size(); i++) {
    who += (i == 0 ? "process " : ", ") + std::to_string(silence.silent[i]);
    silent.Set(static_cast<uint32_t>(i), silence.silent[i]);
  }
  Napi::Error error = Napi::Error::New(env, std::string("superspike mpi: ") + fn + ": no sign of life from " + who +
                                                " for " + std::to_string(silence.silentSeconds) + " s");
  error.Value().Set("silentProcesses", silent);
  error.Value().Set("silentSeconds", silence.silentSeconds);
  error.Value().Set("waitedSeconds", silence.waitedSeconds);
  error.Value().Set("call", fn);
  error.ThrowAsJavaScriptException();
  return false;
}

// Completes a nonblocking collective of the per-interval kind: watched (CompleteWatched) while the
// peer watch is on, else under the polite wait policy with the spin the caller read (setWaitPolicy).
bool Complete(Napi::Env env, CallGuard& guard, MPI_Request* request, const char* fn, int spin) {
  if (guard.watched()) return CompleteWatched(env, guard, request, fn);
  const int rc = WaitPolitely(request, spin, gPoliteSleepMicros.load(std::memory_order_relaxed));
  return rc == MPI_SUCCESS || Check(env, rc, (std::string("MPI_Test (") + fn + ")").c_str());
}

// Before MPI_Init: make libmpi's symbols global. Node loads addons with RTLD_LOCAL, and MPI
// implementations that dlopen their own plugins (OpenMPI's mca_*.so) need libmpi's symbols to be
// visible to them (mpi4py does the same promotion).
void PromoteLibMpiToGlobal() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&MPI_Init_thread), &info) != 0 && info.dli_fname != nullptr)
    dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
}

Napi::Object InfoObject(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("rank", gRank);
  o.Set("size", gSize);
  o.Set("providedThreadLevel", LevelName(gProvided));
  o.Set("processorName", gProcessorName);
  return o;
}

// A deadline argument { seconds, message } at info[index] (absent, undefined or null: none).
struct Deadline {
  double seconds = 0;
  std::string message;
};

bool ParseDeadline(Napi::Env env, const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name, Deadline* out) {
  if (info.Length() <= index || info[index].IsUndefined() || info[index].IsNull()) return true;
  const std::string where = std::string(fn) + ": " + name;
  if (!info[index].IsObject()) { ThrowType(env, where + " must be an object { seconds, message }"); return false; }
  Napi::Object limit = info[index].As<Napi::Object>();
  Napi::Value seconds = limit.Get("seconds");
  Napi::Value message = limit.Get("message");
  if (!seconds.IsNumber() || !message.IsString()) { ThrowType(env, where + " needs a number 'seconds' and a string 'message'"); return false; }
  out->seconds = seconds.As<Napi::Number>().DoubleValue();
  out->message = message.As<Napi::String>().Utf8Value();
  return true;
}

// init(threadLevel) -> { rank, size, providedThreadLevel, processorName }. Idempotent.
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int required = -1;
  if (info.Length() >= 1 && info[0].IsString()) {
    std::string name = info[0].As<Napi::String>().Utf8Value();
    for (int i = 0; i < 4; i++)
      if (name == kThreadLevelNames[i]) required = kThreadLevels[i];
  }
  if (required < 0) { ThrowType(env, "init: threadLevel must be 'single', 'funneled', 'serialized' or 'multiple'"); return env.Undefined(); }
  // Optional deadline on MPI_Init (deadline_watch.h): { seconds, message }.
  Deadline deadline;
  if (!ParseDeadline(env, info, 1, "init", "joinLimit", &deadline)) return env.Undefined();
  std::lock_guard<std::mutex> lock(gInitMutex);
  if (gReady.load()) return InfoObject(env);
  int flag = 0;
  MPI_Finalized(&flag);
  if (flag) { ThrowError(env, "init: MPI was already finalized in this process; it cannot be initialised again"); return env.Undefined(); }
  MPI_Initialized(&flag);
  PromoteLibMpiToGlobal();
  int provided = MPI_THREAD_SINGLE;
  if (!flag) {
    const int code = WithDeadline(deadline.seconds, deadline.message, [&] { return MPI_Init_thread(nullptr, nullptr, required, &provided); });
    if (!Check(env, code, "MPI_Init_thread")) return env.Undefined();
  } else if (!Check(env, MPI_Query_thread(&provided), "MPI_Query_thread")) {
    return env.Undefined();
  }
  // Errors become return codes (then JS exceptions) instead of MPI's default abort.
  if (!Check(env, MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler") ||
      !Check(env, MPI_Comm_rank(MPI_COMM_WORLD, &gRank), "MPI_Comm_rank") ||
      !Check(env, MPI_Comm_size(MPI_COMM_WORLD, &gSize), "MPI_Comm_size") ||
      !Check(env, gWatch.Setup(gRank, gSize), "MPI_Comm_dup (heartbeats)"))
    return env.Undefined();
  char name[MPI_MAX_PROCESSOR_NAME];
  int nameLength = 0;
  if (!Check(env, MPI_Get_processor_name(name, &nameLength), "MPI_Get_processor_name")) return env.Undefined();
  gProcessorName.assign(name, nameLength);
  gProvided = provided;
  gInitThread = std::this_thread::get_id();
  gReady.store(true, std::memory_order_release);
  return InfoObject(env);
}

Napi::Value Initialized(const Napi::CallbackInfo& info) {
  int flag = 0;
  MPI_Initialized(&flag);
  return Napi::Boolean::New(info.Env(), flag != 0);
}

Napi::Value Finalized(const Napi::CallbackInfo& info) {
  int flag = 0;
  MPI_Finalized(&flag);
  return Napi::Boolean::New(info.Env(), flag != 0);
}

Napi::Value IsThreadMain(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), gReady.load() && std::this_thread::get_id() == gInitThread);
}

// finalize(limit?): idempotent; a no-op when MPI was never initialised by init().
Napi::Value Finalize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // Optional deadline on MPI_Finalize (deadline_watch.h): { seconds, message }.
  Deadline deadline;
  if (!ParseDeadline(env, info, 0, "finalize", "limit", &deadline)) return env.Undefined();
  std::lock_guard<std::mutex> lock(gInitMutex);
  if (!gReady.load()) return env.Undefined();
  gWatch.Shutdown();  // before the guard: no heartbeat thread may outlive MPI
  {
    CallGuard guard(env, "finalize");
    if (!guard.ok()) return env.Undefined();
    gReady.store(false, std::memory_order_release);
    const int code = WithDeadline(deadline.seconds, deadline.message, [] { return MPI_Finalize(); });
    if (!Check(env, code, "MPI_Finalize")) return env.Undefined();
  }
  return env.Undefined();
}

Napi::Value Rank(const Napi::CallbackInfo& info) {
  if (!gReady.load()) { ThrowError(info.Env(), "rank: MPI is not initialised"); return info.Env().Undefined(); }
  return Napi::Number::New(info.Env(), gRank);
}

Napi::Value Size(const Napi::CallbackInfo& info) {
  if (!gReady.load()) { ThrowError(info.Env(), "size: MPI is not initialised"); return info.Env().Undefined(); }
  return Napi::Number::New(info.Env(), gSize);
}

Napi::Value Wtime(const Napi::CallbackInfo& info) {
  CallGuard guard(info.Env(), "wtime");
  if (!guard.ok()) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), MPI_Wtime());
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CallGuard guard(env, "barrier");
  if (!guard.ok()) return env.Undefined();
  if (guard.watched()) {
    MPI_Request request;
    if (Check(env, MPI_Ibarrier(MPI_COMM_WORLD, &request), "MPI_Ibarrier")) CompleteWatched(env, guard, &request, "barrier");
  } else {
    Check(env, MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
  }
  return env.Undefined();
}

// allgatherv(send, recv, counts, displs): counts/displs in bytes, one per process.
Napi::Value Allgatherv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "allgatherv";
  CallGuard guard(env, fn);
  if (!guard.ok()) return env.Undefined();
  Bytes send, recv;
  int *counts = nullptr, *displs = nullptr;
  if (info.Length() < 4 || !GetBytes(env, info[0], fn, "send", &send) || !GetBytes(env, info[1], fn, "recv", &recv) ||
      !GetInt32s(env, info[2], fn, "counts", gSize, &counts) || !GetInt32s(env, info[3], fn, "displs", gSize, &displs) ||
      !CheckLayout(env, fn, recv, counts, displs, gSize))
    return env.Undefined();
  if (send.length != static_cast<size_t>(counts[gRank])) {
    ThrowType(env, std::string(fn) + ": send has " + std::to_string(send.length) + " bytes but counts[" +
                       std::to_string(gRank) + "] is " + std::to_string(counts[gRank]));
    return env.Undefined();
  }
  const void* sendPtr = nullptr;
  if (!SendPointer(env, fn, send, recv, displs[gRank], &sendPtr)) return env.Undefined();
  const int spin = gPoliteSpinMicros.load(std::memory_order_relaxed);
  if (spin < 0 && !guard.watched()) {
    Check(env, MPI_Allgatherv(sendPtr, counts[gRank], MPI_BYTE, recv.data, counts, displs, MPI_BYTE, MPI_COMM_WORLD),
          "MPI_Allgatherv");
  } else {
    MPI_Request request;
    if (Check(env, MPI_Iallgatherv(sendPtr, counts[gRank], MPI_BYTE, recv.data, counts, displs, MPI_BYTE, MPI_COMM_WORLD,
                                   &request), "MPI_Iallgatherv"))
      Complete(env, guard, &request, fn, spin);
  }
  return env.Undefined();
}

// gatherv(send, recv | null, counts | null, displs | null, root): recv/counts/displs matter at root only.
Napi::Value Gatherv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "gatherv";
  CallGuard guard(env, fn);
  if (!guard.ok()) return env.Undefined();
  Bytes send, recv;
  int root = 0;
  int *counts = nullptr, *displs = nullptr;
  if (info.Length() < 5 || !GetBytes(env, info[0], fn, "send", &send) || !GetRoot(env, info[4], fn, gSize, &root))
    return env.Undefined();
  const void* sendPtr = send.data;
  if (gRank == root) {
    if (!GetBytes(env, info[1], fn, "recv", &recv) || !GetInt32s(env, info[2], fn, "counts", gSize, &counts) ||
        !GetInt32s(env, info[3], fn, "displs", gSize, &displs) || !CheckLayout(env, fn, recv, counts, displs, gSize))
      return env.Undefined();
    if (send.length != static_cast<size_t>(counts[gRank])) {
      ThrowType(env, std::string(fn) + ": at the root, send has " + std::to_string(send.length) + " bytes but counts[root] is " + std::to_string(counts[gRank]));
      return env.Undefined();
    }
    if (!SendPointer(env, fn, send, recv, displs[gRank], &sendPtr)) return env.Undefined();
  }
  if (guard.watched()) {
    MPI_Request request;
    if (Check(env, MPI_Igatherv(sendPtr, static_cast<int>(send.length), MPI_BYTE, recv.data, counts, displs, MPI_BYTE,
                                root, MPI_COMM_WORLD, &request), "MPI_Igatherv"))
      CompleteWatched(env, guard, &request, fn);
    return env.Undefined();
  }
  Check(env, MPI_Gatherv(sendPtr, static_cast<int>(send.length), MPI_BYTE, recv.data, counts, displs, MPI_BYTE, root,
                         MPI_COMM_WORLD), "MPI_Gatherv");
  return env.Undefined();
}

// bcast(buf, root): the root's bytes overwrite buf on every other process (same length everywhere).
Napi::Value Bcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "bcast";
  CallGuard guard(env, fn);
  if (!guard.ok()) return env.Undefined();
  Bytes buf;
  int root = 0;
  if (info.Length() < 2 || !GetBytes(env, info[0], fn, "buf", &buf) || !GetRoot(env, info[1], fn, gSize, &root))
    return env.Undefined();
  if (guard.watched()) {
    MPI_Request request;
    if (Check(env, MPI_Ibcast(buf.data, static_cast<int>(buf.length), MPI_BYTE, root, MPI_COMM_WORLD, &request), "MPI_Ibcast"))
      CompleteWatched(env, guard, &request, fn);
    return env.Undefined();
  }
  Check(env, MPI_Bcast(buf.data, static_cast<int>(buf.length), MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
  return env.Undefined();
}

// allgatherInt32(value, out): out[i] = value of process i.
Napi::Value AllgatherInt32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "allgatherInt32";
  CallGuard guard(env, fn);
  if (!guard.ok()) return env.Undefined();
  int value = 0;
  int* out = nullptr;
  if (info.Length() < 2 || !GetInt(env, info[0], fn, "value", &value) || !GetInt32s(env, info[1], fn, "out", gSize, &out))
    return env.Undefined();
  const int spin = gPoliteSpinMicros.load(std::memory_order_relaxed);
  if (spin < 0 && !guard.watched()) {
    Check(env, MPI_Allgather(&value, 1, MPI_INT, out, 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
  } else {
    MPI_Request request;
    if (Check(env, MPI_Iallgather(&value, 1, MPI_INT, out, 1, MPI_INT, MPI_COMM_WORLD, &request), "MPI_Iallgather"))
      Complete(env, guard, &request, fn, spin);
  }
  return env.Undefined();
}

// setWaitPolicy(spinMicros, sleepMicros): spinMicros < 0 restores the blocking collectives.
Napi::Value SetWaitPolicy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int spin = -1, sleep = 50;
  if (info.Length() < 2 || !GetInt(env, info[0], "setWaitPolicy", "spinMicros", &spin) ||
      !GetInt(env, info[1], "setWaitPolicy", "sleepMicros", &sleep))
    return env.Undefined();
  if (sleep < 1 || sleep > 100000) { ThrowType(env, "setWaitPolicy: sleepMicros must be 1..100000"); return env.Undefined(); }
  gPoliteSleepMicros.store(sleep, std::memory_order_relaxed);
  gPoliteSpinMicros.store(spin < 0 ? -1 : spin, std::memory_order_relaxed);
  return env.Undefined();
}

// allreduceInt32(value, op: 'max' | 'min' | 'sum') -> number (sum must not overflow int32).
Napi::Value AllreduceInt32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* fn = "allreduceInt32";
  CallGuard guard(env, fn);
  if (!guard.ok()) return env.Undefined();
  int value = 0;
  if (info.Length() < 2 || !GetInt(env, info[0], fn, "value", &value)) return env.Undefined();
  char opName[8] = {0};
  size_t opLength = 0;
  MPI_Op op = MPI_OP_NULL;
  if (info[1].IsString() && napi_get_value_string_utf8(env, info[1], opName, sizeof opName, &opLength) == napi_ok) {
    if (std::strcmp(opName, "max") == 0) op = MPI_MAX;
    else if (std::strcmp(opName, "min") == 0) op = MPI_MIN;
    else if (std::strcmp(opName, "sum") == 0) op = MPI_SUM;
  }
  if (op == MPI_OP_NULL) { ThrowType(env, "allreduceInt32: op must be 'max', 'min' or 'sum'"); return env.Undefined(); }
  int result = 0;
  if (guard.watched()) {
    MPI_Request request;
    if (!Check(env, MPI_Iallreduce(&value, &result, 1, MPI_INT, op, MPI_COMM_WORLD, &request), "MPI_Iallreduce") ||
        !CompleteWatched(env, guard, &request, fn))
      return env.Undefined();
    return Napi::Number::New(env, result);
  }
  if (!Check(env, MPI_Allreduce(&value, &result, 1, MPI_INT, op, MPI_COMM_WORLD), "MPI_Allreduce")) return env.Undefined();
  return Napi::Number::New(env, result);
}

// abort(code): ends every process of the job (MPI_Abort on MPI_COMM_WORLD); does not return.
Napi::Value Abort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int code = 1;
  if (info.Length() >= 1 && !GetInt(env, info[0], "abort", "code", &code)) return env.Undefined();
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) { ThrowError(env, "abort: MPI is not initialised (or already finalized)"); return env.Undefined(); }
  gWatch.Unwatch();  // the heartbeat thread out of MPI: MPI_Abort is this thread's alone
  MPI_Abort(MPI_COMM_WORLD, code);
  return env.Undefined();
}

// watchPeers(silenceSeconds): the main thread, every rank parked, turns the peer watch on
// (peer_watch.h): from now on every collective of this process waits watched, and gives up with a
// silence error once another process has sent no heartbeat for silenceSeconds. Every process
// turns it on and off at the same points.
Napi::Value WatchPeers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!gReady.load()) { ThrowError(env, "watchPeers: MPI is not initialised"); return env.Undefined(); }
  if (info.Length() < 1 || !info[0].IsNumber() || !(info[0].As<Napi::Number>().DoubleValue() > 0)) {
    ThrowType(env, "watchPeers: silenceSeconds must be a positive number");
    return env.Undefined();
  }
  if (gProvided < MPI_THREAD_SERIALIZED) { ThrowError(env, "watchPeers: needs thread level serialized (a heartbeat thread calls MPI)"); return env.Undefined(); }
  gWatch.Watch(info[0].As<Napi::Number>().DoubleValue());
  return env.Undefined();
}

// unwatchPeers(): off again (before the ranks run: their collectives must not meet the beats).
Napi::Value UnwatchPeers(const Napi::CallbackInfo& info) {
  gWatch.Unwatch();
  return info.Env().Undefined();
}

// watchingPeers() -> whether the peer watch is on.
Napi::Value WatchingPeers(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), gWatch.Watching());
}

std::string LibraryVersion() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  if (MPI_Get_library_version(text, &len) != MPI_SUCCESS) return "unknown";
  std::string s(text, len);
  size_t end = s.find_first_of("\r\n,");  // first line / clause only ("Open MPI v4.1.4", "MPICH Version: 4.0.2")
  return end == std::string::npos ? s : s.substr(0, end);
}

Napi::Object ModuleInit(Napi::Env env, Napi::Object exports) {
  Napi::Array names = Napi::Array::New(env, 4);
  for (uint32_t i = 0; i < 4; i++) names.Set(i, kThreadLevelNames[i]);
  names.Freeze();
  exports.Set("threadLevelNames", names);
  exports.Set("libraryVersion", LibraryVersion());
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("initialized", Napi::Function::New(env, Initialized, "initialized"));
  exports.Set("finalized", Napi::Function::New(env, Finalized, "finalized"));
  exports.Set("isThreadMain", Napi::Function::New(env, IsThreadMain, "isThreadMain"));
  exports.Set("finalize", Napi::Function::New(env, Finalize, "finalize"));
  exports.Set("rank", Napi::Function::New(env, Rank, "rank"));
  exports.Set("size", Napi::Function::New(env, Size, "size"));
  exports.Set("wtime", Napi::Function::New(env, Wtime, "wtime"));
  exports.Set("barrier", Napi::Function::New(env, Barrier, "barrier"));
  exports.Set("allgatherv", Napi::Function::New(env, Allgatherv, "allgatherv"));
  exports.Set("gatherv", Napi::Function::New(env, Gatherv, "gatherv"));
  exports.Set("bcast", Napi::Function::New(env, Bcast, "bcast"));
  exports.Set("allgatherInt32", Napi::Function::New(env, AllgatherInt32, "allgatherInt32"));
  exports.Set("allreduceInt32", Napi::Function::New(env, AllreduceInt32, "allreduceInt32"));
  exports.Set("abort", Napi::Function::New(env, Abort, "abort"));
  exports.Set("setWaitPolicy", Napi::Function::New(env, SetWaitPolicy, "setWaitPolicy"));
  exports.Set("watchPeers", Napi::Function::New(env, WatchPeers, "watchPeers"));
  exports.Set("unwatchPeers", Napi::Function::New(env, UnwatchPeers, "unwatchPeers"));
  exports.Set("watchingPeers", Napi::Function::New(env, WatchingPeers, "watchingPeers"));
  return exports;
}

}  // namespace

NODE_API_MODULE(superspike_mpi, ModuleInit)
