// GET .../pods/NAME/log: serves the pod container's log source from the world's LogStore, with
// tailLines, timestamps, sinceSeconds, limitBytes and follow (a chunked stream that ends when the
// client hangs up).
#include <boost/asio/io_context.hpp>

#include "api_server_impl.hpp"
#include "mcpsim/core/go_format.hpp"

namespace mcpsim::apiserver {

using core::kube::ApiError;
using core::kube::ApiException;

namespace {
[[noreturn]] void badRequest(const std::string& msg) {
    throw ApiException(core::kube::badRequest(msg));
}
}  // namespace

void ApiServer::Impl::serveLogs(const http::Request& req, const ResourceRequest& rr,
                                http::Reply& reply) {
    const Json pod = engine.get(*rr.type, rr.version, ObjectKey{rr.ns, rr.name});
    const std::string podName = rr.name;
    std::vector<std::string> names;
    for (const auto& c : pod.value("/spec/containers"_json_pointer, Json::array())) {
        names.push_back(c.value("name", ""));
    }
    std::string container = req.query("container").value_or("");
    if (container.empty()) {
        if (names.size() != 1) {
            std::string list;
            for (std::size_t i = 0; i < names.size(); ++i) list += (i ? " " : "") + names[i];
            badRequest("a container name must be specified for pod " + podName +
                       ", choose one of: [" + list + "]");
        }
        container = names[0];
    }
    if (std::find(names.begin(), names.end(), container) == names.end()) {
        badRequest("container " + container + " is not valid for pod " + podName);
    }
    if (req.query("previous").value_or("") == "true") {
        badRequest("previous terminated container \"" + container + "\" in pod \"" + podName +
                   "\" not found");
    }
    // A container that has not started has no logs yet; the kubelet says why.
    for (const auto& cs : pod.value("/status/containerStatuses"_json_pointer, Json::array())) {
        if (cs.value("name", "") != container) continue;
        if (cs.contains("/state/waiting"_json_pointer)) {
            badRequest("container \"" + container + "\" in pod \"" + podName +
                       "\" is waiting to start: " +
                       cs["state"]["waiting"].value("reason", std::string("ContainerCreating")));
        }
    }
    const std::string phase = pod.value("/status/phase"_json_pointer, std::string("Pending"));
    if (phase == "Pending" && !pod.contains("/status/containerStatuses"_json_pointer)) {
        if (pod.value("/spec/nodeName"_json_pointer, std::string()).empty()) {
            reply(http::makeResponse(200, "text/plain", ""));
            return;
        }
        badRequest("container \"" + container + "\" in pod \"" + podName +
                   "\" is waiting to start: ContainerCreating");
    }
    std::string source =
        pod.value("/metadata/annotations/mcpsim.io~1log-source"_json_pointer, std::string());
    if (source.empty()) source = ApiServer::defaultLogSource(rr.ns, podName, container);
    const bool timestamps = req.query("timestamps").value_or("") == "true";
    auto format = [timestamps](const core::LogLine& l) {
        return (timestamps ? core::formatRfc3339Nano(l.time) + " " : std::string()) + l.text + "\n";
    };
    const auto& lines = rt.logs().lines(source);
    std::size_t start = 0;
    if (auto tail = req.query("tailLines")) {
        long n = std::strtol(tail->c_str(), nullptr, 10);
        if (n >= 0 && static_cast<std::size_t>(n) < lines.size()) start = lines.size() - n;
    }
    if (auto since = req.query("sinceSeconds")) {
        const core::WallTime cutoff =
            rt.clock().now() - std::chrono::seconds(std::strtol(since->c_str(), nullptr, 10));
        while (start < lines.size() && lines[start].time < cutoff) ++start;
    }
    std::string body;
    for (std::size_t i = start; i < lines.size(); ++i) body += format(lines[i]);
    if (auto limit = req.query("limitBytes")) {
        long n = std::strtol(limit->c_str(), nullptr, 10);
        if (n >= 0 && static_cast<std::size_t>(n) < body.size()) body.resize(n);
    }
    if (req.query("follow").value_or("") != "true") {
        reply(http::makeResponse(200, "text/plain", body));
        return;
    }
    auto stream = std::make_shared<http::BodyStream>();
    stream->write(body);
    std::weak_ptr<http::BodyStream> weak = stream;
    const std::uint64_t sub = rt.logs().subscribe(source, [weak, format](const core::LogLine& l) {
        if (auto s = weak.lock()) s->write(format(l));
    });
    auto& logs = rt.logs();
    stream->onCancel([&logs, sub] { logs.unsubscribe(sub); });
    http::Response resp;
    resp.status = 200;
    resp.headers.set("Content-Type", "text/plain");
    resp.stream = stream;
    reply(std::move(resp));
}

}  // namespace mcpsim::apiserver
