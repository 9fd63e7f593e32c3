#include "world_evidence.hpp"

#include "mcpsim/core/log.hpp"

namespace mcpsim::sim {

std::string worldEvidence(World& w) {
    std::string out;
    for (const char* kind : {"MCPGatewayExtension", "MCPServerRegistration", "MCPVirtualServer"}) {
        auto list = w.client().list({"mcp.kagenti.com", "v1alpha1", kind});
        if (!list.ok()) continue;
        for (const auto& o : list.value()["items"]) {
            std::string ready = "no Ready condition";
            for (const auto& c : o.value("/status/conditions"_json_pointer, Json::array())) {
                if (c.value("type", "") != "Ready") continue;
                ready = "Ready=" + c.value("status", "") + " " + c.value("reason", "") + ": " +
                        c.value("message", "");
            }
            out += std::string(kind) + " " + o["metadata"].value("namespace", "") + "/" +
                   o["metadata"].value("name", "") + ": " + ready + "\n";
        }
    }
    core::LogStore& logs = w.runtime().logs();
    for (const auto& source : logs.sources()) {
        if (source.find("mcp-gateway") == std::string::npos) continue;
        const auto& ls = logs.lines(source);
        for (std::size_t i = ls.size() > 3 ? ls.size() - 3 : 0; i < ls.size(); ++i) {
            std::string text = ls[i].text;
            if (text.size() > 300) text = text.substr(0, 300) + "…";
            out += "log " + source + ": " + text + "\n";
        }
    }
    auto events = w.client().list({"", "v1", "Event"});
    if (events.ok()) {
        const auto& items = events.value()["items"];
        for (std::size_t i = items.size() > 3 ? items.size() - 3 : 0; i < items.size(); ++i) {
            const auto& e = items[i];
            out += "event " + e.value("/involvedObject/kind"_json_pointer, std::string()) + " " +
                   e.value("/involvedObject/name"_json_pointer, std::string()) + " " +
                   e.value("reason", "") + ": " + e.value("message", "") + "\n";
        }
    }
    return out;
}

}  // namespace mcpsim::sim
