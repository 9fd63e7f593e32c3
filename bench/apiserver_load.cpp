// The API server under load. `mcpsim serve --world bare` runs as a child process (its memory is
// its own); K client threads (32) do mixed create/update/patch/delete/list/get on ConfigMaps and
// on a CRD's Widgets over loopback keep-alive connections for T seconds (60), while W watchers
// (200, half on each collection) follow the same two collections from one poll(2) thread.
//
// The history is what the server answered: every successful write's resourceVersion (a DELETE
// answers with the deletion's). Checks, each failing the run:
// - every watcher saw every change of its collection exactly once, in resourceVersion order,
//   with the right type and name;
// - no request failed, except the 409 Conflicts expected when clients race to update the
//   shared objects with a stale resourceVersion;
// - the final LIST equals the initial LIST with the history replayed over it.
// Prints p50/p99 per verb, operations per second, and the server's RSS before, under load and
// after cleanup.
//
// Overrides: LOAD_SECONDS (60), LOAD_CLIENTS (32), LOAD_WATCHERS (200).
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "http_client.hpp"
#include "mcpsim/core/json.hpp"
#include "process.hpp"

using mcpsim::Json;
using namespace mcpsim::bench;
using Clock = std::chrono::steady_clock;

namespace {

const int kSeconds = envInt("LOAD_SECONDS", 60);
const int kClients = envInt("LOAD_CLIENTS", 32);
const int kWatchers = envInt("LOAD_WATCHERS", 200);
constexpr int kShared = 4;     // objects per collection every client updates
constexpr int kOwnedMax = 40;  // live objects per client before it stops creating

struct Collection {
    const char* name;
    const char* path;
    const char* apiVersion;
    const char* kind;
    const char* field;  // "data" for ConfigMaps, "spec" for Widgets
};
const std::array<Collection, 2> kCollections{{
    {"configmaps", "/api/v1/namespaces/load/configmaps", "v1", "ConfigMap", "data"},
    {"widgets", "/apis/load.mcpsim.io/v1/namespaces/load/widgets", "load.mcpsim.io/v1", "Widget",
     "spec"},
}};

const char* kWidgetCrd =
    R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
 "metadata":{"name":"widgets.load.mcpsim.io"},
 "spec":{"group":"load.mcpsim.io","scope":"Namespaced",
  "names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList"},
  "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{
   "type":"object","properties":{"spec":{"type":"object","properties":{
    "v":{"type":"integer","minimum":0},"applied":{"type":"string"},
    "color":{"type":"string","enum":["red","green","blue"]}}}}}}}]}})";

enum Verb { Create, Update, Patch, Delete, List, Get, kVerbs };
const char* const kVerbNames[kVerbs] = {"create", "update", "patch", "delete", "list", "get"};

struct Change {
    std::uint64_t rv;
    char type;  // A, M, D
    std::string name;
};

std::string request(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const std::string& contentType = "application/json") {
    std::string r = method + " " + target +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: apiserver-load\r\n"
                    "Accept: application/json\r\n";
    if (!body.empty()) {
        r += "Content-Type: " + contentType + "\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n";
    }
    return r + "\r\n" + body;
}

// A ConfigMap's data values are strings, a Widget's spec.v an integer.
Json value(const Collection& c, long n) {
    return c.field == std::string("data") ? Json(std::to_string(n)) : Json(n);
}

Json object(const Collection& c, const std::string& name, long n, std::uint64_t rv = 0) {
    Json o = {{"apiVersion", c.apiVersion},
              {"kind", c.kind},
              {"metadata", {{"name", name}, {"namespace", "load"}}},
              {c.field, {{"v", value(c, n)}}}};
    if (rv) o["metadata"]["resourceVersion"] = std::to_string(rv);
    return o;
}

std::uint64_t rvOf(const Json& o) {
    return std::strtoull(
        o.value("/metadata/resourceVersion"_json_pointer, std::string("0")).c_str(), nullptr, 10);
}

// What the server answered to one write: its resourceVersion, or 0 when the body is not an object.
std::uint64_t answeredRv(const Reply& r) {
    const Json j = Json::parse(r.body, nullptr, false);
    return j.is_object() ? rvOf(j) : 0;
}

