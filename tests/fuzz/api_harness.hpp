#pragma once
// One in-process API server on virtual time for the engine targets, driven through its HTTP
// handler exactly as kubectl's requests arrive, and a way to take a snapshot of what it stores.
#include <string>

#include "fuzz_support.hpp"
#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::fuzz {

struct Answer {
    int status = 0;
    std::string body;
    Json json;  // discarded when the body is not JSON
};

// The store's global resourceVersion (every list reports it) and one collection's items.
struct Snapshot {
    std::string resourceVersion;
    Json items;
    bool operator==(const Snapshot&) const = default;
};

class ApiHarness {
  public:
    ApiHarness() : runtime_(core::RuntimeOptions{1, true}), api_(runtime_) {}

    Answer call(const std::string& method, const std::string& target,
                const std::string& contentType = "", std::string body = "") {
        core::http::Request req;
        req.method = method;
        req.target = target;
        if (!contentType.empty()) req.headers.set("Content-Type", contentType);
        req.headers.set("Accept", "application/json");
        req.body = std::move(body);
        bool done = false;
        Answer out;
        api_.handle(std::move(req), [&](core::http::Response r) {
            done = true;
            out.status = r.status;
            out.body = std::move(r.body);
        });
        runtime_.runUntilIdle();
        FUZZ_CHECK(done, method + " " + target + " got no reply");
        out.json = Json::parse(out.body, nullptr, false);
        return out;
    }

    Snapshot snapshot(const std::string& collection) {
        Answer all = call("GET", "/api/v1/configmaps");
        Answer list = call("GET", collection);
        FUZZ_CHECK(all.status == 200 && list.status == 200, "list failed: " + list.body);
        return {all.json["metadata"].value("resourceVersion", ""), list.json["items"]};
    }

    // A non-2xx answer must be a Status with the same code. The only 500s allowed are the ones
    // the real apiserver gives with reason "" (errors it passes through unconverted, such as a
    // strategic merge patch whose $setElementOrder does not match); an InternalError is our bug
    // (an exception that escaped the engine).
    static void checkError(const Answer& a, const std::string& what) {
        const bool passedThrough =
            a.status == 500 && a.json.is_object() && a.json.value("reason", "x").empty();
        FUZZ_CHECK(a.status < 500 || passedThrough,
                   what + " answered " + std::to_string(a.status) + ": " + a.body);
        const std::string problem = statusProblem(a.status, a.json);
        FUZZ_CHECK(problem.empty(), what + ": " + problem + ": " + a.body);
    }

    apiserver::ApiServer& api() { return api_; }

  private:
    core::Runtime runtime_;
    apiserver::ApiServer api_;
};

}  // namespace mcpsim::fuzz
