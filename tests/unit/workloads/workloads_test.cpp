// Workloads on the in-process API server and in-memory network, on virtual time: Deployments
// become Running pods serving their mock, Services get endpoints and a cluster DNS name.
#include <gtest/gtest.h>

#include <filesystem>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/process.hpp"
#include "mcpsim/core/redis/client.hpp"
#include "mcpsim/mocks/workloads.hpp"
#include "mcpsim/sim/testing/world_test.hpp"
#include "skip.hpp"

namespace mcpsim::mocks {
namespace {

using core::kube::Gvk;
using core::kube::ObjectKey;
using namespace std::chrono_literals;

const Gvk kDeployment{"apps", "v1", "Deployment"};
const Gvk kPod{"", "v1", "Pod"};

class WorkloadsTest : public sim::testing::WorldTest {
  protected:
    WorkloadsTest() {
        worldConfig().seed = 3;
        worldConfig().addModifier([](sim::WorldBlueprint& bp) {
            bp.components.workloads = true;
            bp.addObjects("apiVersion: v1\nkind: Namespace\nmetadata: {name: mcp-test}\n");
        });
    }
    void SetUp() override { WorldTest::initialize(); }
    std::size_t runningMocks() { return world().workloads()->runningMocks(); }
    std::vector<Json> pods(const std::string& selector) {
        auto list = client().list(kPod, {"mcp-test", selector, ""});
        return std::vector<Json>(list.value()["items"].begin(), list.value()["items"].end());
    }
    // POST initialize to host:port on the cluster network; returns status and body.
    std::pair<int, std::string> initialize(const std::string& host, std::uint16_t port) {
        core::http::Request req;
        req.method = "POST";
        req.target = "/mcp";
        req.headers.set("Content-Type", "application/json");
        req.headers.set("Accept", "application/json, text/event-stream");
        req.body =
            R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
        std::pair<int, std::string> out{-1, ""};
        world().clusterNetwork().request({host, port}, req,
                                         [&](std::error_code ec, core::http::Response r) {
                                             if (ec) {
                                                 out = {0, ec.message()};
                                                 return;
                                             }
                                             out.first = r.status;
                                             out.second = r.body;
                                             if (r.stream) {
                                                 for (auto& chunk : r.stream->take())
                                                     out.second += chunk;
                                             }
                                         });
        EXPECT_TRUE(waitFor([&] { return out.first != -1; }, "a reply from " + host));
        return out;
    }

    static constexpr const char* kApiKeyServer = R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: mcp-api-key-server, namespace: mcp-test, labels: {app: mcp-api-key-server}}
spec:
  replicas: 1
  selector: {matchLabels: {app: mcp-api-key-server}}
  template:
    metadata: {labels: {app: mcp-api-key-server}}
    spec:
      containers:
      - name: server
        image: ghcr.io/kuadrant/mcp-gateway/api-key-server:latest
        env: [{name: PORT, value: "9090"}]
        ports: [{containerPort: 9090}]
---
apiVersion: v1
kind: Service
metadata: {name: mcp-api-key-server, namespace: mcp-test, labels: {app.kubernetes.io/component: mcp-test}}
spec:
  selector: {app: mcp-api-key-server}
  ports: [{name: http, port: 9090, targetPort: 9090}]
)";
};

