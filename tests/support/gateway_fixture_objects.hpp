#pragma once
// The Gateway side of the controller spec's fixture F (controller.md section 8): the three
// namespaces, the Istio GatewayClass and the Gateway `gateway-system/mcp-gateway` with its
// public MCP listener and the `*.mcp.local` listener for server routes. One YAML stream;
// append documents with "---".
namespace mcpsim::testing::fixture {

inline constexpr const char* kGatewayBase = R"(
apiVersion: v1
kind: Namespace
metadata: {name: gateway-system}
---
apiVersion: v1
kind: Namespace
metadata: {name: mcp-system}
---
apiVersion: v1
kind: Namespace
metadata: {name: mcp-test}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: istio}
spec: {controllerName: istio.io/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: mcp-gateway, namespace: gateway-system}
spec:
  gatewayClassName: istio
  listeners:
  - {name: mcp, hostname: mcp.127-0-0-1.sslip.io, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
  - {name: mcps, hostname: "*.mcp.local", port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
)";

}  // namespace mcpsim::testing::fixture
