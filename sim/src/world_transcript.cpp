#include "world_transcript.hpp"

#include <cstdio>
#include <utility>

#include "mcpsim/core/json.hpp"
#include "mcpsim/core/log.hpp"

namespace mcpsim::sim {

namespace {

// The JSON-RPC method(s) of an MCP request body, or "" when it is none.
std::string rpcMethods(const std::string& body) {
    const Json j = Json::parse(body, nullptr, false);
    if (j.is_discarded()) return body.empty() ? "" : "(not JSON)";
    auto methodOf = [](const Json& m) {
        if (!m.is_object()) return std::string("?");
        if (m.contains("method") && m["method"].is_string()) return m["method"].get<std::string>();
        return std::string(m.contains("result") || m.contains("error") ? "(response)" : "?");
    };
    if (!j.is_array()) return methodOf(j);
    std::string out;
    for (const auto& m : j) out += (out.empty() ? "" : ",") + methodOf(m);
    return "[" + out + "]";
}

// Host without port, and the path of an origin- or absolute-form target: ports are chosen per
// run, so they stay out of the transcript.
std::string where(const core::http::Request& req) {
    std::string host = req.headers.value("Host");
    std::string target = req.target;
    if (const auto scheme = target.find("://"); scheme != std::string::npos) {
        const auto slash = target.find('/', scheme + 3);
        host = target.substr(scheme + 3, slash == std::string::npos ? slash : slash - scheme - 3);
        target = slash == std::string::npos ? "/" : target.substr(slash);
    }
    if (const auto colon = host.rfind(':');
        colon != std::string::npos && host.find(']') == std::string::npos) {
        host.resize(colon);
    }
    return host + target;
}

// kubectl reads the discovery documents concurrently, in no fixed order; they change nothing.
bool isDiscovery(const std::string& path) {
    if (path == "/api" || path == "/apis" || path == "/version" || path.rfind("/openapi", 0) == 0)
        return true;
    std::size_t segments = 0;
    for (char c : path) segments += c == '/';
    return (path.rfind("/api/", 0) == 0 && segments == 2) ||
           (path.rfind("/apis/", 0) == 0 && segments <= 3);
}

}  // namespace

WorldTranscript::WorldTranscript(core::Runtime& runtime, core::kube::Client& client, Sink sink)
    : runtime_(runtime), client_(client), sink_(std::move(sink)), boot_(runtime.clock().steady()) {}

WorldTranscript::~WorldTranscript() {
    if (events_) events_->stop();
    runtime_.logs().setEcho(nullptr);
}

void WorldTranscript::write(const std::string& what) {
    const double seconds = std::chrono::duration<double>(runtime_.clock().steady() - boot_).count();
    char at[32];
    std::snprintf(at, sizeof at, "%9.3f ", seconds);
    sink_(at + what);
}

void WorldTranscript::start() {
    runtime_.logs().setEcho([this](const std::string& source, const core::LogLine& line) {
        // The API server's own request log names client ports and kubectl's concurrent
        // discovery reads; the api lines record the requests instead.
        if (source.rfind("kube-system/kube-apiserver", 0) == 0) return;
        write("log " + source + ": " + line.text);
    });
    auto w = client_.watch({"", "v1", "Event"}, {}, "", [this](const core::kube::WatchEvent& e) {
        if (e.type != "ADDED" && e.type != "MODIFIED") return;
        const Json& o = e.object();
        write("event " + o.value("/involvedObject/namespace"_json_pointer, std::string()) + "/" +
              o.value("/involvedObject/kind"_json_pointer, std::string()) + "/" +
              o.value("/involvedObject/name"_json_pointer, std::string()) + " " +
              o.value("type", "") + " " + o.value("reason", "") + " x" +
              std::to_string(o.value("count", 1)) + ": " + o.value("message", ""));
    });
    if (w.ok()) events_ = std::move(w.value());
}

core::http::Handler WorldTranscript::observe(const std::string& name, core::http::Handler inner) {
    return
        [this, name, inner = std::move(inner)](core::http::Request&& req, core::http::Reply reply) {
            if (req.method == "GET" && name == "api" && isDiscovery(req.path())) {
                return inner(std::move(req), std::move(reply));
            }
            std::string line = name + " " + req.method + " " + where(req);
            if (name == "gateway" && req.method == "POST") line += " " + rpcMethods(req.body);
            write(line);
            inner(std::move(req), [this, line, reply](core::http::Response r) {
                write(line + " -> " + std::to_string(r.status));
                reply(std::move(r));
            });
        };
}

}  // namespace mcpsim::sim
