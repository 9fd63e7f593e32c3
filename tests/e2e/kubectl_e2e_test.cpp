// Real kubectl (the machine's dispatcher, which runs the kubectl matching the reported server
// version) against `mcpsim serve`. Each test gets its own server and kubectl cache.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "process.hpp"

namespace mcpsim::testing {
namespace {

using namespace std::chrono_literals;

// The fenced bash blocks of the registration guide, in order.
std::vector<std::string> guideBlocks() {
    std::string md =
        readFile(std::string(MCPSIM_SOURCE_DIR) + "/tests/data/mcp-server-registration.md");
    std::vector<std::string> blocks;
    std::regex fence("```bash\n([\\s\\S]*?)```");
    for (auto it = std::sregex_iterator(md.begin(), md.end(), fence); it != std::sregex_iterator();
         ++it) {
        blocks.push_back((*it)[1]);
    }
    return blocks;
}

std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

class KubectlE2E : public ::testing::TestWithParam<int> {
  protected:
    void SetUp() override { server_ = std::make_unique<ServeProcess>(GetParam()); }

    // Runs a script that must succeed, returning stdout.
    std::string ok(const std::string& script) {
        CommandResult r = server_->sh(script);
        EXPECT_EQ(r.exitCode, 0) << "script: " << script << "\nstdout: " << r.out
                                 << "\nstderr: " << r.err;
        return r.out;
    }
    CommandResult run(const std::string& script, std::chrono::milliseconds timeout = 60s) {
        return server_->sh(script, timeout);
    }
    void namespaces(std::initializer_list<const char*> names) {
        for (const char* n : names) ok(std::string("kubectl create namespace ") + n);
    }

