// The peer watch of the MPI binding (mpi_addon.cc): while the processes' MAIN threads meet in
// collectives at a block end (every rank parked), each process proves it is alive to the others
// by heartbeats, and a process waiting in a collective gives up — instead of waiting for ever —
// once another process has been silent for the silence limit. Liveness, not elapsed time, decides:
// a live process that is merely slow (process 0 writing a large state to a slow disk, summing the
// statistics of a big network) keeps sending heartbeats from this file's own thread however long
// its main thread is busy, so the others wait for it as long as it takes; a process frozen by
// SIGSTOP or gone with its host sends none, and the others name it one silence limit after its
// last beat (two limits after the watch began, for one never heard in this watch).
//
// Why a native thread: the busy process's main thread is inside a synchronous write or a long
// computation and cannot send anything; a thread of its own, which sleeps between beats, can.
// Thread level: MPI_THREAD_SERIALIZED forbids two threads inside MPI at once. The heartbeat thread
// only calls MPI while the watch is on (`Watching()`), which the main thread turns on only while
// every rank is parked, and every MPI call of either thread while the watch is on holds
// gWatchMutex — the main thread's for one MPI_Test at a time (WaitWatched), so a main thread that
// waits in a collective lets the beats through between its tests. Turning the watch off takes
// the mutex, so once Unwatch() returns the heartbeat thread is out of MPI until the next Watch():
// the rank threads' per-interval collectives never meet it and pay nothing for it but one
// relaxed atomic load per call.
//
// Heartbeats are 4-byte point-to-point messages on a duplicate of MPI_COMM_WORLD (so they never
// match the engine's traffic), carrying the watch's epoch: every process turns the watch on at the
// same points, so epochs agree, and a late beat from an earlier watch does not count as a sign of
// life now. At most one beat per peer is in flight (a frozen peer does not pile up requests).
#pragma once
#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace superspike_mpi {

using WatchClock = std::chrono::steady_clock;

// What a watched wait found when it gave up: the silent processes and for how long.
struct PeerSilence {
  std::vector<int> silent;   // processes without a sign of life for longer than the limit
  double silentSeconds = 0;  // the longest silence among them
  double waitedSeconds = 0;  // how long this process waited in the collective
};

class PeerWatch {
 public:
  static constexpr int kTag = 7717;

  // After MPI_Init (collective: every process calls init): the heartbeat communicator.
  int Setup(int rank, int size) {
    rank_ = rank;
    size_ = size;
    lastHeard_.assign(size, WatchClock::now());
    heard_.assign(size, false);
    sendBuffers_.assign(size, 0);
    requests_.assign(size, MPI_REQUEST_NULL);
    return MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
  }

  bool Watching() const { return watching_.load(std::memory_order_acquire); }
  std::mutex& Mutex() { return mutex_; }

