#include "route_table.hpp"

#include "mcpsim/core/regex.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "../conditions.hpp"

namespace mcpsim::gateway::dataplane {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::string str(const Json& o, const char* key, const std::string& fallback = "") {
    if (!o.is_object() || !o.contains(key) || !o[key].is_string()) return fallback;
    return o[key].get<std::string>();
}

HeaderEdits parseEdits(const Json& modifier) {
    HeaderEdits edits;
    for (const auto& h : modifier.value("set", Json::array())) {
        edits.set.emplace_back(str(h, "name"), str(h, "value"));
    }
    for (const auto& h : modifier.value("add", Json::array())) {
        edits.add.emplace_back(str(h, "name"), str(h, "value"));
    }
    for (const auto& h : modifier.value("remove", Json::array())) {
        if (h.is_string()) edits.remove.push_back(h.get<std::string>());
    }
    return edits;
}

// Whether a route hostname and a listener hostname overlap, and the narrower of the two.
std::optional<std::string> intersect(const std::string& listener, const std::string& route) {
    if (listener.empty()) return route;
    if (route.empty()) return listener;
    if (hostnameMatches(listener, route)) return route;
    if (hostnameMatches(route, listener)) return listener;
    if (listener[0] == '*' && route[0] == '*') {
        // *.a.b and *.b: the longer suffix is the intersection.
        const std::string a = listener.substr(1), b = route.substr(1);
        if (a.size() >= b.size() && a.compare(a.size() - b.size(), b.size(), b) == 0)
            return listener;
        if (b.size() > a.size() && b.compare(b.size() - a.size(), a.size(), a) == 0) return route;
    }
    return std::nullopt;
}

// An invalid pattern matches nothing (Envoy rejects such a route; no request reaches it).
std::optional<core::Regex> compiledOrNone(const std::string& pattern) {
    try {
        return core::Regex(pattern);
    } catch (const core::RegexError&) {
        return std::nullopt;
    }
}

bool pathMatches(const RouteTable::Match& m, const std::string& path) {
    if (m.pathType == "Exact") return path == m.pathValue;
    if (m.pathType == "RegularExpression") return m.pathRegex && m.pathRegex->fullMatch(path);
    // PathPrefix matches whole path elements; a trailing slash in the prefix is ignored.
    std::string prefix = m.pathValue;
    while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
    if (prefix == "/") return true;
    if (path.compare(0, prefix.size(), prefix) != 0) return false;
    return path.size() == prefix.size() || path[prefix.size()] == '/';
}

// `query`: the decoded parameters of the origin-form target.
bool matchApplies(const RouteTable::Match& m, const core::http::Request& req,
                  const std::string& path,
                  const std::vector<std::pair<std::string, std::string>>& query) {
    if (!pathMatches(m, path)) return false;
    if (!m.method.empty() && m.method != req.method) return false;
    for (const auto& h : m.headers) {
        const std::string* got = req.headers.find(h.name);
        if (got == nullptr) return false;
        if (h.regex ? !(h.compiled && h.compiled->fullMatch(*got)) : *got != h.value) return false;
    }
    for (const auto& wanted : m.query) {
        auto first = std::find_if(query.begin(), query.end(),
                                  [&](const auto& kv) { return kv.first == wanted.first; });
        if (first == query.end() || first->second != wanted.second) return false;
    }
    return true;
}

// Specificity of the hostname that matched: exact names beat wildcards, longer beats shorter.
std::pair<int, std::size_t> hostRank(const std::vector<std::string>& hosts, const std::string& h) {
    std::pair<int, std::size_t> best{-1, 0};
    for (const auto& pattern : hosts) {
        if (!hostnameMatches(pattern, h)) continue;
        std::pair<int, std::size_t> rank{pattern.empty() ? 0 : (pattern[0] == '*' ? 1 : 2),
                                         pattern.size()};
        best = std::max(best, rank);
    }
    return best;
}

}  // namespace

void HeaderEdits::applyTo(core::http::Headers& headers) const {
    for (const auto& [k, v] : set) headers.set(k, v);
    for (const auto& [k, v] : add) headers.add(k, v);
    for (const auto& k : remove) headers.remove(k);
}

bool hostnameMatches(const std::string& pattern, const std::string& host) {
    if (pattern.empty()) return true;
    auto same = [](std::string_view a, std::string_view b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
            return std::tolower(static_cast<unsigned char>(x)) ==
                   std::tolower(static_cast<unsigned char>(y));
        });
    };
    if (pattern.rfind("*.", 0) == 0) {
        const std::string_view suffix = std::string_view(pattern).substr(1);  // ".mcp.local"
        return host.size() > suffix.size() &&
               same(std::string_view(host).substr(host.size() - suffix.size()), suffix);
    }
    return same(pattern, host);
}

std::string requestHost(const core::http::Request& request) {
    std::string host = request.headers.value("Host");
    const std::string& t = request.target;
    if (t.rfind("http://", 0) == 0 || t.rfind("https://", 0) == 0) {
        const auto start = t.find("://") + 3;
        host = t.substr(start, t.find('/', start) - start);
    }
    if (!host.empty() && host[0] == '[') {
        host = host.substr(1, host.find(']') - 1);
    } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
        host.resize(colon);
    }
    return lower(host);
}