    std::unique_ptr<ServeProcess> server_;
};

TEST_P(KubectlE2E, ReportsTheChosenVersionSoTheDispatcherRunsThatKubectl) {
    std::string out = ok("kubectl version -o json");
    EXPECT_NE(out.find("\"minor\": \"" + std::to_string(GetParam()) + "\""), std::string::npos)
        << out;
    // The client that ran is the matching minor (1.32 is the dispatcher's built-in).
    EXPECT_NE(out.find("\"gitVersion\": \"v1." + std::to_string(GetParam())), std::string::npos)
        << out;
}

TEST_P(KubectlE2E, SeedGuideManifestsApplyUneditedAndReapplyUnchanged) {
    namespaces({"mcp-test", "gateway-system"});
    std::vector<std::string> applies;
    for (const auto& b : guideBlocks()) {
        if (b.find("kubectl apply -f - <<EOF") != std::string::npos) applies.push_back(b);
    }
    ASSERT_EQ(applies.size(), 4u);
    const std::vector<std::string> names = {
        "mcpgatewayextension.mcp.kagenti.com/mcp-extension",
        "referencegrant.gateway.networking.k8s.io/allow-mcp-extension",
        "httproute.gateway.networking.k8s.io/mcp-api-key-server-route",
        "mcpserverregistration.mcp.kagenti.com/my-mcp-server"};
    for (std::size_t i = 0; i < applies.size(); ++i) {
        EXPECT_EQ(ok(applies[i]), names[i] + " created\n");
    }
    const std::string routeRv =
        ok("kubectl get httproute -n mcp-test mcp-api-key-server-route -o "
           "jsonpath='{.metadata.resourceVersion}'");
    for (std::size_t i = 0; i < applies.size(); ++i) {
        // The route's lists hold server-side defaults (backendRef group/kind/weight, matches), so
        // kubectl's JSON merge patch for a custom resource replaces the lists: "configured", as
        // on a real cluster. The server sees nothing to change and keeps the resourceVersion.
        EXPECT_EQ(ok(applies[i]), names[i] + (i == 2 ? " configured\n" : " unchanged\n"));
    }
    EXPECT_EQ(ok("kubectl get httproute -n mcp-test mcp-api-key-server-route -o "
                 "jsonpath='{.metadata.resourceVersion}'"),
              routeRv);
    // Defaults from the CRD schemas.
    EXPECT_EQ(ok("kubectl get mcpsr my-mcp-server -n mcp-test -o jsonpath='{.spec.path}'"), "/mcp");
    EXPECT_EQ(ok("kubectl get mcpgatewayextension mcp-extension -n mcp-test "
                 "-o jsonpath='{.spec.targetRef.kind}'"),
              "Gateway");
    EXPECT_EQ(ok("kubectl get httproute -n mcp-test mcp-api-key-server-route "
                 "-o "
                 "jsonpath='{.spec.rules[0].backendRefs[0].kind}/"
                 "{.spec.rules[0].backendRefs[0].weight}'"),
              "Service/1");
}

TEST_P(KubectlE2E, GetMcpsrAllNamespacesShowsPrinterColumns) {
    namespaces({"mcp-test"});
    ok(R"(kubectl apply -f - <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPServerRegistration
metadata:
  name: my-mcp-server
  namespace: mcp-test
spec:
  toolPrefix: "myserver_"
  targetRef:
    name: mcp-api-key-server-route
  credentialRef:
    name: creds
EOF)");
    auto out = lines(ok("kubectl get mcpsr -A"));
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(words(out[0]),
              (std::vector<std::string>{"NAMESPACE", "NAME", "PREFIX", "TARGET", "PATH", "READY",
                                        "TOOLS", "CREDENTIALS", "AGE"}));
    auto row = words(out[1]);
    ASSERT_EQ(row.size(), 7u) << out[1];
    EXPECT_EQ(row[0], "mcp-test");
    EXPECT_EQ(row[1], "my-mcp-server");
    EXPECT_EQ(row[2], "myserver_");
    EXPECT_EQ(row[3], "mcp-api-key-server-route");
    EXPECT_EQ(row[4], "/mcp");
    EXPECT_EQ(row[5], "creds");
    EXPECT_TRUE(std::regex_match(row[6], std::regex("[0-9]+s"))) << row[6];
    // The columns line up under their headers, as kubectl prints server-side tables.
    EXPECT_EQ(out[0].find("CREDENTIALS"), out[1].find("creds"));
    // Once status reports tools, the READY and TOOLS columns fill in.
    ok(R"(kubectl patch mcpsr my-mcp-server -n mcp-test --subresource=status --type merge -p '{"status":{"discoveredTools":3,"conditions":[{"type":"Ready","status":"True","reason":"Ready","message":"ok","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}')");
    row = words(lines(ok("kubectl get mcpsr -n mcp-test"))[1]);
    EXPECT_EQ(row,
              (std::vector<std::string>{"my-mcp-server", "myserver_", "mcp-api-key-server-route",
                                        "/mcp", "True", "3", "creds", row.back()}));
    EXPECT_EQ(lines(ok("kubectl get mcpserverregistrations.mcp.kagenti.com -n mcp-test -o name")),
              (std::vector<std::string>{"mcpserverregistration.mcp.kagenti.com/my-mcp-server"}));
}

TEST_P(KubectlE2E, OutputFormatsDescribeAndAllNamespaces) {
    namespaces({"team-a"});
    ok(R"(kubectl apply -f - <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: team-a
  labels: {app: web}
data:
  mode: fast
EOF)");
    EXPECT_NE(ok("kubectl get cm cfg -n team-a -o yaml").find("  mode: fast\n"), std::string::npos);
    EXPECT_EQ(ok("kubectl get cm cfg -n team-a -o json | jq -r .data.mode"), "fast\n");
    EXPECT_EQ(ok("kubectl get cm -n team-a -l app=web -o jsonpath='{.items[*].metadata.name}'"),
              "cfg");
    EXPECT_EQ(ok("kubectl get cm -n team-a -l app=other -o name"), "");
    auto all = lines(ok("kubectl get configmaps -A"));
    EXPECT_EQ(words(all[0]), (std::vector<std::string>{"NAMESPACE", "NAME", "DATA", "AGE"}));
    bool found = false;
    for (const auto& l : all) {
        auto w = words(l);
        if (w.size() == 4 && w[0] == "team-a" && w[1] == "cfg" && w[2] == "1") found = true;
    }
    EXPECT_TRUE(found) << all.size();
    std::string shown = ok("kubectl get cm -n team-a --show-labels");
    EXPECT_NE(shown.find("app=web"), std::string::npos) << shown;
    std::string described = ok("kubectl describe cm cfg -n team-a");
    EXPECT_NE(described.find("Name:         cfg"), std::string::npos) << described;
    EXPECT_NE(described.find("Labels:       app=web"), std::string::npos) << described;
    EXPECT_NE(described.find("mode:\n----\nfast"), std::string::npos) << described;
    std::string sorted = ok("kubectl get cm -n team-a --sort-by=.metadata.name -o name");
    EXPECT_EQ(sorted, "configmap/cfg\nconfigmap/kube-root-ca.crt\n");
    auto wide = lines(ok("kubectl get svc -n default -o wide"));
    EXPECT_EQ(words(wide[0]), (std::vector<std::string>{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP",
                                                        "PORT(S)", "AGE", "SELECTOR"}));
    EXPECT_EQ(words(wide[1])[0], "kubernetes");
    EXPECT_EQ(words(wide[1])[4], "443/TCP");
}

TEST_P(KubectlE2E, PatchLabelAndDeleteBehaveAsOnACluster) {
    ok(R"(kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env: [{name: A, value: "1"}]
EOF)");
    EXPECT_EQ(ok("kubectl get deploy web -o jsonpath='{.metadata.generation}'"), "1");
    EXPECT_EQ(ok(R"(kubectl patch deployment web --type merge -p '{"spec":{"replicas":3}}')"),
              "deployment.apps/web patched\n");
    EXPECT_EQ(ok(R"(kubectl patch deployment web --type merge -p '{"spec":{"replicas":3}}')"),
              "deployment.apps/web patched (no change)\n");
    EXPECT_EQ(
        ok(R"(kubectl patch deployment web --type json -p '[{"op":"replace","path":"/spec/replicas","value":2}]')"),
        "deployment.apps/web patched\n");
    EXPECT_EQ(
        ok(R"(kubectl patch deployment web -p '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}')"),
        "deployment.apps/web patched\n");
    EXPECT_EQ(ok("kubectl get deploy web -o jsonpath='{.spec.replicas} "
                 "{.spec.template.spec.containers[0].image} "
                 "{.spec.template.spec.containers[0].env[0].name} {.metadata.generation}'"),
              "2 nginx:1.26 A 4");
    EXPECT_EQ(ok("kubectl set env deployment/web B=2"), "deployment.apps/web env updated\n");
    EXPECT_EQ(
        ok("kubectl get deploy web -o jsonpath='{.spec.template.spec.containers[0].env[*].name}'"),
        "A B");
    EXPECT_EQ(ok("kubectl label deployment web tier=frontend"), "deployment.apps/web labeled\n");
    EXPECT_EQ(ok("kubectl get deploy -l tier=frontend -o name"), "deployment.apps/web\n");
    EXPECT_EQ(ok("kubectl label deployment web tier-"), "deployment.apps/web unlabeled\n");
    EXPECT_EQ(ok("kubectl get deploy -l tier=frontend -o name"), "");
    // kubectl 1.27 itself prints "annotate" (a client quirk of that release).
    EXPECT_EQ(
        ok("kubectl annotate deployment web note=hi"),
        std::string("deployment.apps/web ") + (GetParam() == 27 ? "annotate" : "annotated") + "\n");
    EXPECT_EQ(ok("kubectl delete deployment web"), "deployment.apps \"web\" deleted\n");
    CommandResult gone = run("kubectl get deployment web");
    EXPECT_EQ(gone.exitCode, 1);
    EXPECT_EQ(gone.err, "Error from server (NotFound): deployments.apps \"web\" not found\n");
}

TEST_P(KubectlE2E, GeneratorsCreateSecretsAndNamespaces) {
    // kubectl 1.32+ sends these as protobuf.
    EXPECT_EQ(ok("kubectl create namespace keycloak"), "namespace/keycloak created\n");
    EXPECT_EQ(ok("kubectl create secret generic s1 --from-literal=a=b -n keycloak"),
              "secret/s1 created\n");
    EXPECT_EQ(ok("kubectl get secret s1 -n keycloak -o jsonpath='{.type} {.data.a}'"),
              "Opaque Yg==");
    EXPECT_EQ(ok("kubectl get secret s1 -n keycloak -o jsonpath='{.data.a}' | base64 -d"), "b");
    CommandResult again = run("kubectl create secret generic s1 --from-literal=a=c -n keycloak");
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_NE(again.err.find("secrets \"s1\" already exists"), std::string::npos) << again.err;
    CommandResult ns = run("kubectl create namespace keycloak");
    EXPECT_EQ(ns.exitCode, 1);
    EXPECT_EQ(ns.err,
              "Error from server (AlreadyExists): namespaces \"keycloak\" already exists\n");
    auto out = lines(ok("kubectl get ns keycloak"));
    EXPECT_EQ(words(out[1])[1], "Active");
}

TEST_P(KubectlE2E, NamespaceDeletionCascadesAndFinishesAsynchronously) {
    namespaces({"doomed"});
    ok("kubectl create configmap c1 -n doomed --from-literal=k=v");
    EXPECT_EQ(ok("kubectl delete namespace doomed"), "namespace \"doomed\" deleted\n");
    CommandResult ns = run("kubectl get namespace doomed");
    EXPECT_EQ(ns.exitCode, 1);
    EXPECT_EQ(ns.err, "Error from server (NotFound): namespaces \"doomed\" not found\n");
    EXPECT_EQ(ok("kubectl get configmaps -A -o "
                 "jsonpath='{.items[?(@.metadata.namespace==\"doomed\")].metadata.name}'"),
              "");
}

TEST_P(KubectlE2E, EventsAreListedAndShownByDescribe) {
    namespaces({"mcp-test"});
    ok(R"(kubectl apply -f - <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPGatewayExtension
metadata: {name: ext, namespace: mcp-test}
spec:
  targetRef: {name: mcp-gateway, namespace: gateway-system}
EOF)");
    std::string uid =
        ok("kubectl get mcpgatewayextension ext -n mcp-test -o jsonpath='{.metadata.uid}'");
    ok(R"(kubectl apply -f - <<EOF
apiVersion: v1
kind: Event
metadata: {name: ext.1, namespace: mcp-test}
involvedObject: {kind: MCPGatewayExtension, name: ext, namespace: mcp-test, uid: )" +
       uid +
       R"(, apiVersion: mcp.kagenti.com/v1alpha1}
reason: Reconciled
message: all good
type: Normal
count: 1
source: {component: mcp-controller}
firstTimestamp: "2026-01-01T00:00:00Z"
lastTimestamp: "2026-01-01T00:00:00Z"
EOF)");
    auto ev = lines(ok("kubectl get events -n mcp-test"));
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(words(ev[0]),
              (std::vector<std::string>{"LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}));
    auto row = words(ev[1]);
    EXPECT_EQ(std::vector<std::string>(row.begin() + 1, row.end()),
              (std::vector<std::string>{"Normal", "Reconciled", "mcpgatewayextension/ext", "all",
                                        "good"}));
    std::string described = ok("kubectl describe mcpgatewayextension ext -n mcp-test");
    EXPECT_NE(described.find("Reconciled"), std::string::npos) << described;
    EXPECT_NE(described.find("all good"), std::string::npos) << described;
}

TEST_P(KubectlE2E, WaitReturnsAsSoonAsReadyIsSetThroughTheStatusSubresource) {
    namespaces({"mcp-test"});
    ok(R"(kubectl apply -f - <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPGatewayExtension
metadata: {name: mcp-extension, namespace: mcp-test}
spec:
  targetRef: {name: mcp-gateway, namespace: gateway-system}
EOF)");
    // -v=6 makes kubectl log each request once its response headers arrive: the watch line says
    // kubectl is watching.
    BackgroundCommand wait(
        "kubectl wait --for=condition=Ready mcpgatewayextension/mcp-extension -n mcp-test "
        "--timeout=60s -v=6",
        server_->env());
    ASSERT_TRUE(wait.waitForOutput("watch=true", 30s, BackgroundCommand::Stream::Err));
    const auto setAt = std::chrono::steady_clock::now();
    ok(R"(kubectl patch mcpgatewayextension mcp-extension -n mcp-test --subresource=status --type merge -p '{"status":{"conditions":[{"type":"Ready","status":"True","reason":"ValidMCPGatewayExtension","message":"successfully verified and configured","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}')");
    CommandResult r = wait.finish(30s);
    const auto took = std::chrono::steady_clock::now() - setAt;
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.out, "mcpgatewayextension.mcp.kagenti.com/mcp-extension condition met\n");
    EXPECT_LT(took, 5s);
    // Already true: returns at once.
    EXPECT_EQ(ok("kubectl wait --for=condition=ready mcpgatewayextension/mcp-extension -n mcp-test "
                 "--timeout=5s"),
              "mcpgatewayextension.mcp.kagenti.com/mcp-extension condition met\n");
}

TEST_P(KubectlE2E, WaitTimesOutWithKubectlsMessage) {
    namespaces({"mcp-test"});
    ok(R"(kubectl apply -f - <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPGatewayExtension
metadata: {name: mcp-extension, namespace: mcp-test}
spec:
  targetRef: {name: mcp-gateway, namespace: gateway-system}
EOF)");
    CommandResult r =
        run("kubectl wait --for=condition=Ready mcpgatewayextension/mcp-extension -n mcp-test "
            "--timeout=2s");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(r.err,
              "error: timed out waiting for the condition on mcpgatewayextensions/mcp-extension\n");
    CommandResult missing =
        run("kubectl wait --for=condition=Ready mcpgatewayextension/nope -n mcp-test --timeout=2s");
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_EQ(
        missing.err,
        "Error from server (NotFound): mcpgatewayextensions.mcp.kagenti.com \"nope\" not found\n");
}

TEST_P(KubectlE2E, LogsOfPodsAndDeployments) {
    // The simulated control plane's API server pod logs every request, as kube-apiserver does.
    std::string logs =
        ok("kubectl logs -n kube-system kube-apiserver-mcpsim-control-plane --tail=50");
    EXPECT_NE(logs.find("\"HTTP\" verb=\"GET\""), std::string::npos) << logs;
    ok(R"(kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: api-mirror, namespace: default}
spec:
  selector: {matchLabels: {app: api-mirror}}
  template:
    metadata: {labels: {app: api-mirror}}
    spec:
      containers: [{name: main, image: example/mirror:1}]
---
apiVersion: v1
kind: Pod
metadata:
  name: api-mirror-1
  namespace: default
  labels: {app: api-mirror}
  annotations: {mcpsim.io/log-source: kube-system/kube-apiserver-mcpsim-control-plane/kube-apiserver}
spec:
  nodeName: mcpsim-control-plane
  containers: [{name: main, image: example/mirror:1}]
EOF)");
    ok(R"(kubectl patch pod api-mirror-1 --subresource=status --type merge -p '{"status":{"phase":"Running","containerStatuses":[{"name":"main","ready":true,"restartCount":0,"image":"example/mirror:1","imageID":"","state":{"running":{"startedAt":"2026-01-01T00:00:00Z"}}}]}}')");
    std::string viaDeploy = ok("kubectl logs deployment/api-mirror --tail=3");
    EXPECT_EQ(lines(viaDeploy).size(), 3u) << viaDeploy;
    EXPECT_NE(viaDeploy.find("verb="), std::string::npos);
    auto pods = lines(ok("kubectl get pods"));
    EXPECT_EQ(words(pods[1]),
              (std::vector<std::string>{"api-mirror-1", "1/1", "Running", "0", words(pods[1])[4]}));
    CommandResult bad = run("kubectl logs api-mirror-1 -c nope");
    EXPECT_EQ(bad.exitCode, 1);
    EXPECT_EQ(bad.err, "error: container nope is not valid for pod api-mirror-1\n");
}

INSTANTIATE_TEST_SUITE_P(KubeVersions, KubectlE2E, ::testing::Values(27, 31, 33),
                         [](const auto& info) { return "v1_" + std::to_string(info.param); });

}  // namespace
}  // namespace mcpsim::testing

namespace mcpsim::testing {
namespace {

TEST(McpsimServe, BindsLoopbackWritesKubeconfigAndStopsCleanlyOnSigterm) {
    ServeProcess server(31);
    EXPECT_EQ(server.url().rfind("http://127.0.0.1:", 0), 0u) << server.readyLine();
    std::string kc = readFile(server.kubeconfig());
    EXPECT_NE(kc.find("server: " + server.url()), std::string::npos) << kc;
    EXPECT_EQ(server.sh("kubectl get ns default -o name").out, "namespace/default\n");
    EXPECT_EQ(server.terminate(), 0);
    EXPECT_EQ(readFile(server.dir() + "/serve.stderr"), "mcpsim: shutting down\n");
}

TEST(McpsimServe, WarnsThatANonLoopbackAddressHasNoAuthentication) {
    ServeProcess server(31, "--world bare --address 0.0.0.0");
    EXPECT_EQ(server.url().rfind("http://0.0.0.0:", 0), 0u) << server.readyLine();
    EXPECT_EQ(server.sh("kubectl get ns default -o name").out, "namespace/default\n");
    EXPECT_EQ(server.terminate(), 0);
    EXPECT_EQ(readFile(server.dir() + "/serve.stderr"),
              "mcpsim: warning: listening on 0.0.0.0, not loopback: the API server and the gateway "
              "have no authentication, so anyone who can reach this address can read and change "
              "the simulated cluster, including its Secrets\nmcpsim: shutting down\n");
}

TEST(McpsimServe, RejectsBadFlags) {
    CommandResult r = runShell("'" + mcpsimBinary() + "' serve --kube-version 2.0");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.err.find("invalid --kube-version 2.0"), std::string::npos) << r.err;
    r = runShell("'" + mcpsimBinary() + "' serve --port 1 --kubeconfig /dev/null/x");
    EXPECT_EQ(r.exitCode, 1);
}

}  // namespace
}  // namespace mcpsim::testing
