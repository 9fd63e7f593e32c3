#include "mcp_command.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/mcp/client.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::sim {

const char* const kMcpUsage =
    "mcp [flags] COMMAND:\n"
    "  init                 initialize; prints the session id\n"
    "  list SESSION         tools/list; prints the tool names, one per line\n"
    "  call SESSION TOOL [ARGS]\n"
    "                       tools/call with ARGS (a JSON object, default {}); prints the result\n"
    "  listen SESSION       opens the session's event stream (says \"listening\" on stderr once\n"
    "                       it is open); prints each notification as a JSON line until --count\n"
    "                       of them arrived or --timeout passed\n"
    "  close SESSION        DELETE of the session\n"
    "flags:\n"
    "  --url URL            the MCP endpoint (default http://mcp.127-0-0-1.sslip.io:8001/mcp);\n"
    "                       $http_proxy (or $HTTP_PROXY), when set, is used as curl uses it\n"
    "  --header 'K: V'      one more request header (repeatable)\n"
    "  --count N            listen: stop after N notifications (default 1)\n"
    "  --timeout SECONDS    give up after this long (default 10)\n";

namespace {

using namespace std::chrono_literals;

struct Url {
    std::string host;
    std::uint16_t port = 80;
    std::string path = "/";
};

// http://host[:port][/path]; nullopt for anything else (no https: the gateway listener is HTTP).
std::optional<Url> parseUrl(const std::string& text) {
    const std::string scheme = "http://";
    if (text.rfind(scheme, 0) != 0) return std::nullopt;
    std::string rest = text.substr(scheme.size());
    Url u;
    const auto slash = rest.find('/');
    if (slash != std::string::npos) {
        u.path = rest.substr(slash);
        rest.erase(slash);
    }
    const auto colon = rest.rfind(':');
    if (colon != std::string::npos) {
        const std::string port = rest.substr(colon + 1);
        char* end = nullptr;
        const unsigned long p = std::strtoul(port.c_str(), &end, 10);
        if (port.empty() || *end != '\0' || p == 0 || p > 65535) return std::nullopt;
        u.port = static_cast<std::uint16_t>(p);
        rest.erase(colon);
    }
    if (rest.empty()) return std::nullopt;
    u.host = rest;
    return u;
}

// $no_proxy as curl reads it: "*", or comma-separated names that match the host or a domain
// it is in.
bool bypassesProxy(const std::string& host) {
    const char* env = std::getenv("no_proxy");
    if (!env || !*env) env = std::getenv("NO_PROXY");
    if (!env) return false;
    const std::string list = env;
    for (std::size_t start = 0; start <= list.size();) {
        std::size_t end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        std::string name = list.substr(start, end - start);
        while (!name.empty() && name.front() == ' ') name.erase(0, 1);
        while (!name.empty() && name.back() == ' ') name.pop_back();
        if (!name.empty() && name.front() == '.') name.erase(0, 1);
        if (name == "*") return true;
        if (!name.empty() && (host == name || (host.size() > name.size() &&
                                               host.compare(host.size() - name.size() - 1,
                                                            name.size() + 1, "." + name) == 0))) {
            return true;
        }
        start = end + 1;
    }
    return false;
}

int usageError(const std::string& msg) {
    std::cerr << "mcpsim mcp: " << msg << "\n\nusage: mcpsim mcp [flags] COMMAND\n\n" << kMcpUsage;
    return 2;
}

// What a failed call prints: the JSON-RPC error, or the transport failure as curl would show.
std::string describe(const core::mcp::ClientError& e) {
    if (e.code != 0) return "error " + std::to_string(e.code) + ": " + e.message;
    std::string out = e.message;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

}  // namespace

int runMcpCommand(int argc, char** argv) {
    std::string urlText = "http://mcp.127-0-0-1.sslip.io:8001/mcp";
    std::vector<std::string> headers;
    long count = 1;
    double timeoutSeconds = 10;
    std::vector<std::string> words;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--url" || a == "--header" || a == "--count" || a == "--timeout") {
            std::optional<std::string> v;
            if (i + 1 < argc) v = argv[++i];
            if (!v) return usageError(a + " needs a value");
            if (a == "--url") urlText = *v;
            if (a == "--header") headers.push_back(*v);
            if (a == "--count") count = std::atol(v->c_str());
            if (a == "--timeout") timeoutSeconds = std::atof(v->c_str());
            if ((a == "--count" && count < 1) || (a == "--timeout" && timeoutSeconds <= 0)) {
                return usageError(a + " needs a positive number");
            }
        } else if (a == "-h" || a == "--help") {
            std::cout << "usage: mcpsim mcp [flags] COMMAND\n\n" << kMcpUsage;
            return 0;
        } else if (a.rfind("--", 0) == 0) {
            return usageError("unknown flag " + a);
        } else {
            words.push_back(a);
        }
    }
    if (words.empty()) return usageError("no command");
    const std::string command = words[0];
    const std::size_t wantWords = command == "init"                          ? 1
                                  : command == "call"                        ? 3
                                  : command == "list" || command == "listen" ? 2
                                  : command == "close"                       ? 2
                                                                             : 0;
    if (wantWords == 0) return usageError("unknown command " + command);
    if (words.size() < wantWords || words.size() > (command == "call" ? 4u : wantWords)) {
        return usageError("wrong number of arguments for " + command);
    }
    const auto url = parseUrl(urlText);
    if (!url) return usageError("not an http:// URL: " + urlText);

    core::mcp::McpClientOptions o;
    o.clientInfo = {{"name", "mcpsim-mcp"}, {"version", "0.0.1"}};
    o.host = url->port == 80 ? url->host : url->host + ":" + std::to_string(url->port);
    o.endpoint = {url->host, url->port};
    o.path = url->path;
    const char* proxyEnv = std::getenv("http_proxy");
    if (!proxyEnv || !*proxyEnv) proxyEnv = std::getenv("HTTP_PROXY");
    if (proxyEnv && *proxyEnv && !bypassesProxy(url->host)) {
        // As curl does: the request goes to the proxy, with the whole URL as its target.
        const auto proxy = parseUrl(proxyEnv);
        if (!proxy) return usageError(std::string("not an http:// proxy: ") + proxyEnv);
        o.endpoint = {proxy->host, proxy->port};
        o.path = "http://" + o.host + url->path;
    }
    for (const auto& h : headers) {
        const auto colon = h.find(':');
        if (colon == std::string::npos || colon == 0) return usageError("not a header: " + h);
        std::string v = h.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        o.headers.add(h.substr(0, colon), v);
    }
    if (command != "init") o.sessionId = words[1];

    core::Runtime rt;
    auto network = core::http::makeLoopbackNetwork(rt);
    auto client = core::mcp::McpClient::create(*network, o);
    int exitCode = 1;
    bool finished = false;
    auto finish = [&](int code) {
        exitCode = code;
        finished = true;
        rt.stop();
    };
    auto failed = [&](const core::mcp::ClientError& e) {
        std::cerr << "mcpsim mcp: " << command << ": " << describe(e) << "\n";
        finish(1);
    };
    long received = 0;
    rt.post([&] {
        if (command == "init") {
            // Done once notifications/initialized is answered: before that the session is
            // not initialized, and the broker would not send it notifications.
            client->initialize(
                [&](std::optional<core::mcp::ClientError> e, const Json&) {
                    if (e) return failed(*e);
                    std::cout << client->sessionId() << "\n";
                },
                [&] { finish(0); });
        } else if (command == "list") {
            client->request("tools/list", Json::object(),
                            [&](std::optional<core::mcp::ClientError> e, const Json& result) {
                                if (e) return failed(*e);
                                for (const auto& t : result.value("tools", Json::array())) {
                                    std::cout << t.value("name", "") << "\n";
                                }
                                finish(0);
                            });
        } else if (command == "call") {
            Json args = words.size() > 3 ? Json::parse(words[3], nullptr, false) : Json::object();
            if (!args.is_object()) {
                std::cerr << "mcpsim mcp: call: ARGS is not a JSON object: " << words[3] << "\n";
                return finish(2);
            }
            client->request("tools/call", {{"name", words[2]}, {"arguments", args}},
                            [&](std::optional<core::mcp::ClientError> e, const Json& result) {
                                if (e) return failed(*e);
                                std::cout << result.dump() << "\n";
                                finish(0);
                            });
        } else if (command == "listen") {
            client->onNotification = [&](const Json& n) {
                std::cout << n.dump() << std::endl;  // each as it arrives, for a reader waiting
                if (++received >= count) finish(0);
            };
            client->listen(
                [&](const core::mcp::ClientError& e) {
                    if (!finished) failed(e);
                },
                [] { std::cerr << "mcpsim mcp: listening" << std::endl; });
        } else {
            client->close([&] { finish(0); });
        }
    });
    auto deadline = rt.clock().schedule(
        std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(timeoutSeconds)),
        [&] {
            if (finished) return;
            std::cerr << "mcpsim mcp: " << command << ": no answer within " << timeoutSeconds << "s"
                      << (command == "listen" ? " (" + std::to_string(received) + " notifications)"
                                              : "")
                      << "\n";
            finish(1);
        });
    rt.run();
    deadline.cancel();
    return exitCode;
}

}  // namespace mcpsim::sim
