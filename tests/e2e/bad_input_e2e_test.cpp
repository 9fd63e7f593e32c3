// Bad input through real kubectl and curl: every request gets the error kind and message the
// real system gives, and the store is left exactly as it was (the global resourceVersion, which
// every write bumps, does not move; the touched object is byte-identical).
#include <gtest/gtest.h>

#include "process.hpp"

namespace mcpsim::testing {
namespace {

using namespace std::chrono_literals;

class BadInputE2E : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new ServeProcess(31);
        auto r = server_->sh(R"(set -e
kubectl create namespace mcp-test >/dev/null
kubectl apply -f - >/dev/null <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPServerRegistration
metadata: {name: srv, namespace: mcp-test}
spec:
  toolPrefix: a_
  targetRef: {name: route}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: mcp-test}
data: {k: v}
EOF)");
        ASSERT_EQ(r.exitCode, 0) << r.err;
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }

    std::string globalResourceVersion() {
        return server_->sh("kubectl get --raw '/api/v1/namespaces?limit=1' | jq -r .metadata.resourceVersion").out;
    }
    std::string snapshot() {
        return server_->sh("kubectl get mcpsr srv -n mcp-test -o json; kubectl get cm cfg -n mcp-test -o json").out;
    }

    // Runs a failing command and checks exit code, stderr (exact or contained) and that the
    // store did not change.
    void expectRejected(const std::string& script, const std::string& expectedErr, bool exact = true,
                        int expectedExit = 1) {
        const std::string rvBefore = globalResourceVersion();
        const std::string before = snapshot();
        CommandResult r = server_->sh(script);
        EXPECT_EQ(r.exitCode, expectedExit) << script << "\nstdout: " << r.out << "\nstderr: " << r.err;
        if (exact) {
            EXPECT_EQ(r.err + r.out, expectedErr) << script;
        } else {
            EXPECT_NE((r.err + r.out).find(expectedErr), std::string::npos)
                << script << "\nactual: " << r.err << r.out;
        }
        EXPECT_EQ(globalResourceVersion(), rvBefore) << "a write happened: " << script;
        EXPECT_EQ(snapshot(), before) << script;
    }

    static ServeProcess* server_;
};

ServeProcess* BadInputE2E::server_ = nullptr;

TEST_F(BadInputE2E, MalformedYamlIsRejectedByKubectl) {
    expectRejected("kubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\nEOF",
                   "error: error parsing STDIN: error converting YAML to JSON: yaml: line", false);
}

TEST_F(BadInputE2E, UnknownKindIsNotMapped) {
    expectRejected("kubectl apply -f - <<EOF\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nEOF",
                   "no matches for kind \"Widget\" in version \"example.com/v1\"", false);
}

TEST_F(BadInputE2E, UnknownResourceTypeName) {
    expectRejected("kubectl get mcpsrs -A",
                   "error: the server doesn't have a resource type \"mcpsrs\"\n");
}

TEST_F(BadInputE2E, MissingRequiredField) {
    expectRejected(R"(kubectl apply -f - <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPServerRegistration
metadata: {name: nameless-target, namespace: mcp-test}
spec:
  targetRef: {group: gateway.networking.k8s.io}
EOF)",
                   "The MCPServerRegistration \"nameless-target\" is invalid: \n"
                   "* spec.targetRef.name: Required value\n"
                   "* <nil>: Invalid value: \"null\": some validation rules were not checked because "
                   "the object was invalid; correct the existing errors to complete validation\n");
}

TEST_F(BadInputE2E, EnumViolation) {
    expectRejected(R"(kubectl apply -f - <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPServerRegistration
metadata: {name: wrong-kind, namespace: mcp-test}
spec:
  targetRef: {name: r, kind: Service}
EOF)",
                   "The MCPServerRegistration \"wrong-kind\" is invalid: \n"
                   "* spec.targetRef.kind: Unsupported value: \"Service\": supported values: \"HTTPRoute\"\n"
                   "* <nil>: Invalid value: \"null\": some validation rules were not checked because "
                   "the object was invalid; correct the existing errors to complete validation\n");
}

TEST_F(BadInputE2E, CelTransitionRuleMakesToolPrefixImmutable) {
    expectRejected(R"(kubectl patch mcpsr srv -n mcp-test --type merge -p '{"spec":{"toolPrefix":"b_"}}')",
                   "The MCPServerRegistration \"srv\" is invalid: spec.toolPrefix: Invalid value: "
                   "\"string\": toolPrefix is immutable once set\n");
}

TEST_F(BadInputE2E, WrongFieldType) {
    expectRejected(R"(kubectl patch mcpsr srv -n mcp-test --type merge -p '{"spec":{"path":5}}')",
                   "spec.path in body must be of type string: \"integer\"", false);
}

TEST_F(BadInputE2E, MinItemsOnVirtualServerTools) {
    expectRejected(R"(kubectl apply -f - <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPVirtualServer
metadata: {name: empty, namespace: mcp-test}
spec:
  tools: []
EOF)",
                   "The MCPVirtualServer \"empty\" is invalid: spec.tools: Invalid value: 0: spec.tools "
                   "in body should have at least 1 items\n");
}

