#pragma once
// The registration guide's objects (its Steps 1 and 2, the grant first) for in-process tests and
// benchmarks of the seed world, one YAML document per object kind.
#include <string>

namespace mcpsim::testing::guide {

inline constexpr const char* kExtension = R"(
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPGatewayExtension
metadata: {name: mcp-extension, namespace: mcp-test}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: mcp-gateway, namespace: gateway-system}
)";

inline constexpr const char* kGrant = R"(
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow-mcp-extension, namespace: gateway-system}
spec:
  from: [{group: mcp.kagenti.com, kind: MCPGatewayExtension, namespace: mcp-test}]
  to: [{group: gateway.networking.k8s.io, kind: Gateway}]
)";

inline constexpr const char* kRoute = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: mcp-api-key-server-route, namespace: mcp-test, labels: {mcp-server: 'true'}}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: ['api-key-server.mcp.local']
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: mcp-api-key-server, port: 9090}]
)";

// Extension, grant and route as one stream.
inline std::string prerequisites() {
    return std::string(kExtension) + "---" + kGrant + "---" + kRoute;
}

// A registration of the api-key server's route under `name` with tool prefix `prefix`.
inline std::string registration(const std::string& name, const std::string& prefix) {
    return "apiVersion: mcp.kagenti.com/v1alpha1\nkind: MCPServerRegistration\nmetadata: {name: " +
           name + ", namespace: mcp-test}\nspec:\n  toolPrefix: " + prefix +
           "\n  targetRef: {group: gateway.networking.k8s.io, kind: HTTPRoute, name: "
           "mcp-api-key-server-route, namespace: mcp-test}\n";
}

}  // namespace mcpsim::testing::guide
