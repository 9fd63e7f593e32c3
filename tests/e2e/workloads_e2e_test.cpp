// Deployments of known MCP server images become Running pods whose mock answers through the
// Service, checked with the real kubectl and curl (through the API server's service proxy).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "process.hpp"

namespace mcpsim::testing {
namespace {

using namespace std::chrono_literals;

class WorkloadsE2E : public ::testing::Test {
  protected:
    // Virtual time: the world settles after each kubectl write, so one read shows the result.
    void SetUp() override {
        server_ = std::make_unique<ServeProcess>(31, "--world seed --clock virtual");
    }
    std::string ok(const std::string& script) {
        CommandResult r = server_->sh(script);
        EXPECT_EQ(r.exitCode, 0) << script << "\nstdout: " << r.out << "\nstderr: " << r.err;
        return r.out;
    }
    // One run of a read-only command prints `want`.
    ::testing::AssertionResult showsNow(const std::string& script, const std::string& want) {
        CommandResult r = server_->sh(script);
        if (r.out == want) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "`" << script << "` printed \"" << r.out << "\"";
    }
    // POST initialize to a Service through the API server proxy; prints the HTTP status and the
    // serverInfo name from the SSE or JSON answer.
    std::string initializeViaProxy(const std::string& service) {
        return server_
            ->sh(
                "S=$(kubectl config view -o jsonpath='{.clusters[0].cluster.server}'); "
                "curl -s -o body.txt -w '%{http_code}' -X POST "
                "\"$S/api/v1/namespaces/mcp-test/services/" +
                service +
                "/proxy/mcp\" -H 'Content-Type: application/json' -H 'Accept: application/json, "
                "text/event-stream' "
                "-d "
                "'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                "\"protocolVersion\":"
                "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"e2e\",\"version\":"
                "\"1\"}}}'; "
                "echo -n ' '; sed -n 's/^data: //p' body.txt | jq -r .result.serverInfo.name")
            .out;
    }
    std::unique_ptr<ServeProcess> server_;
};

TEST_F(WorkloadsE2E, ApiKeyServerDeploymentRunsAndAnswersThroughItsService) {
    ok(R"(kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: my-api-key-server, namespace: mcp-test, labels: {app: my-api-key-server}}
spec:
  replicas: 1
  selector: {matchLabels: {app: my-api-key-server}}
  template:
    metadata: {labels: {app: my-api-key-server}}
    spec:
      containers:
      - name: server
        image: ghcr.io/kuadrant/mcp-gateway/api-key-server:latest
        env: [{name: PORT, value: "9090"}]
        ports: [{containerPort: 9090}]
---
apiVersion: v1
kind: Service
metadata: {name: my-api-key-server, namespace: mcp-test}
spec:
  selector: {app: my-api-key-server}
  ports: [{port: 9090, targetPort: 9090}]
EOF)");
    EXPECT_TRUE(
        showsNow("kubectl get pods -n mcp-test -l app=my-api-key-server -o "
                   "jsonpath='{.items[*].status.phase}'",
                   "Running"));
    std::string pods = ok("kubectl get pods -n mcp-test -l app=my-api-key-server");
    EXPECT_TRUE(std::regex_search(
        pods, std::regex("my-api-key-server-[a-z0-9]+-[a-z0-9]{5} +1/1 +Running +0 ")))
        << pods;
    std::string logs = ok("kubectl logs -n mcp-test deploy/my-api-key-server");
    EXPECT_NE(logs.find("msg=\"starting MCP server\" mock=api-key listen=:9090"), std::string::npos)
        << logs;
    EXPECT_TRUE(
        showsNow("kubectl get endpoints my-api-key-server -n mcp-test -o "
                   "jsonpath='{.subsets[0].ports[0].port}'",
                   "9090"));
    EXPECT_EQ(initializeViaProxy("my-api-key-server:9090"), "200 mcp-api-key-test-server\n");
    EXPECT_EQ(ok("kubectl rollout status deployment/my-api-key-server -n mcp-test --timeout=10s"),
              "deployment \"my-api-key-server\" successfully rolled out\n");
    ok("kubectl delete deployment my-api-key-server -n mcp-test");
    EXPECT_TRUE(showsNow("kubectl get pods -n mcp-test -l app=my-api-key-server -o name", ""));
    EXPECT_EQ(initializeViaProxy("my-api-key-server:9090").substr(0, 3), "503");
}

TEST_F(WorkloadsE2E, UnknownImageShowsImagePullBackOffAndAnEvent) {
    ok("kubectl create deployment mystery -n mcp-test --image=example.com/not-a-mock:1.0");
    EXPECT_TRUE(
        showsNow("kubectl get pods -n mcp-test -l app=mystery -o "
                   "jsonpath='{.items[0].status.containerStatuses[0].state.waiting.reason}'",
                   "ImagePullBackOff"));
    std::string pods = ok("kubectl get pods -n mcp-test -l app=mystery");
    EXPECT_NE(pods.find("0/1     ImagePullBackOff"), std::string::npos) << pods;
    std::string events =
        ok("kubectl get events -n mcp-test --field-selector reason=BackOff -o "
           "jsonpath='{.items[0].message}'");
    EXPECT_EQ(events, "Back-off pulling image \"example.com/not-a-mock:1.0\"");
}

TEST_F(WorkloadsE2E, ScaleToZeroAndBack) {
    EXPECT_EQ(initializeViaProxy("mcp-api-key-server:9090"), "200 mcp-api-key-test-server\n");
    ok("kubectl scale deployment mcp-api-key-server -n mcp-test --replicas=0");
    EXPECT_TRUE(showsNow("kubectl get pods -n mcp-test -l app=mcp-api-key-server -o name", ""));
    EXPECT_EQ(initializeViaProxy("mcp-api-key-server:9090").substr(0, 3), "503");
    ok("kubectl scale deployment mcp-api-key-server -n mcp-test --replicas=1");
    EXPECT_EQ(ok("kubectl rollout status deployment/mcp-api-key-server -n mcp-test --timeout=10s"),
              "deployment \"mcp-api-key-server\" successfully rolled out\n");
    EXPECT_EQ(initializeViaProxy("mcp-api-key-server:9090"), "200 mcp-api-key-test-server\n");
}

// A user's own image, mapped to a mock with `serve --mock-images`; a bad table stops serve.
TEST(MockImagesFlag, UserTableMapsAnImageToAMock) {
    const std::string dir = makeTempDir("mock-images");
    {
        std::ofstream table(dir + "/images.yaml");
        table << "images:\n- {image: registry.example/team/hello, mock: server2}\n";
    }
    ServeProcess server(31, "--world seed --mock-images " + dir + "/images.yaml");
    CommandResult created = server.sh(
        "kubectl create deployment hello -n default --image=registry.example/team/hello:2.1 "
        "&& kubectl rollout status deployment/hello --timeout=10s");
    EXPECT_EQ(created.exitCode, 0) << created.err;
    CommandResult logs = server.sh("kubectl logs deploy/hello");
    EXPECT_NE(logs.out.find("mock=server2"), std::string::npos) << logs.out << logs.err;

    {
        std::ofstream bad(dir + "/bad.yaml");
        bad << "images:\n- {image: x, mock: no-such-mock}\n";
    }
    CommandResult refused = runShell("'" + mcpsimBinary() + "' serve --world bare --mock-images '" +
                                     dir + "/bad.yaml' --kubeconfig '" + dir + "/kc'");
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_EQ(refused.err, "mcpsim: --mock-images " + dir +
                               "/bad.yaml: mock image table: unknown mock \"no-such-mock\" for "
                               "image \"x\"\n");
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mcpsim::testing
