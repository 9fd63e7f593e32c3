#pragma once
// Runs jobs 0..n-1 on up to `workers` threads and hands each result to `emit` on the calling
// thread, in job order, as soon as that job and every job before it are done. What a parallel
// run prints is then what the serial run prints, only sooner.
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace mcpsim::sim::scenario {

template <typename Result>
void runInOrder(std::size_t n, std::size_t workers, const std::function<Result(std::size_t)>& job,
                const std::function<void(Result&&)>& emit) {
    std::mutex mutex;
    std::condition_variable ready;
    std::vector<std::optional<Result>> results(n);
    std::vector<std::exception_ptr> errors(n);
    std::vector<bool> done(n, false);
    std::size_t next = 0;
    auto work = [&] {
        for (;;) {
            std::size_t i;
            {
                std::lock_guard lock(mutex);
                if (next == n) return;
                i = next++;
            }
            std::optional<Result> r;
            std::exception_ptr error;
            try {
                r.emplace(job(i));
            } catch (...) {
                error = std::current_exception();
            }
            std::lock_guard lock(mutex);
            results[i] = std::move(r);
            errors[i] = error;
            done[i] = true;
            ready.notify_all();
        }
    };
    std::vector<std::thread> threads;
    for (std::size_t w = 0; w < std::min(workers, n); ++w) threads.emplace_back(work);
    std::exception_ptr first;
    for (std::size_t i = 0; i < n; ++i) {
        std::optional<Result> r;
        {
            std::unique_lock lock(mutex);
            ready.wait(lock, [&] { return done[i]; });
            r = std::move(results[i]);
            if (errors[i] && !first) first = errors[i];
        }
        // After a failure the remaining jobs still run (their threads are joined below), but
        // nothing more is emitted.
        if (!first) emit(std::move(*r));
    }
    for (auto& t : threads) t.join();
    if (first) std::rethrow_exception(first);
}

}  // namespace mcpsim::sim::scenario