// --- the clients ------------------------------------------------------------------------------

struct ClientResult {
    std::array<std::vector<Change>, 2> changes;
    std::array<std::vector<std::uint32_t>, kVerbs> latencyNs;
    long ok = 0, conflicts = 0, errors = 0;
    std::string firstError;
};

class Client {
  public:
    Client(int port, int index, std::array<std::array<std::uint64_t, kShared>, 2> sharedRv,
           ClientResult& out)
        : conn_(port),
          index_(index),
          rng_(0x10ad + static_cast<unsigned>(index)),
          sharedRv_(sharedRv),
          out_(out),
          n_(index) {}

    void run(Clock::time_point until) {
        while (Clock::now() < until) step();
    }

  private:
    struct Owned {
        std::string name;
        int coll;
        std::uint64_t rv;
    };

    void step() {
        const int roll = static_cast<int>(rng_() % 100);
        n_ += kClients;  // unique across clients: no write is a no-op that the server skips
        if (owned_.size() < 4 || (roll < 20 && owned_.size() < kOwnedMax)) return create();
        if (roll < 35) return updateOwned();
        if (roll < 45) return updateShared();
        if (roll < 65) return patch();
        if (roll < 80) return remove();
        if (roll < 95) return list();
        return get();
    }

    Reply timed(Verb verb, const std::string& req) {
        const auto t0 = Clock::now();
        Reply r = conn_.roundTrip(req);
        out_.latencyNs[verb].push_back(static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count()));
        return r;
    }

    // Counts the reply; true when it is `want`.
    bool expect(const Reply& r, int want, Verb verb) {
        if (r.status == want) {
            ++out_.ok;
            return true;
        }
        ++out_.errors;
        if (out_.firstError.empty()) {
            out_.firstError = std::string(kVerbNames[verb]) + " answered " +
                              std::to_string(r.status) + ": " + r.body.substr(0, 300);
        }
        return false;
    }

    void record(int coll, char type, const std::string& name, const Reply& r) {
        out_.changes[static_cast<std::size_t>(coll)].push_back({answeredRv(r), type, name});
    }

    void create() {
        const int coll = static_cast<int>(rng_() % 2);
        const Collection& c = kCollections[static_cast<std::size_t>(coll)];
        const std::string name = "c" + std::to_string(index_) + "-" + std::to_string(n_ / kClients);
        const Reply r = timed(Create, request("POST", c.path, object(c, name, n_).dump()));
        if (!expect(r, 201, Create)) return;
        record(coll, 'A', name, r);
        owned_.push_back({name, coll, answeredRv(r)});
    }

    Owned& pick() { return owned_[rng_() % owned_.size()]; }

    void updateOwned() {
        Owned& o = pick();
        const Collection& c = kCollections[static_cast<std::size_t>(o.coll)];
        const Reply r = timed(Update, request("PUT", std::string(c.path) + "/" + o.name,
                                              object(c, o.name, n_, o.rv).dump()));
        if (!expect(r, 200, Update)) return;
        record(o.coll, 'M', o.name, r);
        o.rv = answeredRv(r);
    }

    // Everyone updates these with the resourceVersion it last saw: losing a race is a 409.
    void updateShared() {
        const int coll = static_cast<int>(rng_() % 2);
        const auto k = static_cast<std::size_t>(rng_() % kShared);
        const Collection& c = kCollections[static_cast<std::size_t>(coll)];
        const std::string name = "shared-" + std::to_string(k);
        const std::string target = std::string(c.path) + "/" + name;
        std::uint64_t& rv = sharedRv_[static_cast<std::size_t>(coll)][k];
        const Reply r = timed(Update, request("PUT", target, object(c, name, n_, rv).dump()));
        if (r.status == 409) {
            ++out_.conflicts;
            const Reply fresh = timed(Get, request("GET", target));
            if (expect(fresh, 200, Get)) rv = answeredRv(fresh);
            return;
        }
        if (!expect(r, 200, Update)) return;
        record(coll, 'M', name, r);
        rv = answeredRv(r);
    }

    void patch() {
        Owned& o = pick();
        const Collection& c = kCollections[static_cast<std::size_t>(o.coll)];
        const std::string field = c.field;
        std::string target = std::string(c.path) + "/" + o.name;
        std::string type, body;
        switch ((n_ / kClients) % 4) {
            case 0:
                type = "application/merge-patch+json";
                body = Json{{field, {{"v", value(c, n_)}}}}.dump();
                break;
            case 1:
                type = "application/json-patch+json";
                body = Json::array({{{"op", "replace"},
                                     {"path", "/" + field + "/v"},
                                     {"value", value(c, n_)}}})
                           .dump();
                break;
            case 2:  // custom resources have no strategic merge; they get a merge patch
                type = field == "data" ? "application/strategic-merge-patch+json"
                                       : "application/merge-patch+json";
                body = Json{{field, {{"v", value(c, n_)}}}}.dump();
                break;
            default:
                type = "application/apply-patch+yaml";
                target += "?fieldManager=load-apply&force=true";
                body = Json{{"apiVersion", c.apiVersion},
                            {"kind", c.kind},
                            {"metadata", {{"name", o.name}}},
                            {field, {{"applied", std::to_string(n_)}}}}
                           .dump();
        }
        const Reply r = timed(Patch, request("PATCH", target, body, type));
        if (!expect(r, 200, Patch)) return;
        record(o.coll, 'M', o.name, r);
        o.rv = answeredRv(r);
    }

    void remove() {
        const std::size_t i = rng_() % owned_.size();
        const Owned o = owned_[i];
        owned_[i] = owned_.back();
        owned_.pop_back();
        const Collection& c = kCollections[static_cast<std::size_t>(o.coll)];
        const Reply r = timed(Delete, request("DELETE", std::string(c.path) + "/" + o.name));
        if (expect(r, 200, Delete)) record(o.coll, 'D', o.name, r);
    }

    void list() {
        const Collection& c = kCollections[rng_() % 2];
        expect(timed(List, request("GET", std::string(c.path) + "?limit=500")), 200, List);
    }

    void get() {
        const Owned& o = pick();
        const Collection& c = kCollections[static_cast<std::size_t>(o.coll)];
        expect(timed(Get, request("GET", std::string(c.path) + "/" + o.name)), 200, Get);
    }

    Connection conn_;
    int index_;
    std::mt19937_64 rng_;
    std::array<std::array<std::uint64_t, kShared>, 2> sharedRv_;
    ClientResult& out_;
    std::vector<Owned> owned_;
    long n_;
};