TEST_F(WorkloadsTest, DeploymentRunsItsMockBehindTheService) {
    apply(kApiKeyServer);
    auto running = pods("app=mcp-api-key-server");
    ASSERT_EQ(running.size(), 1u);
    const Json& pod = running[0];
    EXPECT_EQ(pod["status"]["phase"], "Running");
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["kind"], "ReplicaSet");
    const std::string ip = pod["status"]["podIP"];
    EXPECT_EQ(ip.rfind("10.244.0.", 0), 0u);
    Json dep = client().get(kDeployment, {"mcp-test", "mcp-api-key-server"}).value();
    EXPECT_EQ(dep["status"]["readyReplicas"], 1);
    EXPECT_EQ(dep["status"]["observedGeneration"], dep["metadata"]["generation"]);
    EXPECT_EQ(dep["status"]["conditions"][0]["type"], "Available");
    EXPECT_EQ(dep["status"]["conditions"][0]["status"], "True");
    Json eps = client().get({"", "v1", "Endpoints"}, {"mcp-test", "mcp-api-key-server"}).value();
    EXPECT_EQ(eps["subsets"][0]["addresses"][0]["ip"], ip);
    auto slices = client().list({"discovery.k8s.io", "v1", "EndpointSlice"},
                                {"mcp-test", "kubernetes.io/service-name=mcp-api-key-server", ""});
    ASSERT_EQ(slices.value()["items"].size(), 1u);
    const Json& slice = slices.value()["items"][0];
    EXPECT_EQ(slice["metadata"]["labels"]["app.kubernetes.io/component"], "mcp-test");  // inherited
    EXPECT_EQ(slice["endpoints"][0]["conditions"]["ready"], true);
    EXPECT_EQ(slice["endpoints"][0]["addresses"][0], ip);
    EXPECT_EQ(runningMocks(), 1u);
    // Reachable by Service DNS name and by pod IP.
    auto viaService = initialize(serviceHost("mcp-api-key-server", "mcp-test"), 9090);
    EXPECT_EQ(viaService.first, 200) << viaService.second;
    EXPECT_NE(viaService.second.find("mcp-api-key-test-server"), std::string::npos)
        << viaService.second;
    EXPECT_EQ(initialize(ip, 9090).first, 200);
}

TEST_F(WorkloadsTest, ScalingToZeroStopsTheMockAndTheServiceRefusesConnections) {
    apply(kApiKeyServer);
    ASSERT_EQ(runningMocks(), 1u);
    ASSERT_TRUE(client()
                    .patch(kDeployment, {"mcp-test", "mcp-api-key-server"},
                           core::kube::PatchType::Merge, {{"spec", {{"replicas", 0}}}})
                    .ok());
    settle();
    EXPECT_TRUE(pods("app=mcp-api-key-server").empty());
    EXPECT_EQ(runningMocks(), 0u);
    auto refused = initialize(serviceHost("mcp-api-key-server", "mcp-test"), 9090);
    EXPECT_EQ(refused.first, 0) << "connection refused, as for a Service without endpoints";
    ASSERT_TRUE(client()
                    .patch(kDeployment, {"mcp-test", "mcp-api-key-server"},
                           core::kube::PatchType::Merge, {{"spec", {{"replicas", 2}}}})
                    .ok());
    settle();
    EXPECT_EQ(pods("app=mcp-api-key-server").size(), 2u);
    EXPECT_EQ(runningMocks(), 2u);
    EXPECT_EQ(initialize(serviceHost("mcp-api-key-server", "mcp-test"), 9090).first, 200);
}

TEST_F(WorkloadsTest, DeletingTheDeploymentRemovesPodsAndMocks) {
    apply(kApiKeyServer);
    client().remove(kDeployment, {"mcp-test", "mcp-api-key-server"});
    settle();
    EXPECT_TRUE(pods("app=mcp-api-key-server").empty());
    EXPECT_EQ(runningMocks(), 0u);
}

TEST_F(WorkloadsTest, UnknownImageIsImagePullBackOffWithAnEvent) {
    apply(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: mystery, namespace: mcp-test}
spec:
  selector: {matchLabels: {app: mystery}}
  template:
    metadata: {labels: {app: mystery}}
    spec: {containers: [{name: c, image: example.com/unknown:1.0}]}
)");
    auto ps = pods("app=mystery");
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0]["status"]["phase"], "Pending");
    EXPECT_EQ(ps[0]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
              "ImagePullBackOff");
    auto events = client().list({"", "v1", "Event"}, {"mcp-test", "", "reason=BackOff"});
    ASSERT_EQ(events.value()["items"].size(), 1u);
    EXPECT_EQ(events.value()["items"][0]["message"],
              "Back-off pulling image \"example.com/unknown:1.0\"");
    Json dep = client().get(kDeployment, {"mcp-test", "mystery"}).value();
    EXPECT_EQ(dep["status"]["conditions"][0]["status"], "False");
    EXPECT_EQ(runningMocks(), 0u);
}

TEST_F(WorkloadsTest, AnnotationNamesTheMockWhateverTheImage) {
    apply(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: mine, namespace: mcp-test}
spec:
  selector: {matchLabels: {app: mine}}
  template:
    metadata:
      labels: {app: mine}
      annotations: {mcpsim.io/mock: api-key}
    spec: {containers: [{name: c, image: registry.local/my-server:dev, env: [{name: PORT, value: "7000"}]}]}
)");
    auto ps = pods("app=mine");
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0]["status"]["phase"], "Running");
    EXPECT_EQ(initialize(ps[0]["status"]["podIP"], 7000).first, 200);
}

