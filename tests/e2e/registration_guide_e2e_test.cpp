// The registration guide's manifests, unedited, through real kubectl against `mcpsim serve` with
// the seed world (the guide's prerequisites installed, controllers running), and the negative
// paths: each shows the reference's message and recovers once the input is fixed.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "process.hpp"

namespace mcpsim::testing {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> guideBlocks() {
    std::ifstream in(std::string(MCPSIM_SOURCE_DIR) + "/tests/data/mcp-server-registration.md");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string md = ss.str();
    std::vector<std::string> blocks;
    std::regex fence("```bash\n([\\s\\S]*?)```");
    for (auto it = std::sregex_iterator(md.begin(), md.end(), fence); it != std::sregex_iterator();
         ++it) {
        blocks.push_back((*it)[1]);
    }
    return blocks;
}

class RegistrationGuideE2E : public ::testing::Test {
  protected:
    // Virtual time: each kubectl write is answered, then the world settles, so the next kubectl
    // command already sees what a patient user would (no polling).
    void SetUp() override {
        server_ = std::make_unique<ServeProcess>(31, "--world seed --clock virtual");
    }

    std::string ok(const std::string& script) {
        CommandResult r = server_->sh(script);
        EXPECT_EQ(r.exitCode, 0) << script << "\nstdout: " << r.out << "\nstderr: " << r.err;
        return r.out;
    }
    // One run of a read-only command prints `want`: the world settled after the last write.
    ::testing::AssertionResult showsNow(const std::string& script, const std::string& want) {
        CommandResult r = server_->sh(script);
        if (r.out == want) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << "`" << script << "` printed \"" << r.out
                                             << "\", want \"" << want << "\"; stderr: " << r.err;
    }
    std::string readyOf(const std::string& kindAndName, const std::string& ns) {
        return "kubectl get " + kindAndName + " -n " + ns +
               " -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].reason}: "
               "{.status.conditions[?(@.type==\"Ready\")].message}'";
    }