  // Turns the watch on (the main thread, every rank parked): everyone counts as just heard from.
  void Watch(double silenceSeconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { BeatLoop(); });
    silenceSeconds_ = silenceSeconds;
    // A beat every quarter of the limit (at most a second apart): three may be lost or late.
    period_ = std::chrono::duration<double>(std::min(1.0, std::max(0.02, silenceSeconds / 4)));
    epoch_++;
    const auto now = WatchClock::now();
    for (auto& t : lastHeard_) t = now;
    heard_.assign(size_, false);
    watching_.store(true, std::memory_order_release);
    wake_.notify_all();
  }

  // Turns the watch off; when it returns, the heartbeat thread makes no MPI call until Watch().
  void Unwatch() {
    std::lock_guard<std::mutex> lock(mutex_);
    watching_.store(false, std::memory_order_release);
  }

  // Before MPI_Finalize (or with it never on): ends the heartbeat thread. The communicator is left
  // to MPI_Finalize (freeing it is collective, and finalize is the one point every process meets).
  void Shutdown() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      watching_.store(false, std::memory_order_release);
      stop_ = true;
      wake_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
    for (auto& r : requests_)
      if (r != MPI_REQUEST_NULL) MPI_Request_free(&r);
  }

  // Completes `request` while the watch is on, the caller holding `lock` (on Mutex()) and giving
  // it up between tests. Returns the MPI error code, or MPI_SUCCESS with `*silence` filled when a
  // peer stayed silent: the lowest-numbered process that is still heard gives up after one limit,
  // the others after two — the first one's MPI_Abort ends them before, so the job says it once.
  int Wait(MPI_Request* request, std::unique_lock<std::mutex>& lock, int spinMicros, int sleepMicros,
           PeerSilence* silence, bool* gaveUp) {
    *gaveUp = false;
    const auto start = WatchClock::now();
    auto lastLook = start;
    for (;;) {
      int done = 0;
      const int rc = MPI_Test(request, &done, MPI_STATUS_IGNORE);
      if (rc != MPI_SUCCESS || done) return rc;
      const auto now = WatchClock::now();
      if (now - lastLook >= std::chrono::milliseconds(10)) {
        lastLook = now;
        Drain(now);
        if (Silent(now, start, silence)) {
          *gaveUp = true;
          return MPI_SUCCESS;
        }
      }
      const double waited = std::chrono::duration<double, std::micro>(now - start).count();
      lock.unlock();
      if (waited >= spinMicros) {
        std::this_thread::sleep_for(std::chrono::microseconds(sleepMicros));
      } else {
        std::this_thread::yield();
      }
      lock.lock();
    }
  }

 private:
  void BeatLoop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      if (!watching_.load(std::memory_order_acquire)) {
        wake_.wait(lock);
        continue;
      }
      Beat();
      Drain(WatchClock::now());
      wake_.wait_for(lock, period_);
    }
  }

  // One beat to every peer whose previous beat has left (mutex held, watch on).
  void Beat() {
    for (int p = 0; p < size_; p++) {
      if (p == rank_) continue;
      if (requests_[p] != MPI_REQUEST_NULL) {
        int done = 0;
        if (MPI_Test(&requests_[p], &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) requests_[p] = MPI_REQUEST_NULL;
        else if (!done) continue;
      }
      sendBuffers_[p] = epoch_;
      // A failed send (the peer's host gone) is not retried as such: the peer is silent either way.
      if (MPI_Isend(&sendBuffers_[p], 1, MPI_INT, p, kTag, comm_, &requests_[p]) != MPI_SUCCESS) requests_[p] = MPI_REQUEST_NULL;
    }
  }

  // Receives every beat that arrived; one of this watch's epoch (or later) is a sign of life now.
  void Drain(WatchClock::time_point now) {
    for (;;) {
      int flag = 0;
      MPI_Status status;
      if (MPI_Iprobe(MPI_ANY_SOURCE, kTag, comm_, &flag, &status) != MPI_SUCCESS || !flag) return;
      int epoch = 0;
      MPI_Recv(&epoch, 1, MPI_INT, status.MPI_SOURCE, kTag, comm_, MPI_STATUS_IGNORE);
      if (epoch >= epoch_ && status.MPI_SOURCE >= 0 && status.MPI_SOURCE < size_) {
        lastHeard_[status.MPI_SOURCE] = now;
        heard_[status.MPI_SOURCE] = true;
      }
    }
  }

  // A peer heard in this watch and then silent for the limit has stopped. One not heard at all
  // yet may still be on its way (its ranks flushing their files after the block's last exchange,
  // under its own rank watchdog, which names a hang there itself within --hang-timeout): it is
  // given two limits from the watch's start.
  bool Silent(WatchClock::time_point now, WatchClock::time_point start, PeerSilence* out) {
    PeerSilence found;
    int reporter = -1;
    double beyond = 0;  // how far the longest silence is past its allowance
    for (int p = 0; p < size_; p++) {
      const double quiet = p == rank_ ? 0 : std::chrono::duration<double>(now - lastHeard_[p]).count();
      const double allowed = heard_[p] ? silenceSeconds_ : 2 * silenceSeconds_;
      if (quiet > allowed) {
        found.silent.push_back(p);
        found.silentSeconds = std::max(found.silentSeconds, quiet);
        beyond = std::max(beyond, quiet - allowed);
      } else if (reporter < 0) {
        reporter = p;
      }
    }
    if (found.silent.empty()) return false;
    if (reporter != rank_ && beyond <= silenceSeconds_) return false;
    found.waitedSeconds = std::chrono::duration<double>(now - start).count();
    *out = found;
    return true;
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
  std::atomic<bool> watching_{false};
  bool stop_ = false;
  int rank_ = 0, size_ = 0, epoch_ = 0;
  double silenceSeconds_ = 10;
  std::chrono::duration<double> period_{1.0};
  MPI_Comm comm_ = MPI_COMM_NULL;
  std::vector<WatchClock::time_point> lastHeard_;
  std::vector<bool> heard_;  // a beat of this watch's epoch has come from the process
  std::vector<int> sendBuffers_;
  std::vector<MPI_Request> requests_;
};

}  // namespace superspike_mpi