TEST_F(WorkloadsTest, AnnotationNamingNoMockSaysSo) {
    apply(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: typo, namespace: mcp-test}
spec:
  selector: {matchLabels: {app: typo}}
  template:
    metadata:
      labels: {app: typo}
      annotations: {mcpsim.io/mock: sever2}
    spec: {containers: [{name: c, image: registry.local/x:1}]}
)");
    auto ps = pods("app=typo");
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
              "ImagePullBackOff");
    auto events = client().list({"", "v1", "Event"}, {"mcp-test", "", "reason=Failed"});
    ASSERT_EQ(events.value()["items"].size(), 1u);
    EXPECT_EQ(events.value()["items"][0]["message"],
              "Failed to pull image \"registry.local/x:1\": mcpsim has no mock named \"sever2\" "
              "(from the mcpsim.io/mock annotation)");
}

// A program that cannot start (here: a port it cannot listen on) crash-loops, and says why in
// its log; the API server's objects stay consistent and nothing listens.
TEST_F(WorkloadsTest, UnusablePortIsCrashLoopBackOff) {
    for (const char* port : {"abc", "0", "70000"}) {
        SCOPED_TRACE(port);
        const std::string name = std::string("bad-port-") + (port[0] == 'a' ? "a" : port);
        apply("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name +
              ", namespace: mcp-test}\nspec:\n  selector: {matchLabels: {app: " + name +
              "}}\n  template:\n    metadata: {labels: {app: " + name +
              "}}\n    spec: {containers: [{name: c, image: test-server1, env: [{name: PORT, "
              "value: \"" +
              port + "\"}]}]}\n");
        auto ps = pods("app=" + name);
        ASSERT_EQ(ps.size(), 1u);
        const Json& st = ps[0]["status"];
        EXPECT_EQ(st["phase"], "Running");
        EXPECT_EQ(st["containerStatuses"][0]["state"]["waiting"]["reason"], "CrashLoopBackOff");
        EXPECT_EQ(st["conditions"][0]["status"], "False");
        const std::string pod = ps[0]["metadata"]["name"];
        const auto lines = runtime().logs().lines("mcp-test/" + pod + "/c");
        ASSERT_EQ(lines.size(), 1u);
        EXPECT_NE(lines[0].text.find("level=ERROR msg=\"server exited\" mock=server1 "
                                     "error=\"invalid PORT \\\"" +
                                     std::string(port) + "\\\"\""),
                  std::string::npos)
            << lines[0].text;
    }
    EXPECT_EQ(runningMocks(), 0u);
}

// ---- images that run as a program of this machine -------------------------------------------

bool onPath(const std::string& program) {
    const char* path = std::getenv("PATH");
    return !core::lookPath(program, path ? path : "").empty();
}

constexpr const char* kRedis = R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: redis, namespace: mcp-test}
spec:
  selector: {matchLabels: {app: redis}}
  template:
    metadata: {labels: {app: redis}}
    spec:
      containers:
      - {name: redis, image: "docker.io/library/redis:7", ports: [{containerPort: 6379}]}
---
apiVersion: v1
kind: Service
metadata: {name: redis, namespace: mcp-test}
spec:
  selector: {app: redis}
  ports: [{port: 6379, targetPort: 6379}]
)";

class ProgramWorkloadsTest : public WorkloadsTest {
  protected:
    // One command's answer, as "error:<why>" or the reply's text.
    std::string command(const std::string& host, std::vector<std::string> argv) {
        core::redis::Client redis(runtime(), core::redis::Address{host, 6379, "", "", "", 0});
        std::string out;
        bool done = false;
        redis.command(std::move(argv), [&](const std::string& error, const core::redis::Reply& r) {
            out = error.empty() ? r.text : "error:" + error;
            done = true;
        });
        EXPECT_TRUE(waitFor([&] { return done; }, "a reply from " + host));
        return out;
    }
};