TEST_F(BadInputE2E, UnknownFieldUnderStrictValidation) {
    expectRejected(R"(kubectl create -f - <<EOF
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPServerRegistration
metadata: {name: typo, namespace: mcp-test}
spec:
  toolprefix: x_
  targetRef: {name: r}
EOF)",
                   "Error from server (BadRequest): error when creating \"STDIN\": MCPServerRegistration in "
                   "version \"v1alpha1\" cannot be handled as a MCPServerRegistration: strict decoding "
                   "error: unknown field \"spec.toolprefix\"\n");
}

TEST_F(BadInputE2E, StaleResourceVersionConflicts) {
    expectRejected(R"(kubectl get cm cfg -n mcp-test -o json | jq '.metadata.resourceVersion="1" | .data.k="changed"' | kubectl replace -f -)",
                   "Error from server (Conflict): error when replacing \"STDIN\": Operation cannot be "
                   "fulfilled on configmaps \"cfg\": the object has been modified; please apply your "
                   "changes to the latest version and try again\n");
}

TEST_F(BadInputE2E, DuplicateCreate) {
    expectRejected("kubectl create configmap cfg -n mcp-test --from-literal=k=other",
                   "error: failed to create configmap: configmaps \"cfg\" already exists\n", false);
}

TEST_F(BadInputE2E, UnknownNamespace) {
    expectRejected("kubectl create configmap c -n nowhere --from-literal=k=v",
                   "namespaces \"nowhere\" not found", false);
}

TEST_F(BadInputE2E, InvalidObjectName) {
    // The create generator prefixes the server's message itself.
    expectRejected("kubectl create configmap Bad_Name -n mcp-test",
                   "error: failed to create configmap: ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a "
                   "lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
                   "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
                   "regex used for validation is "
                   "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\n");
}

TEST_F(BadInputE2E, JsonPatchOnMissingPath) {
    expectRejected(R"(kubectl patch cm cfg -n mcp-test --type json -p '[{"op":"replace","path":"/spec/nope/deeper","value":1}]')",
                   "The request is invalid: the server rejected our request due to an error in our request\n");
}

TEST_F(BadInputE2E, StrategicMergePatchOnCustomResource) {
    expectRejected(R"(kubectl patch mcpsr srv -n mcp-test -p '{"spec":{"path":"/x"}}')",
                   "error: application/strategic-merge-patch+json is not supported by "
                   "mcp.kagenti.com/v1alpha1, Kind=MCPServerRegistration: the body of the request was "
                   "in an unknown format - accepted media types include: application/json-patch+json, "
                   "application/merge-patch+json, application/apply-patch+yaml\n");
}

TEST_F(BadInputE2E, OversizeBody) {
    expectRejected(
        "head -c 4194304 /dev/zero | tr '\\0' 'a' > big.txt && "
        "printf '{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"big\"},\"data\":{\"k\":\"%s\"}}' \"$(cat big.txt)\" > big.json && "
        "curl -s -X POST -H 'Content-Type: application/json' --data-binary @big.json \"$(kubectl config view -o jsonpath='{.clusters[0].cluster.server}')/api/v1/namespaces/mcp-test/configmaps\" | jq -c '{code,reason,message}'; exit 1",
        "{\"code\":413,\"reason\":\"RequestEntityTooLarge\",\"message\":\"Request entity too large: limit is 3145728\"}\n");
}

TEST_F(BadInputE2E, MalformedJsonBody) {
    expectRejected(
        "curl -s -X POST -H 'Content-Type: application/json' --data 'apiVersion: v1' \"$(kubectl config view -o jsonpath='{.clusters[0].cluster.server}')/api/v1/namespaces/mcp-test/configmaps\" | jq -c '{code,reason,message}'; exit 1",
        "{\"code\":400,\"reason\":\"BadRequest\",\"message\":\"the object provided is unrecognized (must be of "
        "type ConfigMap): couldn't get version/kind; json parse error: invalid character 'a' looking for "
        "beginning of value (61706956657273696f6e3a207631)\"}\n");
}

TEST_F(BadInputE2E, DeploymentSelectorMustMatchTemplate) {
    expectRejected(R"(kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: mcp-test}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: b}}
    spec: {containers: [{name: c, image: i}]}
EOF)",
                   "The Deployment \"d\" is invalid: spec.template.metadata.labels: Invalid value: "
                   "map[string]string{\"app\":\"b\"}: `selector` does not match template `labels`\n");
}

TEST_F(BadInputE2E, NotFound) {
    expectRejected("kubectl get mcpsr nothere -n mcp-test",
                   "Error from server (NotFound): mcpserverregistrations.mcp.kagenti.com \"nothere\" not found\n");
    expectRejected("kubectl delete cm nothere -n mcp-test",
                   "Error from server (NotFound): configmaps \"nothere\" not found\n");
}

}  // namespace
}  // namespace mcpsim::testing
