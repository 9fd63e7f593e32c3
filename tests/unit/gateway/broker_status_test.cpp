// controller.md section 3.7 steps 1-3: EndpointSliceBrokerStatus, the reference's lookup of a
// namespace's broker /status through EndpointSlices, against broker pods listening on an
// in-memory network; and the registration controller reading a broker over that network.
#include "scenario_support.hpp"

namespace mcpsim::gateway::testing {
namespace {

constexpr int kNeverAnswers = -1;

struct SeenRequest {
    std::string address;
    std::string method;
    std::string target;
    std::string host;
    bool operator==(const SeenRequest&) const = default;
};

std::ostream& operator<<(std::ostream& os, const SeenRequest& r) {
    return os << r.address << " " << r.method << " " << r.target << " Host=" << r.host;
}

std::string slice(const std::string& ns, const std::string& name, const std::string& component,
                  const std::string& addressType, const std::string& endpoints) {
    return "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " + name +
           "\n  namespace: " + ns + "\n  labels: {app.kubernetes.io/component: " + component +
           "}\naddressType: " + addressType + "\nendpoints:\n" + endpoints +
           "ports: [{name: http, port: 9999, protocol: TCP}]\n";
}

// Broker pods on the fixture's in-memory network: each answers GET /status on <address>:8080
// with a fixed status and body, or never (holding the reply for the test to use later).
class BrokerPods {
  public:
    // The world's network, which exists once the fixture's world does.
    explicit BrokerPods(std::function<core::http::Network&()> network)
        : network_(std::move(network)) {}

    void add(const std::string& address, int status, std::string body = "") {
        listeners_.push_back(network_().listen(
            {address, 8080},
            [this, address, status, body](core::http::Request&& req, core::http::Reply reply) {
                seen.push_back({address, req.method, req.target, req.headers.value("Host")});
                if (status == kNeverAnswers) {
                    held.push_back(std::move(reply));
                    return;
                }
                reply(core::http::makeResponse(status, "application/json", body));
            }));
    }
    std::vector<std::string> addressesSeen() const {
        std::vector<std::string> out;
        for (const auto& r : seen) out.push_back(r.address);
        return out;
    }

    std::vector<SeenRequest> seen;
    std::vector<core::http::Reply> held;

  private:
    std::function<core::http::Network&()> network_;
    std::vector<std::unique_ptr<core::http::Listener>> listeners_;
};

class BrokerStatus : public ScenarioTest {
  protected:
    BrokerStatus() : pods([this]() -> core::http::Network& { return world().clusterNetwork(); }) {}

    void SetUp() override {
        ScenarioTest::SetUp();
        apply(namespaceYaml("mcp-system") + "---\n" + namespaceYaml("other"));
    }

    // Runs one lookup until it answers (at most two minutes of virtual time).
    std::variant<Json, std::string> status(const std::string& ns = "mcp-system",
                                           EndpointSliceBrokerStatusOptions options = {}) {
        EndpointSliceBrokerStatus source(runtime(), client(), world().clusterNetwork(),
                                         std::move(options));
        std::optional<std::variant<Json, std::string>> answer;
        answers = 0;
        const core::SteadyTime start = runtime().clock().steady();
        source.status(ns, [&](BrokerStatusSource::Status r) {
            ++answers;
            if (auto* body = std::get_if<std::shared_ptr<const Json>>(&r)) {
                answer = **body;
            } else {
                answer = std::get<std::string>(r);
            }
            took = runtime().clock().steady() - start;
        });
        for (int i = 0; i < 1200 && !answer; ++i) runtime().runFor(100ms);
        if (!answer) return std::string("<no answer within 2 minutes>");
        return *answer;
    }

