#pragma once
// The mock MCP servers mcpsim can run in place of container images: the upstream MCP Gateway
// test servers and a conformance-grade "everything" server. A mock is created from the
// container's environment and arguments, as the real image would read them, and serves HTTP.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcpsim/core/http/message.hpp"
#include "mcpsim/core/json.hpp"
#include "mcpsim/core/log.hpp"

namespace mcpsim::core {
class Runtime;
}

namespace mcpsim::mocks {

// What a container would see.
struct MockEnv {
    std::map<std::string, std::string> env;
    std::vector<std::string> args;
    std::string get(const std::string& key, const std::string& fallback = "") const {
        auto it = env.find(key);
        return it == env.end() ? fallback : it->second;
    }
};

class MockServer {
  public:
    virtual ~MockServer() = default;
    virtual core::http::Handler handler() = 0;
};

struct MockInfo {
    std::string name;  // e.g. "server1", "api-key", "everything"
    std::string description;
    std::uint16_t port;  // the port the upstream image listens on by default
    std::function<std::unique_ptr<MockServer>(core::Runtime&, const MockEnv&, core::Logger)> create;
};

const std::vector<MockInfo>& catalog();
const MockInfo* findMock(const std::string& name);

// A program of this machine that runs in place of an image whose protocol is not HTTP (a Redis
// server for a redis image). It listens on a Unix socket of its own, which the world connects
// in-world clients of the pod's (or its Service's) address and port to.
struct HostProgramSpec {
    std::string name;
    // argv; "{socket}" and "{dir}" stand for its socket and its private directory. The
    // container's args follow.
    std::vector<std::string> command;
    std::uint16_t port = 0;  // the port the image serves on
};

// Image name → mock name (or host program), from the table in mock-servers/data/images.yaml
// plus user entries (same format). A row matches when its `image` is a substring of the image
// without its tag; the first matching row decides.
class ImageTable {
  public:
    ImageTable();                           // the built-in table
    void addYaml(const std::string& yaml);  // throws std::runtime_error on a bad table
    std::optional<std::string> mockFor(const std::string& image) const;
    const HostProgramSpec* programFor(const std::string& image) const;

    struct Row {
        std::string image;
        std::string mock;  // or
        std::string program;
    };

  private:
    const Row* match(const std::string& image) const;
    std::vector<Row> rows_;
    std::map<std::string, HostProgramSpec> programs_;
};

}  // namespace mcpsim::mocks
