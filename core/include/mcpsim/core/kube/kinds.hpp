#pragma once
// The API types the simulator's components and tests name most, at the versions they use.
#include "mcpsim/core/kube/client.hpp"

namespace mcpsim::core::kube::kinds {

inline const Gvk kNamespace{"", "v1", "Namespace"};
inline const Gvk kConfigMap{"", "v1", "ConfigMap"};
inline const Gvk kSecret{"", "v1", "Secret"};
inline const Gvk kService{"", "v1", "Service"};
inline const Gvk kPod{"", "v1", "Pod"};
inline const Gvk kDeployment{"apps", "v1", "Deployment"};
inline const Gvk kEndpointSlice{"discovery.k8s.io", "v1", "EndpointSlice"};
inline const Gvk kCrd{"apiextensions.k8s.io", "v1", "CustomResourceDefinition"};
inline const Gvk kGateway{"gateway.networking.k8s.io", "v1", "Gateway"};
inline const Gvk kHttpRoute{"gateway.networking.k8s.io", "v1", "HTTPRoute"};
inline const Gvk kReferenceGrant{"gateway.networking.k8s.io", "v1beta1", "ReferenceGrant"};
inline const Gvk kMcpsr{"mcp.kagenti.com", "v1alpha1", "MCPServerRegistration"};
inline const Gvk kExtension{"mcp.kagenti.com", "v1alpha1", "MCPGatewayExtension"};
inline const Gvk kVirtualServer{"mcp.kagenti.com", "v1alpha1", "MCPVirtualServer"};

}  // namespace mcpsim::core::kube::kinds