// --- the watchers -----------------------------------------------------------------------------

std::uint32_t nameHash(std::string_view name) {
    return static_cast<std::uint32_t>(std::hash<std::string_view>{}(name));
}

struct Seen {
    std::uint64_t rv;
    std::uint32_t name;
    char type;
};

// One watch of a collection from a resourceVersion. Events are read with plain string searches
// (the reader thread handles every event of every watcher, so a full JSON parse would fall
// behind), relying on our encoder's sorted keys: the first "name" and "resourceVersion" after
// "metadata" are the object's own.
class Watcher : public Exchange {
  public:
    Watcher(int coll, std::uint64_t fromRv) : coll(coll), fromRv_(fromRv) {}

    std::string first() override {
        return request("GET", std::string(kCollections[static_cast<std::size_t>(coll)].path) +
                                  "?watch=true&resourceVersion=" + std::to_string(fromRv_));
    }
    std::string next(Reply reply) override {
        partial(reply.body);
        status = reply.status;
        ended = true;
        return "";
    }
    void partial(std::string& body) override {
        std::size_t start = 0, eol;
        while ((eol = body.find('\n', start)) != std::string::npos) {
            event(std::string_view(body).substr(start, eol - start));
            start = eol + 1;
        }
        body.erase(0, start);
    }

    const int coll;
    std::vector<Seen> seen;
    std::atomic<std::uint64_t> lastRv{0};
    std::atomic<bool> ended{false};
    int status = 0;
    std::string malformed;  // the first event that could not be read