    std::unique_ptr<ServeProcess> server_;
};

TEST_F(RegistrationGuideE2E, GuideManifestsUneditedShowTheWaitDefectThenConverge) {
    auto blocks = guideBlocks();
    ASSERT_EQ(blocks.size(), 7u);
    // Step 1: the extension, cross-namespace, before its ReferenceGrant exists.
    EXPECT_EQ(ok(blocks[0]), "mcpgatewayextension.mcp.kagenti.com/mcp-extension created\n");
    EXPECT_TRUE(showsNow(readyOf("mcpgatewayextension/mcp-extension", "mcp-test"),
                           "ReferenceGrantRequired: ReferenceGrant required in namespace "
                           "gateway-system to allow cross-namespace reference"));
    // The guide's wait (block 2) comes before the grant it needs: it cannot succeed. Shown here
    // with a short timeout; the guide's own 60 s gives the same result, a minute later.
    std::string shortWait =
        std::regex_replace(blocks[1], std::regex("--timeout=60s"), "--timeout=2s");
    CommandResult waited = server_->sh(shortWait);
    EXPECT_EQ(waited.exitCode, 1);
    EXPECT_EQ(waited.err,
              "error: timed out waiting for the condition on mcpgatewayextensions/mcp-extension\n");
    // The empty config Secret the reference writes for an extension without a grant.
    EXPECT_TRUE(
        showsNow("kubectl get secret mcp-gateway-config -n mcp-test -o "
                   "jsonpath='{.data.config\\.yaml}' | base64 -d",
                   "servers: []\nvirtualServers: []\n"));
    // Step 1b: the grant. The guide's wait now succeeds at once.
    EXPECT_EQ(ok(blocks[2]),
              "referencegrant.gateway.networking.k8s.io/allow-mcp-extension created\n");
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(ok(blocks[1]), "mcpgatewayextension.mcp.kagenti.com/mcp-extension condition met\n");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_EQ(server_->sh(readyOf("mcpgatewayextension/mcp-extension", "mcp-test")).out,
              "ValidMCPGatewayExtension: successfully verified and configured");
    // The route and the registration.
    EXPECT_EQ(ok(blocks[3]),
              "httproute.gateway.networking.k8s.io/mcp-api-key-server-route created\n");
    EXPECT_TRUE(
        showsNow("kubectl get httproute mcp-api-key-server-route -n mcp-test -o "
                   "jsonpath='{.status.parents[0].conditions[?(@.type==\"Accepted\")].status}'",
                   "True"));
    EXPECT_EQ(ok(blocks[4]), "mcpserverregistration.mcp.kagenti.com/my-mcp-server created\n");
    EXPECT_TRUE(
        showsNow("kubectl get secret mcp-gateway-config -n mcp-test -o "
                   "jsonpath='{.data.config\\.yaml}' | base64 -d",
                   "servers:\n"
                   "- enabled: true\n"
                   "  hostname: api-key-server.mcp.local\n"
                   "  name: mcp-test/my-mcp-server\n"
                   "  toolPrefix: myserver_\n"
                   "  url: http://mcp-api-key-server.mcp-test.svc.cluster.local:9090/mcp\n"));
    // The broker discovers the api-key server's one tool; the controller copies its status.
    EXPECT_TRUE(showsNow(readyOf("mcpsr/my-mcp-server", "mcp-test"),
                           "Ready: server added successfully. Total tools added 1"));
    // Step 3, unedited: the table, the controller's logs, the broker's discovery line.
    CommandResult step3 = server_->sh(blocks[5]);
    EXPECT_EQ(step3.exitCode, 0) << step3.out << step3.err;
    std::regex row(
        "NAMESPACE +NAME +PREFIX +TARGET +PATH +READY +TOOLS +CREDENTIALS +AGE\n"
        "mcp-test +my-mcp-server +myserver_ +mcp-api-key-server-route +/mcp +True +1 +"
        "[0-9]+s\n");
    EXPECT_TRUE(std::regex_search(step3.out, row)) << step3.out;
    EXPECT_NE(step3.out.find("msg=\"Controller starting (health: :8081, metrics: :8082)...\""),
              std::string::npos);
    std::regex discovered(
        "time=[^ ]+ level=INFO msg=\"Discovered tools\" component=broker "
        "sub-component=mcp-manager \"upstream mcp server\"=mcp-test/my-mcp-server:myserver_:"
        "api-key-server.mcp.local mcpURL=http://mcp-api-key-server.mcp-test.svc.cluster.local:"
        "9090/mcp #tools=1\n$");
    EXPECT_TRUE(std::regex_search(step3.out, discovered)) << step3.out;
    std::string logs = ok("kubectl logs -n mcp-system deployment/mcp-gateway-controller");
    EXPECT_NE(logs.find("msg=\"reconciling mcpgatewayextension\""), std::string::npos);
    EXPECT_NE(
        logs.find("msg=\"main reconcile logic starting for\" controller=mcpserverregistration"),
        std::string::npos);
    // The controller runs with --log-level=0: every message listed for it is at INFO.
    EXPECT_NE(logs.find("level=INFO msg=\"SecretReaderWriter readOrCreateConfigSecret\""),
              std::string::npos);
    EXPECT_EQ(logs.find("level=DEBUG"), std::string::npos) << logs;
    // Step 4, unedited: initialize, the session id from the dumped headers, tools/list through
    // the gateway URL (reached through the gateway listener as curl's HTTP proxy).
    CommandResult step4 = server_->sh(blocks[6]);
    EXPECT_EQ(step4.exitCode, 0) << step4.err;
    const std::string init =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":\"2025-06-18\","
        "\"capabilities\":{\"tools\":{\"listChanged\":true}},\"serverInfo\":{\"name\":"
        "\"Kagenti MCP Broker\",\"version\":\"0.0.1\"}}}\n";
    ASSERT_EQ(step4.out.rfind(init, 0), 0u) << step4.out;
    std::smatch m;
    const std::string rest = step4.out.substr(init.size());
    ASSERT_TRUE(std::regex_search(
        rest, m,
        std::regex("^MCP Session ID: ([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)\n")))
        << rest;
    const std::string listed = rest.substr(m[0].length());
    auto body = nlohmann::json::parse(listed, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << listed;
    EXPECT_EQ(body["id"], 2);
    std::vector<std::string> names;
    for (const auto& t : body["result"]["tools"]) names.push_back(t["name"]);
    EXPECT_EQ(names, std::vector<std::string>{"myserver_hello_world"}) << listed;
    EXPECT_EQ(body["result"]["tools"][0]["description"],
              "A simple hello world tool that requires authentication");
    EXPECT_EQ(server_->sh("test -e /tmp/mcp_headers; echo $?").out, "1\n");
}

// The guide's objects with the grant first, then one `kubectl get mcpsr -A`: on virtual time the
// registration is already Ready (the world settled over the 2 s finalizer requeue and the 5 s
// status requeue), and AGE, which the server computes on the world clock, counts that time.
TEST_F(RegistrationGuideE2E, VirtualClockShowsTheReconciledStatusAtOnce) {
    auto blocks = guideBlocks();
    ASSERT_EQ(blocks.size(), 7u);
    for (int i : {0, 2, 3, 4}) ok(blocks[i]);
    CommandResult got = server_->sh("kubectl get mcpsr -A");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        got.out, m,
        std::regex("\nmcp-test +my-mcp-server +myserver_ +mcp-api-key-server-route +/mcp +True +1 "
                   "+([0-9]+)s\n")))
        << got.out << got.err;
    EXPECT_GE(std::stoi(m[1]), 7) << got.out;
    EXPECT_LT(std::stoi(m[1]), 60) << got.out;
}