RouteTable::RouteTable(const Json& gateway, int port, const std::vector<Json>& routes,
                       const std::set<core::kube::ObjectKey>& services) {
    const std::string gwNs = gateway["metadata"].value("namespace", "");
    const std::string gwName = gateway["metadata"].value("name", "");
    std::map<std::string, std::string> listeners;  // name -> hostname, on this port
    for (const auto& l : gateway.value("/spec/listeners"_json_pointer, Json::array())) {
        if (l.value("port", 0) != port) continue;
        listeners[str(l, "name")] = str(l, "hostname");
        listenerHosts_.push_back(str(l, "hostname"));
    }
    for (const auto& route : routes) {
        const std::string ns = route["metadata"].value("namespace", "");
        const core::kube::ObjectKey key{ns, route["metadata"].value("name", "")};
        // Attached: a parent entry for this Gateway that the Gateway accepted.
        bool accepted = false;
        for (const auto& p : route.value("/status/parents"_json_pointer, Json::array())) {
            const Json ref = p.value("parentRef", Json::object());
            const std::string pns = str(ref, "namespace", ns);
            if (str(ref, "name") == gwName && pns == gwNs &&
                conditionIsTrue(p.value("conditions", Json::array()), "Accepted")) {
                accepted = true;
            }
        }
        if (!accepted) continue;
        // Listeners it may use: those its parentRefs name (all when no sectionName).
        std::set<std::string> sections;
        bool anySection = false;
        for (const auto& ref : route.value("/spec/parentRefs"_json_pointer, Json::array())) {
            if (str(ref, "name") != gwName || str(ref, "namespace", ns) != gwNs) continue;
            if (ref.contains("port") && ref.value("port", 0) != port) continue;
            const std::string section = str(ref, "sectionName");
            if (section.empty()) anySection = true;
            sections.insert(section);
        }
        std::vector<std::string> hosts;
        const Json routeHosts = route.value("/spec/hostnames"_json_pointer, Json::array());
        for (const auto& [lname, lhost] : listeners) {
            if (!anySection && !sections.count(lname)) continue;
            if (routeHosts.empty()) {
                hosts.push_back(lhost);
                continue;
            }
            for (const auto& rh : routeHosts) {
                if (auto h = intersect(lhost, rh.get<std::string>())) hosts.push_back(*h);
            }
        }
        if (hosts.empty()) continue;
        std::size_t index = 0;
        for (const auto& r : route.value("/spec/rules"_json_pointer, Json::array())) {
            Rule rule;
            rule.route = key;
            rule.created = route["metadata"].value("creationTimestamp", "");
            rule.hosts = hosts;
            rule.index = index++;
            for (const auto& m : r.value("matches", Json::array())) {
                Match match;
                if (m.contains("path")) {
                    match.pathType = str(m["path"], "type", "PathPrefix");
                    match.pathValue = str(m["path"], "value", "/");
                    if (match.pathType == "RegularExpression") {
                        match.pathRegex = compiledOrNone(match.pathValue);
                    }
                }
                match.method = str(m, "method");
                for (const auto& h : m.value("headers", Json::array())) {
                    Match::Header header{str(h, "name"), str(h, "value"),
                                         str(h, "type") == "RegularExpression", std::nullopt};
                    if (header.regex) header.compiled = compiledOrNone(header.value);
                    match.headers.push_back(std::move(header));
                }
                for (const auto& q : m.value("queryParams", Json::array())) {
                    match.query.emplace_back(str(q, "name"), str(q, "value"));
                }
                rule.matches.push_back(std::move(match));
            }
            if (rule.matches.empty()) rule.matches.push_back(Match{});
            for (const auto& f : r.value("filters", Json::array())) {
                const std::string type = str(f, "type");
                if (type == "RequestHeaderModifier") {
                    rule.requestHeaders = parseEdits(f.value("requestHeaderModifier", Json()));
                } else if (type == "ResponseHeaderModifier") {
                    rule.responseHeaders = parseEdits(f.value("responseHeaderModifier", Json()));
                } else if (type == "URLRewrite") {
                    const Json rw = f.value("urlRewrite", Json::object());
                    if (rw.contains("hostname")) rule.rewriteHost = str(rw, "hostname");
                    if (rw.contains("path")) rule.rewritePath = rw["path"];
                } else if (type == "RequestRedirect") {
                    rule.redirect = f.value("requestRedirect", Json::object());
                }
            }
            for (const auto& b : r.value("backendRefs", Json::array())) {
                BackendRef ref;
                ref.service = str(b, "name");
                ref.ns = str(b, "namespace", ns);
                ref.port = b.value("port", 0);
                ref.weight = b.value("weight", 1);
                const std::string kind = str(b, "kind", "Service");
                const std::string group = str(b, "group", "");
                if (kind != "Service" || !group.empty()) {
                    ref.invalid = "unsupported backend kind " + kind;
                } else if (!services.count({ref.ns, ref.service})) {
                    ref.invalid = "service " + ref.ns + "/" + ref.service + " not found";
                } else if (ref.port == 0) {
                    ref.invalid = "backend port missing";
                }
                rule.backends.push_back(std::move(ref));
            }
            rules_.push_back(std::move(rule));
        }
    }
}

