#pragma once
// A server2 mock behind the seed world's Gateway for the gateway benchmarks: Deployment,
// Service, HTTPRoute and an MCPServerRegistration with the tool prefix bench_. Applied after the
// guide's extension and grant (tests/support/guide_objects.hpp).
namespace mcpsim::bench {

inline constexpr const char* kServer2Objects = R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: bench-server2, namespace: mcp-test, labels: {app: bench-server2}}
spec:
  replicas: 1
  selector: {matchLabels: {app: bench-server2}}
  template:
    metadata: {labels: {app: bench-server2}}
    spec:
      containers:
      - name: server2
        image: ghcr.io/kuadrant/mcp-gateway/test-server2:latest
        ports: [{containerPort: 9090}]
---
apiVersion: v1
kind: Service
metadata: {name: bench-server2, namespace: mcp-test}
spec:
  selector: {app: bench-server2}
  ports: [{name: http, port: 9090, targetPort: 9090}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bench-server2-route, namespace: mcp-test}
spec:
  parentRefs: [{name: mcp-gateway, namespace: gateway-system}]
  hostnames: ['bench-server2.mcp.local']
  rules:
  - matches: [{path: {type: PathPrefix, value: /}}]
    backendRefs: [{name: bench-server2, port: 9090}]
---
apiVersion: mcp.kagenti.com/v1alpha1
kind: MCPServerRegistration
metadata: {name: bench-server2, namespace: mcp-test}
spec:
  toolPrefix: bench_
  targetRef: {group: gateway.networking.k8s.io, kind: HTTPRoute, name: bench-server2-route, namespace: mcp-test}
)";

}  // namespace mcpsim::bench
