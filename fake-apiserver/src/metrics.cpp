// GET /metrics: the process's memory, as kube-apiserver's process collector reports it, plus
// what the load benchmarks need to tell memory in use from memory the allocator keeps: RSS alone
// cannot (glibc holds on to freed pages where Go's runtime would give them back).
#include <malloc.h>
#include <unistd.h>

#include <fstream>

#include "api_server_impl.hpp"

namespace mcpsim::apiserver {

namespace {

long residentBytes() {
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * sysconf(_SC_PAGESIZE);
}

void gauge(std::string& out, const char* name, const char* help, double value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name +
           " " + std::to_string(static_cast<long long>(value)) + "\n";
}

}  // namespace

std::string ApiServer::Impl::metricsText() const {
    const struct mallinfo2 heap = mallinfo2();
    std::string out;
    gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.",
          static_cast<double>(residentBytes()));
    gauge(out, "mcpsim_heap_inuse_bytes",
          "Bytes of heap in allocated chunks and mmapped blocks (glibc mallinfo2).",
          static_cast<double>(heap.uordblks + heap.hblkhd));
    gauge(out, "mcpsim_watches", "Watches registered with the object store.",
          static_cast<double>(store.watcherCount()));
    gauge(out, "mcpsim_watch_history_events",
          "Events kept so that watches can resume from a recent resourceVersion.",
          static_cast<double>(store.historySize()));
    return out;
}

}  // namespace mcpsim::apiserver