  private:
    static std::string_view field(std::string_view s, std::string_view key, std::size_t from) {
        const auto at = s.find(key, from);
        if (at == std::string_view::npos) return {};
        const auto start = at + key.size();
        return s.substr(start, s.find('"', start) - start);
    }
    void event(std::string_view line) {
        if (line.empty()) return;
        const auto type = field(line, "\"type\":\"", 0);
        const auto meta = line.find("\"metadata\":{");
        const auto name = field(line, "\"name\":\"", meta);
        const auto rv = field(line, "\"resourceVersion\":\"", meta);
        if (type.empty() || meta == std::string_view::npos || name.empty() || rv.empty() ||
            (type != "ADDED" && type != "MODIFIED" && type != "DELETED")) {
            if (malformed.empty()) malformed = std::string(line.substr(0, 300));
            return;
        }
        const std::uint64_t v = std::strtoull(std::string(rv).c_str(), nullptr, 10);
        seen.push_back({v, nameHash(name), type[0]});
        lastRv.store(v, std::memory_order_release);
    }
    std::uint64_t fromRv_;
};

// --- set-up, checks and the report ------------------------------------------------------------

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "apiserver_load: %s\n", why.c_str());
    std::exit(1);
}

Reply must(Connection& c, const std::string& req, int status, const char* what) {
    Reply r = c.roundTrip(req);
    if (r.status != status) die(std::string(what) + ": " + std::to_string(r.status) + " " + r.body);
    return r;
}

struct Listed {
    std::uint64_t rv = 0;
    std::map<std::string, std::uint64_t> objects;  // name -> resourceVersion
};

Listed listAll(Connection& c, const Collection& coll) {
    const Json j = Json::parse(must(c, request("GET", coll.path), 200, "list").body);
    Listed out;
    out.rv = rvOf(j);
    for (const auto& item : j["items"]) out.objects[item["metadata"]["name"]] = rvOf(item);
    return out;
}

// The server's own gauges from GET /metrics.
struct Gauges {
    double rss = 0, heap = 0, watches = 0, history = 0;
};
Gauges gauges(Connection& c) {
    const std::string text = must(c, request("GET", "/metrics"), 200, "metrics").body;
    const auto read = [&text](const std::string& name) {
        const auto at = text.find("\n" + name + " ");
        return at == std::string::npos ? -1.0 : std::atof(text.c_str() + at + name.size() + 2);
    };
    return {read("process_resident_memory_bytes"), read("mcpsim_heap_inuse_bytes"),
            read("mcpsim_watches"), read("mcpsim_watch_history_events")};
}

double mib(double bytes) {
    return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

}  // namespace