    BrokerPods pods;
    int answers = 0;
    core::Duration took{};
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
    for (const char* address :
         {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "fd00::1", "10.0.0.9", "10.0.1.1"}) {
        pods.add(address, 404, "404 page not found\n");
    }
    auto r = status();
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    EXPECT_EQ(std::get<std::string>(r), "failed to get status from any broker endpoint");
    // Port 8080 whatever the slice says, in slice order; the Host header is the URL's host:port.
    EXPECT_EQ(pods.seen,
              (std::vector<SeenRequest>{{"10.0.0.1", "GET", "/status", "10.0.0.1:8080"},
                                        {"10.0.0.4", "GET", "/status", "10.0.0.4:8080"},
                                        {"fd00::1", "GET", "/status", "[fd00::1]:8080"}}));
    EXPECT_EQ(answers, 1);
}

TEST_F(BrokerStatus, FirstOkJsonBodyWins) {
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.0.0.1]\n  conditions: {ready: true}\n"
                "- addresses: [10.0.0.2]\n  conditions: {ready: true}\n"
                "- addresses: [10.0.0.3]\n  conditions: {ready: true}\n"
                "- addresses: [10.0.0.4]\n  conditions: {ready: true}\n"));
    pods.add("10.0.0.1", 200, "<html>not json</html>");
    pods.add("10.0.0.2", 200, "[1, 2]");  // JSON, but not a status document
    pods.add("10.0.0.3", 200, R"({"servers":[{"id":"a"}],"overallValid":true})");
    pods.add("10.0.0.4", 200, R"({"servers":[]})");
    auto r = status();
    ASSERT_TRUE(std::holds_alternative<Json>(r)) << std::get<std::string>(r);
    EXPECT_EQ(std::get<Json>(r)["servers"][0]["id"], "a");
    EXPECT_EQ(pods.addressesSeen(), (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3"}));
}

// A body of the wrong shape fails the reference's typed decode; JSON null decodes as empty.
TEST_F(BrokerStatus, WrongShapesAreSkipped) {
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.0.0.1]\n  conditions: {ready: true}\n"
                "- addresses: [10.0.0.2]\n  conditions: {ready: true}\n"
                "- addresses: [10.0.0.3]\n  conditions: {ready: true}\n"
                "- addresses: [10.0.0.4]\n  conditions: {ready: true}\n"));
    pods.add("10.0.0.1", 200, R"({"servers":{"id":"a"}})");
    pods.add("10.0.0.2", 200, R"({"servers":[{"id":5}]})");
    pods.add("10.0.0.3", 200, R"({"servers":[{"id":"a","ready":"yes"}]})");
    pods.add("10.0.0.4", 200, "null");
    auto r = status();
    ASSERT_TRUE(std::holds_alternative<Json>(r)) << std::get<std::string>(r);
    EXPECT_EQ(std::get<Json>(r), (Json{{"servers", Json::array()}}));
    EXPECT_EQ(pods.seen.size(), 4u);
}

TEST_F(BrokerStatus, NoReadyEndpoints) {
    pods.add("10.0.0.2", 200, R"({"servers":[]})");
    pods.add("10.0.0.3", 200, R"({"servers":[]})");
    auto r = status();
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    EXPECT_EQ(std::get<std::string>(r), "no broker endpoints available");
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.0.0.2]\n  conditions: {ready: false}\n"
                "- addresses: [10.0.0.3]\n  conditions: {serving: true}\n"));
    r = status();
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    EXPECT_EQ(std::get<std::string>(r), "no broker endpoints available");
    EXPECT_TRUE(pods.seen.empty());
}

// A 500 is not a status, whatever its body: the next endpoint is asked at once.
TEST_F(BrokerStatus, ServerErrorMovesOnWithoutWaiting) {
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.244.0.5, 10.244.0.6]\n  conditions: {ready: true}\n"));
    pods.add("10.244.0.5", 500, R"({"servers":[{"id":"a"}]})");
    pods.add("10.244.0.6", 200, R"({"servers":[{"id":"b"}]})");
    auto r = status();
    ASSERT_TRUE(std::holds_alternative<Json>(r)) << std::get<std::string>(r);
    EXPECT_EQ(std::get<Json>(r)["servers"][0]["id"], "b");
    EXPECT_LT(took, 1s);
}