std::optional<RouteDecision> RouteTable::resolve(const core::http::Request& request) {
    const std::string host = requestHost(request);
    bool listenerMatch = false;
    for (const auto& l : listenerHosts_) listenerMatch = listenerMatch || hostnameMatches(l, host);
    if (!listenerMatch) return std::nullopt;
    core::http::Request local;  // only the origin-form target, for its path and query
    local.target = request.target;
    if (local.target.rfind("http://", 0) == 0 || local.target.rfind("https://", 0) == 0) {
        const auto slash = local.target.find('/', local.target.find("://") + 3);
        local.target = slash == std::string::npos ? "/" : local.target.substr(slash);
    }
    const std::string path = local.path();
    const auto params = local.queryParams();
    // Precedence key: larger is better, except creation time and name (older, smaller wins).
    using Key =
        std::tuple<std::pair<int, std::size_t>, int, std::size_t, int, std::size_t, std::size_t>;
    const Rule* best = nullptr;
    const Match* bestMatch = nullptr;
    Key bestKey;
    for (const auto& rule : rules_) {
        const auto hr = hostRank(rule.hosts, host);
        if (hr.first < 0) continue;
        for (const auto& m : rule.matches) {
            if (!matchApplies(m, request, path, params)) continue;
            Key key{hr,
                    m.pathType == "Exact" ? 2 : (m.pathType == "PathPrefix" ? 1 : 0),
                    m.pathType == "PathPrefix" ? m.pathValue.size() : 0,
                    m.method.empty() ? 0 : 1,
                    m.headers.size(),
                    m.query.size()};
            bool better = !best || key > bestKey;
            if (best && key == bestKey) {
                // Ties: the oldest route, then namespace/name, then rule order.
                better = std::tie(rule.created, rule.route, rule.index) <
                         std::tie(best->created, best->route, best->index);
            }
            if (better) {
                best = &rule;
                bestMatch = &m;
                bestKey = key;
            }
        }
    }
    if (!best) return std::nullopt;
    RouteDecision d;
    d.route = best->route;
    d.requestHeaders = best->requestHeaders;
    d.responseHeaders = best->responseHeaders;
    d.rewriteHost = best->rewriteHost;
    const std::string query = request.rawQuery();
    if (best->redirect) {
        const Json& r = *best->redirect;
        const std::string scheme = str(r, "scheme", "http");
        std::string rhost = str(r, "hostname", request.headers.value("Host"));
        if (r.contains("port")) {
            rhost = str(r, "hostname", host) + ":" + std::to_string(r.value("port", 80));
        }
        std::string rpath = path;
        if (r.contains("path") && str(r["path"], "type") == "ReplaceFullPath") {
            rpath = str(r["path"], "replaceFullPath", path);
        }
        core::http::Response resp;
        resp.status = r.value("statusCode", 302);
        resp.headers.set("location", scheme + "://" + rhost + rpath);
        d.localReply = std::move(resp);
        return d;
    }
    if (best->rewritePath) {
        const Json& rw = *best->rewritePath;
        std::string newPath = path;
        if (str(rw, "type") == "ReplaceFullPath") {
            newPath = str(rw, "replaceFullPath", path);
        } else if (str(rw, "type") == "ReplacePrefixMatch") {
            std::string prefix = bestMatch->pathValue;
            while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
            std::string rest = prefix == "/" ? path : path.substr(prefix.size());
            std::string replacement = str(rw, "replacePrefixMatch", "/");
            if (!replacement.empty() && replacement.back() == '/' && !rest.empty() &&
                rest[0] == '/') {
                rest.erase(0, 1);
            }
            newPath = replacement + rest;
            if (newPath.empty()) newPath = "/";
        }
        d.rewriteTarget = newPath + (query.empty() ? "" : "?" + query);
    }
    // Weighted choice among the backends, deterministic across runs.
    int total = 0;
    for (const auto& b : best->backends) total += std::max(0, b.weight);
    if (best->backends.empty() || total == 0) {
        d.localReply = core::http::makeResponse(500, "text/plain", "");
        return d;
    }
    int pick = static_cast<int>(picks_++ % static_cast<std::uint64_t>(total));
    const BackendRef* chosen = &best->backends.front();
    for (const auto& b : best->backends) {
        if (pick < std::max(0, b.weight)) {
            chosen = &b;
            break;
        }
        pick -= std::max(0, b.weight);
    }
    if (!chosen->invalid.empty()) {
        d.localReply = core::http::makeResponse(500, "text/plain", "");
        return d;
    }
    d.backendHost = chosen->service + "." + chosen->ns + ".svc.cluster.local";
    d.backendPort = static_cast<std::uint16_t>(chosen->port);
    return d;
}

}  // namespace mcpsim::gateway::dataplane