int main() {
    mcpsim::testing::ServeProcess server;
    const int port = std::stoi(server.url().substr(server.url().rfind(':') + 1));
    Connection admin(port);
    must(admin, request("POST", "/api/v1/namespaces", R"({"metadata":{"name":"load"}})"), 201,
         "create namespace load");
    must(admin,
         request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", kWidgetCrd),
         201, "create the Widget CRD");
    for (const auto deadline = Clock::now() + std::chrono::seconds(10);;) {
        if (admin.roundTrip(request("GET", kCollections[1].path)).status == 200) break;
        if (Clock::now() > deadline) die("widgets are not served 10 s after their CRD");
    }
    std::array<std::array<std::uint64_t, kShared>, 2> sharedRv{};
    for (std::size_t c = 0; c < 2; ++c) {
        for (int k = 0; k < kShared; ++k) {
            const Reply r =
                must(admin,
                     request("POST", kCollections[c].path,
                             object(kCollections[c], "shared-" + std::to_string(k), 0).dump()),
                     201, "create a shared object");
            sharedRv[c][static_cast<std::size_t>(k)] = answeredRv(r);
        }
    }
    std::array<Listed, 2> initial{listAll(admin, kCollections[0]), listAll(admin, kCollections[1])};
    const Gauges before = gauges(admin);

    // Watchers from the initial lists' resourceVersions, on their own thread.
    std::vector<std::unique_ptr<Watcher>> watchers;
    std::vector<Exchange*> exchanges;
    for (int i = 0; i < kWatchers; ++i) {
        watchers.push_back(
            std::make_unique<Watcher>(i % 2, initial[static_cast<std::size_t>(i % 2)].rv));
        exchanges.push_back(watchers.back().get());
    }
    std::atomic<bool> stopWatching{false};
    std::thread watchThread([&] { runExchanges(port, exchanges, stopWatching); });

    std::array<std::vector<Change>, 2> history;
    // Waits, bounded, until every watcher has seen resourceVersion `rv` of its collection.
    const auto caughtUp = [&](const std::array<std::uint64_t, 2>& rv, std::chrono::seconds limit) {
        const auto deadline = Clock::now() + limit;
        for (;;) {
            bool all = true;
            for (const auto& w : watchers) {
                if (!w->ended && w->lastRv.load(std::memory_order_acquire) <
                                     rv[static_cast<std::size_t>(w->coll)])
                    all = false;
            }
            if (all) return true;
            if (Clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    };
    // A first change in each collection that every watcher must see before the load starts.
    std::array<std::uint64_t, 2> markerRv{};
    for (std::size_t c = 0; c < 2; ++c) {
        const Reply r =
            must(admin,
                 request("POST", kCollections[c].path, object(kCollections[c], "marker", 0).dump()),
                 201, "create the marker");
        markerRv[c] = answeredRv(r);
        history[c].push_back({markerRv[c], 'A', "marker"});
    }
    if (!caughtUp(markerRv, std::chrono::seconds(30))) die("watchers did not start within 30 s");

    std::vector<ClientResult> results(static_cast<std::size_t>(kClients));
    const auto start = Clock::now();
    const auto until = start + std::chrono::seconds(kSeconds);
    {
        std::vector<std::thread> threads;
        for (int i = 0; i < kClients; ++i) {
            threads.emplace_back([&, i] {
                Client(port, i, sharedRv, results[static_cast<std::size_t>(i)]).run(until);
            });
        }
        for (auto& t : threads) t.join();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

    ClientResult all;
    for (auto& r : results) {
        for (std::size_t c = 0; c < 2; ++c)
            history[c].insert(history[c].end(), r.changes[c].begin(), r.changes[c].end());
        for (int v = 0; v < kVerbs; ++v)
            all.latencyNs[v].insert(all.latencyNs[v].end(), r.latencyNs[v].begin(),
                                    r.latencyNs[v].end());
        all.ok += r.ok;
        all.conflicts += r.conflicts;
        all.errors += r.errors;
        if (all.firstError.empty()) all.firstError = r.firstError;
    }
    std::vector<std::string> failures;
    if (all.errors) {
        failures.push_back(std::to_string(all.errors) +
                           " requests failed; first: " + all.firstError);
    }
    std::array<std::uint64_t, 2> lastRv{};
    for (std::size_t c = 0; c < 2; ++c) {
        auto& h = history[c];
        std::sort(h.begin(), h.end(), [](const Change& a, const Change& b) { return a.rv < b.rv; });
        for (std::size_t i = 1; i < h.size(); ++i) {
            if (h[i].rv == h[i - 1].rv) {
                failures.push_back(std::string(kCollections[c].name) + ": two writes answered rv " +
                                   std::to_string(h[i].rv));
                break;
            }
        }
        lastRv[c] = h.empty() ? 0 : h.back().rv;
    }
    const bool drained = caughtUp(lastRv, std::chrono::seconds(60));
    const Gauges loaded = gauges(admin);
    stopWatching = true;
    watchThread.join();
    if (!drained) failures.push_back("watchers had not caught up 60 s after the load ended");
    // The server unregisters a watch when its client hangs up.
    for (const auto deadline = Clock::now() + std::chrono::seconds(10);;) {
        const double open = gauges(admin).watches;
        if (open <= before.watches) break;
        if (Clock::now() > deadline) {
            failures.push_back(std::to_string(open - before.watches) +
                               " watches still registered 10 s after their clients hung up");
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }

    // Every watcher against the history of its collection.
    long events = 0, perfect = 0;
    for (std::size_t i = 0; i < watchers.size(); ++i) {
        const Watcher& w = *watchers[i];
        const auto& h = history[static_cast<std::size_t>(w.coll)];
        events += static_cast<long>(w.seen.size());
        std::string problem;
        if (!w.malformed.empty()) problem = "unreadable event: " + w.malformed;
        if (w.ended) problem = "the watch ended (status " + std::to_string(w.status) + ")";
        for (std::size_t k = 0; problem.empty() && k < std::max(h.size(), w.seen.size()); ++k) {
            if (k >= w.seen.size()) {
                problem = "missed " + std::to_string(h.size() - k) + " events from rv " +
                          std::to_string(h[k].rv);
            } else if (k >= h.size()) {
                problem = "saw " + std::to_string(w.seen.size() - k) +
                          " events the history lacks, from rv " + std::to_string(w.seen[k].rv);
            } else if (w.seen[k].rv != h[k].rv || w.seen[k].type != h[k].type ||
                       w.seen[k].name != nameHash(h[k].name)) {
                problem = "event " + std::to_string(k) + " is " + w.seen[k].type + " rv " +
                          std::to_string(w.seen[k].rv) + "; history has " + h[k].type + " " +
                          h[k].name + " rv " + std::to_string(h[k].rv);
            }
        }
        if (problem.empty()) {
            ++perfect;
        } else if (failures.size() < 10) {
            failures.push_back("watcher " + std::to_string(i) + " (" +
                               kCollections[static_cast<std::size_t>(w.coll)].name +
                               "): " + problem);
        }
    }
    // The final state against the history replayed over the initial list.
    std::size_t finalObjects = 0;
    for (std::size_t c = 0; c < 2; ++c) {
        auto replayed = initial[c].objects;
        for (const auto& ch : history[c]) {
            if (ch.type == 'D') {
                replayed.erase(ch.name);
            } else {
                replayed[ch.name] = ch.rv;
            }
        }
        const Listed now = listAll(admin, kCollections[c]);
        finalObjects += now.objects.size();
        if (now.objects != replayed) {
            std::size_t differ = 0;
            for (const auto& [name, rv] : replayed) {
                auto it = now.objects.find(name);
                if (it == now.objects.end() || it->second != rv) ++differ;
            }
            failures.push_back(std::string(kCollections[c].name) + ": the final list (" +
                               std::to_string(now.objects.size()) +
                               " objects) is not the replayed history (" +
                               std::to_string(replayed.size()) + " objects, " +
                               std::to_string(differ) + " missing or different)");
        }
    }
    watchers.clear();
    for (const auto& c : kCollections) must(admin, request("DELETE", c.path), 200, "delete all");
    must(admin,
         request("DELETE",
                 "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                 "widgets.load.mcpsim.io"),
         200, "delete the CRD");
    const Gauges after = gauges(admin);

    long writes = 0;
    for (const auto& h : history) writes += static_cast<long>(h.size());
    std::printf(
        "apiserver load: %d clients for %.1f s, %d watchers (%d per collection, "
        "configmaps and a CRD's widgets)\n",
        kClients, seconds, kWatchers, kWatchers / 2);
    std::printf("  requests: %ld ok (%.0f/s), %ld writes, %ld expected 409 Conflicts, %ld failed\n",
                all.ok, static_cast<double>(all.ok) / seconds, writes, all.conflicts, all.errors);
    for (int v = 0; v < kVerbs; ++v) {
        auto& l = all.latencyNs[v];
        const std::size_t n = l.size();
        const double p50 = percentileUs(l, 0.50), p99 = percentileUs(l, 0.99);
        std::printf("  %-6s n=%-7zu p50 %7.2f ms  p99 %7.2f ms\n", kVerbNames[v], n, p50 / 1000,
                    p99 / 1000);
    }
    std::printf(
        "  watchers: %ld of %d saw every event of their collection exactly once and in "
        "resourceVersion order (%ld events delivered)\n",
        perfect, kWatchers, events);
    std::printf("  final state: %zu objects, %s\n", finalObjects,
                failures.empty() ? "equal to the replayed history" : "see failures");
    std::printf(
        "  server heap in use: %.1f MiB before, %.1f MiB under load (watchers open), "
        "%.1f MiB after deleting everything (%.0f events of watch history kept)\n",
        mib(before.heap), mib(loaded.heap), mib(after.heap), after.history);
    std::printf("  server RSS: %.1f MiB before, %.1f MiB under load, %.1f MiB after\n",
                mib(before.rss), mib(loaded.rss), mib(after.rss));
    for (const auto& f : failures) std::printf("  FAILED: %s\n", f.c_str());
    std::printf("apiserver load: %s\n", failures.empty() ? "passed" : "FAILED");
    return failures.empty() ? 0 : 1;
}
