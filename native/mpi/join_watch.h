// The join watch of the MPI binding (mpi_addon.cc): a deadline on MPI_Init. MPI_Init is where the
// processes of a job first meet — the launcher's exchange of addresses waits for every process
// to arrive — and it has no timeout of its own: a process that froze before it (SIGSTOP, a host
// that stopped answering, a node hung on a network file system) leaves every other process in
// MPI_Init for ever, and the launcher, which sees live processes, waits with them. The peer watch
// (peer_watch.h) cannot help there: it needs the communicator that MPI_Init creates.
//
// So a thread of its own waits beside MPI_Init: if MPI_Init has not returned within the limit,
// it writes the caller's one-line message to stderr and ends this process with exit code 1 (no
// MPI call is possible then); the launcher, seeing a process exit without finalising, ends the
// job. A process that merely starts slowly is not told apart from one that froze — hence a limit
// well above a normal start (mpi-session.ts: the run's --hang-timeout, at least 10 s; 60 s
// under auto). When MPI_Init returns in time the thread is woken and joined: nothing outlives
// the call.
#pragma once
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace superspike_mpi {

// Longest deadline honoured (a year): a longer one would overflow the clock's duration.
constexpr double kMaxJoinSeconds = 365.0 * 24 * 3600;

// Runs `call` (MPI_Init) with a deadline of `seconds`; `seconds` <= 0 (or NaN) runs it unwatched.
template <typename Call>
int WithJoinDeadline(double seconds, const std::string& message, Call call) {
  if (!(seconds > 0)) return call();
  if (seconds > kMaxJoinSeconds) seconds = kMaxJoinSeconds;
  std::mutex mutex;
  std::condition_variable returned;
  bool done = false;
  std::thread watch([&] {
    std::unique_lock<std::mutex> lock(mutex);
    const auto limit = std::chrono::duration<double>(seconds);
    if (returned.wait_for(lock, limit, [&] { return done; })) return;
    const std::string line = message + "\n";
    // write(2), not stdio: the main thread is inside MPI_Init and may hold stdio's locks.
    ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
    _exit(1);
  });
  const int code = call();
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  returned.notify_one();
  watch.join();
  return code;
}

}  // namespace superspike_mpi