TEST_F(BrokerStatus, OnlyServerErrorsFail) {
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.244.0.5]\n  conditions: {ready: true}\n"));
    pods.add("10.244.0.5", 500, "internal error");
    auto r = status();
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    EXPECT_EQ(std::get<std::string>(r), "failed to get status from any broker endpoint");
}

// Nothing listening: connection refused, next endpoint without waiting for the timeout.
TEST_F(BrokerStatus, UnreachableEndpointIsSkipped) {
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.244.0.9, 10.244.0.5]\n  conditions: {ready: true}\n"));
    pods.add("10.244.0.5", 200, R"({"servers":[]})");
    auto r = status();
    ASSERT_TRUE(std::holds_alternative<Json>(r)) << std::get<std::string>(r);
    EXPECT_LT(took, 1s);
}

// The 10 s client timeout runs on the world clock; then the next endpoint is asked.
TEST_F(BrokerStatus, SilentBrokerTimesOutAfterTenSecondsThenNextEndpoint) {
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.244.0.5, 10.244.0.6]\n  conditions: {ready: true}\n"));
    pods.add("10.244.0.5", kNeverAnswers);
    pods.add("10.244.0.6", 200, R"({"servers":[{"id":"b"}]})");
    auto r = status();
    ASSERT_TRUE(std::holds_alternative<Json>(r)) << std::get<std::string>(r);
    EXPECT_EQ(std::get<Json>(r)["servers"][0]["id"], "b");
    EXPECT_GE(took, 10s);
    EXPECT_LT(took, 10s + 100ms);
    EXPECT_EQ(pods.addressesSeen(), (std::vector<std::string>{"10.244.0.5", "10.244.0.6"}));
}

TEST_F(BrokerStatus, SilentBrokerAloneFailsAfterTenSecondsAndLateAnswerIsIgnored) {
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.244.0.5]\n  conditions: {ready: true}\n"));
    pods.add("10.244.0.5", kNeverAnswers);
    EndpointSliceBrokerStatus source(runtime(), client(), world().clusterNetwork());
    std::vector<BrokerStatusSource::Status> got;
    source.status("mcp-system", [&got](BrokerStatusSource::Status r) { got.push_back(r); });
    runtime().runFor(9900ms);
    EXPECT_TRUE(got.empty());
    runtime().runFor(200ms);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_TRUE(std::holds_alternative<std::string>(got[0]));
    EXPECT_EQ(std::get<std::string>(got[0]), "failed to get status from any broker endpoint");
    // The broker finally answers: too late, nobody is told again.
    ASSERT_EQ(pods.held.size(), 1u);
    pods.held[0](core::http::makeResponse(200, "application/json", R"({"servers":[]})"));
    runtime().runFor(1s);
    EXPECT_EQ(got.size(), 1u);
}

// An answer arriving after the lookup object is gone is dropped without harm.
TEST_F(BrokerStatus, AnswerAfterTheSourceIsGoneIsHarmless) {
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.244.0.5]\n  conditions: {ready: true}\n"));
    pods.add("10.244.0.5", kNeverAnswers);
    int calls = 0;
    {
        EndpointSliceBrokerStatus source(runtime(), client(), world().clusterNetwork());
        source.status("mcp-system", [&calls](BrokerStatusSource::Status) { ++calls; });
        runtime().runFor(1s);
    }
    ASSERT_EQ(pods.held.size(), 1u);
    pods.held[0](core::http::makeResponse(200, "application/json", R"({"servers":[]})"));
    runtime().runFor(20s);  // past the timeout too
    EXPECT_EQ(calls, 0);
}