// The redis image runs as the machine's redis-server: its pod is Running once the server
// accepts connections, and a Redis client of the pod's address or of the Service's reaches it.
// Scaled away, the server is stopped and its directory removed.
TEST_F(ProgramWorkloadsTest, RedisImageRunsTheMachinesRedisServerBehindItsService) {
    if (!onPath("redis-server")) MCPSIM_SKIP_OR_FAIL_IN_CI("redis-server is not installed");
    apply(kRedis);
    auto ps = pods("app=redis");
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0]["status"]["phase"], "Running");
    EXPECT_EQ(ps[0]["status"]["containerStatuses"][0]["imageID"], "mcpsim://program/redis");
    const std::string ip = ps[0]["status"]["podIP"];
    EXPECT_EQ(command(ip, {"PING"}), "PONG");
    const std::string service = serviceHost("redis", "mcp-test");
    EXPECT_EQ(command(service, {"SET", "k", "v"}), "OK");
    EXPECT_EQ(command(service, {"GET", "k"}), "v");  // one server behind both addresses
    const auto log = runtime().logs().lines(
        "mcp-test/" + ps[0]["metadata"]["name"].get<std::string>() + "/redis");
    ASSERT_FALSE(log.empty());
    EXPECT_NE(log[0].text.find("msg=\"starting program\" program=redis-server listen=:6379"),
              std::string::npos)
        << log[0].text;
    auto podDirs = [] {
        std::size_t n = 0;
        for (const auto& e :
             std::filesystem::directory_iterator(std::filesystem::temp_directory_path())) {
            n += e.path().filename().string().rfind("mcpsim-pod-", 0) == 0;
        }
        return n;
    };
    const std::size_t dirs = podDirs();
    EXPECT_GE(dirs, 1u);
    ASSERT_TRUE(client()
                    .patch(kDeployment, {"mcp-test", "redis"}, core::kube::PatchType::Merge,
                           {{"spec", {{"replicas", 0}}}})
                    .ok());
    settle();
    EXPECT_TRUE(pods("app=redis").empty());
    EXPECT_EQ(podDirs(), dirs - 1);
    EXPECT_EQ(command(service, {"PING"}).rfind("error:dial tcp: lookup " + service, 0), 0u);
}

// A program that is not on the machine: the pod is CrashLoopBackOff and its log says why.
class MissingProgramTest : public ProgramWorkloadsTest {
  protected:
    MissingProgramTest() {
        worldConfig().addModifier([](sim::WorldBlueprint& bp) {
            bp.mockImages =
                "programs: [{name: nothing, command: [mcpsim-no-such-program, '{socket}'], "
                "port: 1}]\nimages: [{image: example.com/nothing, program: nothing}]\n";
        });
    }
};

TEST_F(MissingProgramTest, IsCrashLoopBackOffSayingWhy) {
    apply(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nothing, namespace: mcp-test}\n"
        "spec:\n  selector: {matchLabels: {app: nothing}}\n  template:\n    metadata: {labels: "
        "{app: nothing}}\n    spec: {containers: [{name: c, image: example.com/nothing:1}]}\n");
    auto ps = pods("app=nothing");
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
              "CrashLoopBackOff");
    const auto log =
        runtime().logs().lines("mcp-test/" + ps[0]["metadata"]["name"].get<std::string>() + "/c");
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].text.find(
                  "exec: \\\"mcpsim-no-such-program\\\": executable file not found in $PATH"),
              std::string::npos)
        << log[0].text;
}

TEST(ImageTable, ProgramRowsNeedAKnownProgramAndAWellFormedSpec) {
    ImageTable t;
    ASSERT_NE(t.programFor("redis:7"), nullptr);
    EXPECT_EQ(t.programFor("redis:7")->port, 6379);
    EXPECT_FALSE(t.mockFor("redis:7"));
    EXPECT_EQ(t.programFor("test-server1"), nullptr);
    for (const char* bad : {"images: [{image: x, program: nope}]",
                            "images: [{image: x, program: redis, mock: server1}]",
                            "programs: [{name: p, command: [], port: 1}]\nimages: []",
                            "programs: [{name: p, command: [x], port: 70000}]\nimages: []"}) {
        EXPECT_THROW(t.addYaml(bad), std::runtime_error) << bad;
    }
    t.addYaml("programs: [{name: p, command: [x], port: 7}]\nimages: [{image: redis, program: p}]");
    EXPECT_EQ(t.programFor("redis:7")->port, 7);  // later rows first
}

}  // namespace
}  // namespace mcpsim::mocks