// The upstream install step re-applies the CRD files; a registration created afterwards is
// stored once and reconciled (it used to answer std::bad_alloc and stay unreconciled).
TEST_F(RegistrationGuideE2E, ReappliedCrdThenRegistrationIsReconciled) {
    CommandResult crd = server_->sh("kubectl apply -f '" + std::string(MCPSIM_SOURCE_DIR) +
                                    "/fake-apiserver/data/crds/mcp.kagenti.com_mcpserverregistrations.yaml'");
    EXPECT_EQ(crd.exitCode, 0) << crd.err;
    EXPECT_EQ(crd.out,
              "customresourcedefinition.apiextensions.k8s.io/"
              "mcpserverregistrations.mcp.kagenti.com configured\n");
    auto blocks = guideBlocks();
    ASSERT_EQ(blocks.size(), 7u);
    for (int i : {0, 2, 3}) ok(blocks[i]);
    EXPECT_EQ(ok(blocks[4]), "mcpserverregistration.mcp.kagenti.com/my-mcp-server created\n");
    EXPECT_TRUE(showsNow(readyOf("mcpsr/my-mcp-server", "mcp-test"),
                         "Ready: server added successfully. Total tools added 1"));
    EXPECT_TRUE(showsNow("kubectl get mcpsr -A -o name",
                         "mcpserverregistration.mcp.kagenti.com/my-mcp-server\n"));
}

// The same on real time takes the seconds the reference takes: right after the apply the
// registration is not Ready yet; `kubectl wait` sees it become Ready after the 2 s requeue.
TEST(RegistrationGuideRealClockE2E, ReadyAfterTheReferencesRequeues) {
    ServeProcess server(31, "--world seed --clock real");
    auto blocks = guideBlocks();
    ASSERT_EQ(blocks.size(), 7u);
    for (int i : {0, 2, 3, 4}) {
        CommandResult r = server.sh(blocks[i]);
        ASSERT_EQ(r.exitCode, 0) << r.err;
    }
    const auto start = std::chrono::steady_clock::now();
    CommandResult first = server.sh(
        "kubectl get mcpsr my-mcp-server -n mcp-test -o "
        "jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}'");
    EXPECT_NE(first.out, "True");
    CommandResult waited = server.sh(
        "kubectl wait --for=condition=Ready mcpsr/my-mcp-server -n mcp-test --timeout=30s");
    EXPECT_EQ(waited.exitCode, 0) << waited.err;
    EXPECT_EQ(waited.out, "mcpserverregistration.mcp.kagenti.com/my-mcp-server condition met\n");
    EXPECT_GE(std::chrono::steady_clock::now() - start, 2s);
}