// docs-and-scenarios.md 1.4 (e): addresses the world adds are tried after the labelled
// slices' addresses, or alone when there are none.
TEST_F(BrokerStatus, ExtraAddressesAfterTheSlices) {
    pods.add("10.244.0.7", 200, R"({"servers":[{"id":"extra"}]})");
    pods.add("10.244.0.5", 500, "");
    EndpointSliceBrokerStatusOptions options;
    std::vector<std::string> askedFor;
    options.extraAddresses = [&askedFor](const std::string& ns) {
        askedFor.push_back(ns);
        return std::vector<std::string>{"10.244.0.7"};
    };
    auto r = status("mcp-system", options);
    ASSERT_TRUE(std::holds_alternative<Json>(r)) << std::get<std::string>(r);
    EXPECT_EQ(std::get<Json>(r)["servers"][0]["id"], "extra");
    apply(slice("mcp-system", "mcp-broker-a", "mcp-broker", "IPv4",
                "- addresses: [10.244.0.5]\n  conditions: {ready: true}\n"));
    r = status("mcp-system", options);
    ASSERT_TRUE(std::holds_alternative<Json>(r)) << std::get<std::string>(r);
    EXPECT_EQ(pods.addressesSeen(),
              (std::vector<std::string>{"10.244.0.7", "10.244.0.5", "10.244.0.7"}));
    EXPECT_EQ(askedFor, (std::vector<std::string>{"mcp-system", "mcp-system"}));
}

// The registration controller with the reference's lookup, fixture F plus a broker Service's
// EndpointSlice in mcp-system and a broker pod at 10.244.0.5.
class BrokerOverNetwork : public ScenarioTest {
  protected:
    BrokerOverNetwork()
        : ScenarioTest(/*brokerOverNetwork=*/true),
          pods([this]() -> core::http::Network& { return world().clusterNetwork(); }) {}

    void brokerEndpoint() {
        apply(slice("mcp-system", "mcp-broker-abcde", "mcp-broker", "IPv4",
                    "- addresses: [10.244.0.5]\n  conditions: {ready: true}\n"));
    }

    BrokerPods pods;
};

TEST_F(BrokerOverNetwork, ReadyFromTheBrokersStatus) {
    fixtureF();
    brokerEndpoint();
    pods.add("10.244.0.5", 200, brokerSays(kSrv1Id, true, 3, kAdded3).dump());
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", true, kAdded3)) << logs();
    EXPECT_EQ(get(kMcpsr, {"mcp-test", "srv1"})["status"]["discoveredTools"], 3);
    ASSERT_FALSE(pods.seen.empty());
    EXPECT_EQ(pods.seen[0], (SeenRequest{"10.244.0.5", "GET", "/status", "10.244.0.5:8080"}));
}

TEST_F(BrokerOverNetwork, NoEndpoints) {
    fixtureF();
    registerSrv1();
    EXPECT_TRUE(srvIs("srv1", false, "Validation failed: no broker endpoints available"));
}

TEST_F(BrokerOverNetwork, ServerError) {
    fixtureF();
    brokerEndpoint();
    pods.add("10.244.0.5", 500, "");
    registerSrv1();
    EXPECT_TRUE(
        srvIs("srv1", false, "Validation failed: failed to get status from any broker endpoint"));
}

// While the broker keeps the controller waiting, the reconcile is in flight (the controller is
// not idle) and nothing is decided; after 10 s of world time it gives up with the reference's
// message.
TEST_F(BrokerOverNetwork, SilentBrokerHoldsTheReconcileForTenSeconds) {
    fixtureF();
    brokerEndpoint();
    pods.add("10.244.0.5", kNeverAnswers);
    createOnly(mcpsrYaml("srv1", "  targetRef: {name: r1}\n  toolPrefix: t1_\n"));
    advance(2100ms);  // the finalizer pass, then the main logic asks the broker
    ASSERT_EQ(pods.seen.size(), 1u);
    EXPECT_FALSE(world().mcpController()->idle());
    EXPECT_FALSE(get(kMcpsr, {"mcp-test", "srv1"}).contains("status"));
    advance(9800ms);
    EXPECT_FALSE(world().mcpController()->idle());
    EXPECT_FALSE(get(kMcpsr, {"mcp-test", "srv1"}).contains("status"));
    advance(300ms);
    EXPECT_TRUE(
        srvIs("srv1", false, "Validation failed: failed to get status from any broker endpoint"));
}

}  // namespace
}  // namespace mcpsim::gateway::testing
