#pragma once
// The kinds the gateway components read and write.
#include "mcpsim/core/kube/client.hpp"

namespace mcpsim::gateway::kinds {

using core::kube::Gvk;

inline const Gvk kExtension{"mcp.kagenti.com", "v1alpha1", "MCPGatewayExtension"};
inline const Gvk kRegistration{"mcp.kagenti.com", "v1alpha1", "MCPServerRegistration"};
inline const Gvk kVirtualServer{"mcp.kagenti.com", "v1alpha1", "MCPVirtualServer"};
inline const Gvk kGateway{"gateway.networking.k8s.io", "v1", "Gateway"};
inline const Gvk kGatewayClass{"gateway.networking.k8s.io", "v1", "GatewayClass"};
inline const Gvk kHttpRoute{"gateway.networking.k8s.io", "v1", "HTTPRoute"};
inline const Gvk kReferenceGrant{"gateway.networking.k8s.io", "v1beta1", "ReferenceGrant"};
inline const Gvk kSecret{"", "v1", "Secret"};
inline const Gvk kService{"", "v1", "Service"};
inline const Gvk kNamespace{"", "v1", "Namespace"};
inline const Gvk kEndpointSlice{"discovery.k8s.io", "v1", "EndpointSlice"};

inline constexpr const char* kFinalizer = "mcp.kagenti.com/finalizer";
inline constexpr const char* kGatewayGroup = "gateway.networking.k8s.io";

}  // namespace mcpsim::gateway::kinds
