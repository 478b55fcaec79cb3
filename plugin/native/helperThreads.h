// Helper threads for the elementwise loops and per-channel sums (elementwise.cc, normalization.cc,
// channelLoops.h) that never make the caller wait for a helper that is not running.
//
// An OpenMP parallel region ends with a barrier: the calling thread waits until every worker has
// been scheduled and has finished its share. On a machine whose cores are busy with other
// processes a woken worker can wait a whole scheduler slice (milliseconds) for a core, and a
// 0.2 ms loop then takes 10 ms (measured here under load, scratch profile). Here the caller
// splits the loop into small chunks and takes them itself; a helper that wakes up in time takes
// chunks too. When the chunks are gone the caller waits only for helpers that are in the middle
// of one (a few microseconds of work), not for helpers that have not started.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include <omp.h>

namespace scanselect {

class HelperThreads {
 public:
  /** The process-wide helpers (created on first use, never destroyed: threads outlive statics). */
  static HelperThreads& instance() {
    static HelperThreads* helpers = new HelperThreads();
    return *helpers;
  }

  /**
   * Runs body(begin, end) over [0, count) in chunks of `chunk` elements, with up to `helpers`
   * helper threads joining (0: none). Returns when every chunk is done.
   */
  template <typename Body>
  void run(int64_t count, int64_t chunk, int helpers, Body& body) {
    std::unique_lock<std::mutex> single(callers_, std::try_to_lock);
    if (helpers <= 0 || count <= chunk || !single.owns_lock()) {
      body(int64_t{0}, count);  // one loop at a time (addon instances in several worker threads)
      return;
    }
    ensure(helpers);
    Job job;
    job.count = count;
    job.chunk = chunk;
    job.body = &body;
    job.call = [](void* b, int64_t begin, int64_t end) { (*static_cast<Body*>(b))(begin, end); };
    job_.store(&job);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++generation_;
      wanted_ = helpers;
    }
    wake_.notify_all();
    work(job);
    // Helpers that join from now on find no job; wait only for those inside it.
    job_.store(nullptr);
    while (inside_.load() != 0) std::this_thread::yield();
  }

 private:
  struct Job {
    std::atomic<int64_t> next{0};
    int64_t count = 0, chunk = 1;
    void* body = nullptr;
    void (*call)(void*, int64_t, int64_t) = nullptr;
  };

  static void work(Job& job) {
    for (int64_t begin; (begin = job.next.fetch_add(job.chunk)) < job.count;) {
      job.call(job.body, begin, std::min(job.count, begin + job.chunk));
    }
  }

  void ensure(int helpers) {
    while (static_cast<int>(threads_.size()) < helpers) {
      const int index = static_cast<int>(threads_.size());
      threads_.emplace_back([this, index] { loop(index); });
      threads_.back().detach();
    }
  }

  void loop(int index) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen && index < wanted_; });
        seen = generation_;
      }
      inside_.fetch_add(1);
      Job* job = job_.load();
      if (job != nullptr) work(*job);
      inside_.fetch_sub(1);
    }
  }

  std::mutex callers_;
  std::atomic<Job*> job_{nullptr};
  std::atomic<int> inside_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  uint64_t generation_ = 0;
  int wanted_ = 0;
  std::vector<std::thread> threads_;
};

/**
 * At most this many threads in all for {@link parallelRanges} (0: OpenMP's maximum, i.e.
 * OMP_NUM_THREADS or the cores); set by elementwise.cc `elementwiseThreads`.
 */
inline int& parallelThreadLimit() {
  static int limit = 0;
  return limit;
}

/**
 * Elements per chunk of the loops: helper threads take chunks when they are awake; a loop of one
 * chunk or less runs on the calling thread alone.
 */
constexpr int64_t kParallelChunk = int64_t{1} << 14;

/** Runs body(begin, end) over [0, count) in pieces of `chunk`, on the calling and helper threads. */
template <typename Body>
void parallelRanges(int64_t count, int64_t chunk, Body body) {
  const int threads = parallelThreadLimit() > 0 ? parallelThreadLimit() : omp_get_max_threads();
  HelperThreads::instance().run(count, chunk, threads - 1, body);
}

}  // namespace scanselect
