#include "mock_support.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

#include "mcpsim/core/mcp/jsonrpc.hpp"

namespace mcpsim::mocks {

McpServerOptions goSdkOptions(std::string name, std::string version) {
    McpServerOptions o;
    o.name = std::move(name);
    o.version = std::move(version);
    o.capabilities = {{"logging", Json::object()}};
    o.unknownTool = [](Context ctx, const std::string& tool) {
        ctx->fail(core::mcp::codes::kInvalidParams, "unknown tool " + goQuote(tool));
    };
    return o;
}

Json textContent(const std::string& text) {
    return {{"type", "text"}, {"text", text}};
}

Json textResult(const std::string& text) {
    return {{"content", Json::array({textContent(text)})}};
}

Json errorResult(const std::string& text) {
    Json r = textResult(text);
    r["isError"] = true;
    return r;
}

Json objectSchema(Json properties, Json required) {
    Json schema = {{"type", "object"}, {"properties", std::move(properties)}};
    if (!required.empty()) schema["required"] = std::move(required);
    return schema;
}

Json goStructSchema(Json properties) {
    Json schema = {{"type", "object"}, {"additionalProperties", false}};
    Json required = Json::array();
    for (auto it = properties.begin(); it != properties.end(); ++it) required.push_back(it.key());
    if (!properties.empty()) {
        schema["properties"] = std::move(properties);
        schema["required"] = std::move(required);
    }
    return schema;
}

std::optional<std::string> stringArg(const Json& arguments, const char* key) {
    auto it = arguments.find(key);
    if (it == arguments.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

std::optional<Json> progressToken(const RequestContext& ctx) {
    const Json& params = ctx.params();
    auto meta = params.find("_meta");
    if (meta == params.end() || !meta->is_object()) return std::nullopt;
    auto token = meta->find("progressToken");
    if (token == meta->end() || !(token->is_string() || token->is_number())) return std::nullopt;
    return *token;
}

std::string goCanonicalHeaderKey(std::string_view name) {
    // Go leaves names with bytes outside the token set untouched.
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= ' ' || u >= 0x7f ||
            std::string_view("\"(),/:;<=>?@[\\]{}").find(c) != std::string_view::npos) {
            return std::string(name);
        }
    }
    std::string out(name);
    bool upper = true;
    for (char& c : out) {
        c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                    : std::tolower(static_cast<unsigned char>(c)));
        upper = c == '-';
    }
    return out;
}

Json goHeaderContent(const core::http::Headers& headers) {
    std::vector<std::pair<std::string, std::vector<std::string>>> grouped;
    for (const auto& [name, value] : headers.items()) {
        const std::string key = goCanonicalHeaderKey(name);
        if (key == "Host") continue;
        auto it = std::find_if(grouped.begin(), grouped.end(),
                               [&](const auto& g) { return g.first == key; });
        if (it == grouped.end()) {
            grouped.push_back({key, {value}});
        } else {
            it->second.push_back(value);
        }
    }
    Json content = Json::array();
    for (const auto& [key, values] : grouped) {
        std::string joined;
        for (const auto& v : values) joined += (joined.empty() ? "" : " ") + v;
        content.push_back(textContent(key + ": [" + joined + "]"));
    }
    return content;
}

void goHealthOr404(core::http::Request&& req, core::http::Reply reply) {
    if (req.path() == "/health") {
        reply(core::http::makeResponse(200, "text/plain; charset=utf-8", "OK"));
        return;
    }
    reply(goHttpError(404, "404 page not found"));
}

namespace {

struct Civil {
    std::tm tm{};
    long long nanos = 0;
};

Civil civilUtc(core::WallTime t) {
    const auto sinceEpoch = t.time_since_epoch();
    auto secs = std::chrono::floor<std::chrono::seconds>(sinceEpoch);
    Civil c;
    c.nanos = (sinceEpoch - secs).count();
    const std::time_t tt = static_cast<std::time_t>(secs.count());
    gmtime_r(&tt, &c.tm);
    return c;
}

std::string dateTime(const std::tm& tm) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

}  // namespace

std::string goTime(core::WallTime t) {
    const Civil c = civilUtc(t);
    std::string out = dateTime(c.tm);
    if (c.nanos != 0) {
        char frac[32];
        std::snprintf(frac, sizeof frac, ".%09lld", c.nanos);
        std::string f = frac;
        while (f.back() == '0') f.pop_back();
        out += f;
    }
    return out + " +0000 UTC";
}

std::string goTimeString(core::WallTime now, core::Duration sinceStart) {
    const long long mono = sinceStart.count();
    char m[48];
    std::snprintf(m, sizeof m, " m=+%lld.%09lld", mono / 1000000000, mono % 1000000000);
    return goTime(now) + m;
}

std::string pythonDatetime(core::WallTime now) {
    const Civil c = civilUtc(now);
    std::string out = dateTime(c.tm);
    const long long micros = c.nanos / 1000;
    if (micros != 0) {
        char frac[32];
        std::snprintf(frac, sizeof frac, ".%06lld", micros);
        out += frac;
    }
    return out;
}

void addAuthenticatedHelloWorld(McpServer& server) {
    server.addTool(
        {{"name", "hello_world"},
         {"description", "A simple hello world tool that requires authentication"},
         {"inputSchema",
          goStructSchema({{"name", {{"type", "string"}, {"description", "the name to greet"}}}})}},
        [](Context ctx, const Json& args) {
            ctx->reply(textResult("Hello, " + stringArg(args, "name").value_or("") +
                                  "! (from authenticated server)"));
        });
}

void everySecondFor(McpServer& server, int seconds, std::function<void(int)> tick,
                    std::function<void()> finish) {
    struct Loop {
        McpServer* server;
        int seconds;
        std::function<void(int)> tick;
        std::function<void()> finish;
        void step(std::shared_ptr<Loop> self, int waited) {
            if (waited >= seconds) {
                finish();
                return;
            }
            tick(waited);
            server->after(std::chrono::seconds(1),
                          [self, waited] { self->step(self, waited + 1); });
        }
    };
    auto loop = std::make_shared<Loop>(Loop{&server, seconds, std::move(tick), std::move(finish)});
    loop->step(loop, 0);
}

}  // namespace mcpsim::mocks
