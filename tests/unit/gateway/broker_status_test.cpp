// controller.md section 3.7 steps 1-3: EndpointSliceBrokerStatus, the reference's lookup of a
// namespace's broker /status through EndpointSlices, with a fake fetch.
#include "scenario_support.hpp"

namespace mcpsim::gateway::testing {
namespace {

class BrokerStatus : public ScenarioTest {
  protected:
    void SetUp() override {
        ScenarioTest::SetUp();
        apply(namespaceYaml("mcp-system") + "---\n" + namespaceYaml("other"));
    }

    // Calls the lookup; `bodies` maps URL -> 200 body (absent: not a 200 / unreachable).
    std::variant<Json, std::string> status(const std::string& ns = "mcp-system") {
        EndpointSliceBrokerStatus source(client(), [this](const std::string& url) {
            fetched.push_back(url);
            auto it = bodies.find(url);
            return it == bodies.end() ? std::nullopt : std::optional<std::string>(it->second);
        });
        return source.status(ns);
    }

    static std::string slice(const std::string& ns, const std::string& name,
                             const std::string& component, const std::string& addressType,
                             const std::string& endpoints) {
        return "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " + name +
               "\n  namespace: " + ns + "\n  labels: {app.kubernetes.io/component: " + component +
               "}\naddressType: " + addressType + "\nendpoints:\n" + endpoints +
               "ports: [{name: http, port: 9999, protocol: TCP}]\n";
    }

    std::map<std::string, std::string> bodies;
    std::vector<std::string> fetched;
};

TEST_F(BrokerStatus, ReadyEndpointsOnlyPortFixedIpv6Bracketed) {
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.0.0.1, 10.0.0.4]\n  conditions: {ready: true}\n"
                "- addresses: [10.0.0.2]\n  conditions: {ready: false}\n"
                "- addresses: [10.0.0.3]\n") +
          "---\n" +
          slice("mcp-system", "mcp-broker-b", "mcp-broker", "IPv6",
                "- addresses: [\"fd00::1\"]\n  conditions: {ready: true}\n") +
          "---\n" +
          // FN-25: Helm's label is not the one looked up.
          slice("mcp-system", "helm-broker", "mcp-gateway", "IPv4",
                "- addresses: [10.0.0.9]\n  conditions: {ready: true}\n") +
          "---\n" +
          slice("other", "mcp-broker-c", "mcp-broker", "IPv4",
                "- addresses: [10.0.1.1]\n  conditions: {ready: true}\n"));
    auto r = status();
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    EXPECT_EQ(std::get<std::string>(r), "failed to get status from any broker endpoint");
    EXPECT_EQ(fetched, (std::vector<std::string>{"http://10.0.0.1:8080/status",
                                                 "http://10.0.0.4:8080/status",
                                                 "http://[fd00::1]:8080/status"}));
}

TEST_F(BrokerStatus, FirstOkJsonBodyWins) {
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.0.0.1]\n  conditions: {ready: true}\n"
                "- addresses: [10.0.0.2]\n  conditions: {ready: true}\n"
                "- addresses: [10.0.0.3]\n  conditions: {ready: true}\n"
                "- addresses: [10.0.0.4]\n  conditions: {ready: true}\n"));
    bodies["http://10.0.0.1:8080/status"] = "<html>not json</html>";
    bodies["http://10.0.0.2:8080/status"] = "[1, 2]";  // JSON, but not a status document
    bodies["http://10.0.0.3:8080/status"] = R"({"servers":[{"id":"a"}],"overallValid":true})";
    bodies["http://10.0.0.4:8080/status"] = R"({"servers":[]})";
    auto r = status();
    ASSERT_TRUE(std::holds_alternative<Json>(r)) << std::get<std::string>(r);
    EXPECT_EQ(std::get<Json>(r)["servers"][0]["id"], "a");
    EXPECT_EQ(fetched.size(), 3u);
}

// A body of the wrong shape fails the reference's typed decode; JSON null decodes as empty.
TEST_F(BrokerStatus, WrongShapesAreSkipped) {
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.0.0.1]\n  conditions: {ready: true}\n"
                "- addresses: [10.0.0.2]\n  conditions: {ready: true}\n"
                "- addresses: [10.0.0.3]\n  conditions: {ready: true}\n"
                "- addresses: [10.0.0.4]\n  conditions: {ready: true}\n"));
    bodies["http://10.0.0.1:8080/status"] = R"({"servers":{"id":"a"}})";
    bodies["http://10.0.0.2:8080/status"] = R"({"servers":[{"id":5}]})";
    bodies["http://10.0.0.3:8080/status"] = R"({"servers":[{"id":"a","ready":"yes"}]})";
    bodies["http://10.0.0.4:8080/status"] = "null";
    auto r = status();
    ASSERT_TRUE(std::holds_alternative<Json>(r)) << std::get<std::string>(r);
    EXPECT_EQ(std::get<Json>(r), (Json{{"servers", Json::array()}}));
    EXPECT_EQ(fetched.size(), 4u);
}

TEST_F(BrokerStatus, NoReadyEndpoints) {
    auto r = status();
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    EXPECT_EQ(std::get<std::string>(r), "no broker endpoints available");
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.0.0.2]\n  conditions: {ready: false}\n"
                "- addresses: [10.0.0.3]\n  conditions: {serving: true}\n"));
    r = status();
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    EXPECT_EQ(std::get<std::string>(r), "no broker endpoints available");
    EXPECT_TRUE(fetched.empty());
}

}  // namespace
}  // namespace mcpsim::gateway::testing
