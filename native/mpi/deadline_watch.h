// The deadline watch of the MPI binding (mpi_addon.cc): a limit on the two MPI calls where every
// process of a job waits for every other and no communicator exists to watch them with — MPI_Init
// and MPI_Finalize.
//
// MPI_Init is where the processes first meet (the launcher's exchange of addresses waits for every
// process to arrive) and it has no timeout of its own: a process that froze before it (SIGSTOP, a
// host that stopped answering, a node hung on a network file system) leaves every other process
// in MPI_Init for ever, and the launcher, which sees live processes, waits with them. The peer
// watch (peer_watch.h) cannot help there: it needs the communicator that MPI_Init creates.
// MPI_Finalize is the same at the other end: Open MPI's waits for every process (a fence), so one
// that froze after the run's last watched barrier (mpi-session.ts) leaves the others in it for
// ever, and the peer watch is already off — its heartbeat thread may not call MPI any more.
//
// So a thread of its own waits beside the call: if it has not returned within the limit, the
// thread writes the caller's one-line message to stderr and ends this process with exit code 1
// (no MPI call is possible then); the launcher, seeing a process exit without finalising, ends the
// job. A process that is merely slow is not told apart from one that froze — hence limits well
// above a normal start or end (mpi-session.ts). When the call returns in time the thread is woken
// and joined: nothing outlives the call.
#pragma once
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace superspike_mpi {

// Longest deadline honoured (a year): a longer one would overflow the clock's duration.
constexpr double kMaxDeadlineSeconds = 365.0 * 24 * 3600;

// Runs `call` (MPI_Init or MPI_Finalize) with a deadline of `seconds`; `seconds` <= 0 (or NaN)
// runs it unwatched.
template <typename Call>
int WithDeadline(double seconds, const std::string& message, Call call) {
  if (!(seconds > 0)) return call();
  if (seconds > kMaxDeadlineSeconds) seconds = kMaxDeadlineSeconds;
  std::mutex mutex;
  std::condition_variable returned;
  bool done = false;
  std::thread watch([&] {
    std::unique_lock<std::mutex> lock(mutex);
    const auto limit = std::chrono::duration<double>(seconds);
    if (returned.wait_for(lock, limit, [&] { return done; })) return;
    const std::string line = message + "\n";
    // write(2), not stdio: the main thread is inside MPI and may hold stdio's locks.
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