TEST_F(RegistrationGuideE2E, MissingRouteThenRouteCreated) {
    ok(R"(kubectl apply -f - <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPGatewayExtension
metadata: {name: mcp-gateway-extension, namespace: mcp-system}
spec:
  targetRef: {name: mcp-gateway, namespace: gateway-system}
---
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPServerRegistration
metadata: {name: srv, namespace: mcp-test}
spec:
  targetRef: {name: route}
EOF)");
    EXPECT_TRUE(showsNow(readyOf("mcpsr/srv", "mcp-test"),
                           "NotReady: failed to get targeted httproute "
                           "HTTPRoute.gateway.networking.k8s.io \"route\" not found"));
    ok(R"(kubectl apply -f - <<EOF
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route, namespace: mcp-test}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: [api-key-server.mcp.local]
  rules: [{backendRefs: [{name: mcp-api-key-server, port: 9090}]}]
EOF)");
    EXPECT_TRUE(showsNow(readyOf("mcpsr/srv", "mcp-test"),
                           "Ready: server added successfully. Total tools added 1"));
}

TEST_F(RegistrationGuideE2E, RouteWithoutBackendRefsThenFixed) {
    ok(R"(kubectl apply -f - <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPGatewayExtension
metadata: {name: mcp-gateway-extension, namespace: mcp-system}
spec:
  targetRef: {name: mcp-gateway, namespace: gateway-system}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route, namespace: mcp-test}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: [api-key-server.mcp.local]
---
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPServerRegistration
metadata: {name: srv, namespace: mcp-test}
spec:
  targetRef: {name: route}
EOF)");
    EXPECT_TRUE(showsNow(readyOf("mcpsr/srv", "mcp-test"),
                           "NotReady: HTTPRoute mcp-test/route has no backend references"));
    ok(R"(kubectl patch httproute route -n mcp-test --type merge -p '{"spec":{"rules":[{"backendRefs":[{"name":"mcp-api-key-server","port":9090}]}]}}')");
    EXPECT_TRUE(showsNow(readyOf("mcpsr/srv", "mcp-test"),
                           "Ready: server added successfully. Total tools added 1"));
}

TEST_F(RegistrationGuideE2E, SecondExtensionOnTheSameGatewayConflicts) {
    ok(R"(kubectl apply -f - <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPGatewayExtension
metadata: {name: first, namespace: mcp-system}
spec:
  targetRef: {name: mcp-gateway, namespace: gateway-system}
EOF)");
    EXPECT_TRUE(showsNow(readyOf("mcpgatewayextension/first", "mcp-system"),
                           "ValidMCPGatewayExtension: successfully verified and configured"));
    // Real-time exception: the test needs the second extension created in a later second of the
    // server's clock (creationTimestamp has one-second resolution and the older one wins), and
    // nothing the world does here moves its clock; a real cluster takes the same second.
    std::this_thread::sleep_for(1100ms);
    ok(R"(kubectl create namespace team-a && kubectl apply -f - <<EOF
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow-team-a, namespace: gateway-system}
spec:
  from: [{group: mcp.kagenti.com, kind: MCPGatewayExtension, namespace: team-a}]
  to: [{group: gateway.networking.k8s.io, kind: Gateway}]
---
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPGatewayExtension
metadata: {name: second, namespace: team-a}
spec:
  targetRef: {name: mcp-gateway, namespace: gateway-system}
EOF)");
    EXPECT_TRUE(showsNow(
        readyOf("mcpgatewayextension/second", "team-a"),
        "InvalidMCPGatewayExtension: conflict. Gateway target already configured as MCP Gateway"));
    // Removing the older extension hands the Gateway to the second one.
    ok("kubectl delete mcpgatewayextension first -n mcp-system");
    EXPECT_TRUE(showsNow(readyOf("mcpgatewayextension/second", "team-a"),
                           "ValidMCPGatewayExtension: successfully verified and configured"));
}

