#pragma once
// The routing table of one Gateway listener port, compiled from the Gateway, its accepted
// HTTPRoutes and the Services they name, with the Gateway API's matching and precedence rules:
// the most specific hostname, then an Exact path over the longest PathPrefix, then method,
// header and query matches, then the oldest route and its name, then rule order.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mcpsim/core/http/message.hpp"
#include "mcpsim/core/json.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/regex.hpp"

namespace mcpsim::gateway::dataplane {

struct HeaderEdits {
    std::vector<std::pair<std::string, std::string>> set;
    std::vector<std::pair<std::string, std::string>> add;
    std::vector<std::string> remove;
    bool empty() const { return set.empty() && add.empty() && remove.empty(); }
    void applyTo(core::http::Headers& headers) const;
};

struct BackendRef {
    std::string service;  // name
    std::string ns;
    int port = 0;
    int weight = 1;
    std::string invalid;  // why requests to it fail with 500 (missing Service, bad kind)
};

// The outcome of routing one request.
struct RouteDecision {
    core::kube::ObjectKey route;
    std::optional<core::http::Response> localReply;  // redirects and invalid backends
    std::string backendHost;                         // <service>.<ns>.svc.cluster.local
    std::uint16_t backendPort = 0;
    HeaderEdits requestHeaders;
    HeaderEdits responseHeaders;
    std::optional<std::string> rewriteHost;
    std::optional<std::string> rewriteTarget;  // new path (with the original query)
};

class RouteTable {
  public:
    // gateway: the Gateway object; routes: every HTTPRoute; services: keys of existing Services.
    RouteTable(const Json& gateway, int port, const std::vector<Json>& routes,
               const std::set<core::kube::ObjectKey>& services);
    RouteTable() = default;
    // nullopt: no route matches (the 404 a Gateway gives).
    std::optional<RouteDecision> resolve(const core::http::Request& request);
    std::size_t ruleCount() const { return rules_.size(); }

    struct Match {
        std::string pathType = "PathPrefix";
        std::string pathValue = "/";
        // RegularExpression patterns are compiled once, when the table is built; an invalid one
        // leaves nullopt and the match never applies.
        std::optional<core::Regex> pathRegex;
        std::string method;
        struct Header {
            std::string name, value;
            bool regex = false;
            std::optional<core::Regex> compiled;  // when regex and valid
        };
        std::vector<Header> headers;
        std::vector<std::pair<std::string, std::string>> query;
    };
    struct Rule {
        core::kube::ObjectKey route;
        std::string created;             // creationTimestamp, for precedence
        std::vector<std::string> hosts;  // effective hostnames ("" = any)
        std::vector<Match> matches;
        std::vector<BackendRef> backends;
        HeaderEdits requestHeaders, responseHeaders;
        std::optional<std::string> rewriteHost;
        std::optional<Json> rewritePath;  // URLRewrite.path
        std::optional<Json> redirect;     // RequestRedirect
        std::size_t index = 0;            // rule order within the route
    };

  private:
    std::vector<Rule> rules_;
    std::vector<std::string> listenerHosts_;
    std::uint64_t picks_ = 0;  // weighted backend choice, deterministic
};

// Whether `host` (no port) matches a hostname that may start with "*." ("" matches all).
bool hostnameMatches(const std::string& pattern, const std::string& host);
// The request's host: from an absolute-form target, else the Host header; port removed,
// lower-cased.
std::string requestHost(const core::http::Request& request);

}  // namespace mcpsim::gateway::dataplane