TEST_F(RegistrationGuideE2E, DeletingTheExtensionEmptiesItsConfigAndRecreatingRestoresIt) {
    const std::string ext = R"(kubectl apply -f - <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPGatewayExtension
metadata: {name: mcp-gateway-extension, namespace: mcp-system}
spec:
  targetRef: {name: mcp-gateway, namespace: gateway-system}
EOF)";
    ok(ext);
    ok(R"(kubectl apply -f - <<EOF
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route, namespace: mcp-test}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: [api-key-server.mcp.local]
  rules: [{backendRefs: [{name: mcp-api-key-server, port: 9090}]}]
---
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPServerRegistration
metadata: {name: srv, namespace: mcp-test}
spec:
  targetRef: {name: route}
EOF)");
    const std::string config =
        "kubectl get secret mcp-gateway-config -n mcp-system -o jsonpath='{.data.config\\.yaml}' | "
        "base64 -d | grep -c 'name: mcp-test/srv'";
    EXPECT_TRUE(showsNow(config, "1\n"));
    EXPECT_EQ(ok("kubectl delete mcpgatewayextension mcp-gateway-extension -n mcp-system"),
              "mcpgatewayextension.mcp.kagenti.com \"mcp-gateway-extension\" deleted\n");
    EXPECT_TRUE(
        showsNow("kubectl get secret mcp-gateway-config -n mcp-system -o "
                   "jsonpath='{.data.config\\.yaml}' | base64 -d",
                   "servers: []\nvirtualServers: []\n"));
    EXPECT_TRUE(showsNow(readyOf("mcpsr/srv", "mcp-test"),
                           "NotReady: no valid mcpgatewayextensions configured"));
    ok(ext);
    EXPECT_TRUE(showsNow(config, "1\n"));
    EXPECT_TRUE(showsNow(readyOf("mcpsr/srv", "mcp-test"),
                           "Ready: server added successfully. Total tools added 1"));
}

TEST_F(RegistrationGuideE2E, CredentialSecretNeedsTheLabel) {
    ok(R"(kubectl apply -f - <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPGatewayExtension
metadata: {name: mcp-gateway-extension, namespace: mcp-system}
spec:
  targetRef: {name: mcp-gateway, namespace: gateway-system}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: mcp-test}
stringData: {token: "Bearer test-api-key-secret-token"}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: route, namespace: mcp-test}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: [api-key-server.mcp.local]
  rules: [{backendRefs: [{name: mcp-api-key-server, port: 9090}]}]
---
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPServerRegistration
metadata: {name: srv, namespace: mcp-test}
spec:
  targetRef: {name: route}
  credentialRef: {name: creds}
EOF)");
    EXPECT_TRUE(showsNow(readyOf("mcpsr/srv", "mcp-test"),
                           "NotReady: credential secret creds is missing required label "
                           "mcp.kagenti.com/credential=true"));
    ok("kubectl label secret creds -n mcp-test mcp.kagenti.com/credential=true");
    EXPECT_TRUE(showsNow(readyOf("mcpsr/srv", "mcp-test"),
                           "Ready: server added successfully. Total tools added 1"));
    EXPECT_TRUE(
        showsNow("kubectl get secret mcp-gateway-config -n mcp-system -o "
                   "jsonpath='{.data.config\\.yaml}' | base64 -d | grep credential",
                   "- credential: Bearer test-api-key-secret-token\n"));
}

}  // namespace
}  // namespace mcpsim::testing
