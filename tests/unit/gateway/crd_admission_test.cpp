// controller.md section 8, scenarios 1-8 (CRD / admission), plus section 1.5 and FN-2/FN-3/FN-26.
#include "scenario_support.hpp"

namespace mcpsim::gateway::testing {
namespace {

class CrdAdmission : public ScenarioTest {
  protected:
    void SetUp() override {
        ScenarioTest::SetUp();
        apply(namespaceYaml("mcp-system") + "---\n" + namespaceYaml("mcp-test"));
    }

    // GET through the HTTP handler with kubectl's Table Accept header.
    Json table(const std::string& path) {
        core::http::Request req;
        req.target = path;
        req.headers.set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io");
        Json out;
        world().api().handle(std::move(req), [&out](core::http::Response r) {
            EXPECT_EQ(r.status, 200) << r.body;
            out = Json::parse(r.body);
        });
        runtime().poll();
        return out;
    }
    static std::vector<std::string> columnNames(const Json& table) {
        std::vector<std::string> names;
        for (const auto& c : table.value("columnDefinitions", Json::array())) {
            names.push_back(c.value("name", ""));
        }
        return names;
    }
};

// Scenario 1.
TEST_F(CrdAdmission, S01_ExtTargetRefGroupAndKindDefaulted) {
    auto r =
        tryCreate(extYaml("mcp-system", "ext", "{name: mcp-gateway, namespace: gateway-system}"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value()["spec"]["targetRef"], (Json{{"group", "gateway.networking.k8s.io"},
                                                    {"kind", "Gateway"},
                                                    {"name", "mcp-gateway"},
                                                    {"namespace", "gateway-system"}}));
}

// Scenario 2.
TEST_F(CrdAdmission, S02_ExtTargetRefKindHTTPRouteRejected) {
    auto r = tryCreate(extYaml("mcp-system", "ext",
                               "{kind: HTTPRoute, name: mcp-gateway, namespace: gateway-system}"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, 422);
    EXPECT_EQ(r.error().reason, "Invalid");
    EXPECT_EQ(r.error().message,
              "MCPGatewayExtension.mcp.kagenti.com \"ext\" is invalid: spec.targetRef.kind: "
              "Unsupported value: \"HTTPRoute\": supported values: \"Gateway\"");
    // The group enum too.
    r = tryCreate(extYaml("mcp-system", "ext", "{group: example.com, name: g, namespace: x}"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().reason, "Invalid");
}

// Scenario 3.
TEST_F(CrdAdmission, S03_ExtWithoutSpecRejected) {
    auto r = tryCreate(
        "apiVersion: mcp.kagenti.com/v1alpha1\nkind: MCPGatewayExtension\n"
        "metadata: {name: ext, namespace: mcp-system}\n");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().reason, "Invalid");
    EXPECT_EQ(r.error().message,
              "MCPGatewayExtension.mcp.kagenti.com \"ext\" is invalid: spec: Required value");
}

// Scenario 4.
TEST_F(CrdAdmission, S04_McpsrDefaults) {
    auto r = tryCreate(mcpsrYaml("srv1", "  targetRef: {name: r1}\n  credentialRef: {name: c}\n"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    const Json& spec = r.value()["spec"];
    EXPECT_EQ(spec.value("path", ""), "/mcp");
    EXPECT_EQ(spec["credentialRef"], (Json{{"name", "c"}, {"key", "token"}}));
    EXPECT_EQ(
        spec["targetRef"],
        (Json{{"group", "gateway.networking.k8s.io"}, {"kind", "HTTPRoute"}, {"name", "r1"}}));
    EXPECT_FALSE(spec.contains("toolPrefix"));
}

// Section 1.5: an explicit empty path is kept, not defaulted.
TEST_F(CrdAdmission, McpsrExplicitEmptyPathNotDefaulted) {
    auto r = tryCreate(mcpsrYaml("srv1", "  targetRef: {name: r1}\n  path: \"\"\n"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r.value()["spec"]["path"], "");
}

// Section 1.5: MCPSR targetRef kind enum.
TEST_F(CrdAdmission, McpsrTargetRefKindEnum) {
    auto r = tryCreate(mcpsrYaml("srv1", "  targetRef: {name: r1, kind: Service}\n"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().reason, "Invalid");
    EXPECT_NE(r.error().message.find("spec.targetRef.kind: Unsupported value: \"Service\""),
              std::string::npos)
        << r.error().message;
}

// Scenario 5.
TEST_F(CrdAdmission, S05_ToolPrefixChangeRejected) {
    ASSERT_TRUE(tryCreate(mcpsrYaml("srv1", "  targetRef: {name: r1}\n  toolPrefix: t1_\n")).ok());
    auto r = edit(kMcpsr, {"mcp-test", "srv1"}, [](Json& o) { o["spec"]["toolPrefix"] = "t2_"; });
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, 422);
    EXPECT_EQ(r.error().message,
              "MCPServerRegistration.mcp.kagenti.com \"srv1\" is invalid: spec.toolPrefix: Invalid "
              "value: \"string\": toolPrefix is immutable once set");
    EXPECT_EQ(get(kMcpsr, {"mcp-test", "srv1"})["spec"]["toolPrefix"], "t1_");
}

// Scenario 6.
TEST_F(CrdAdmission, S06_ToolPrefixSetFromAbsentAccepted) {
    ASSERT_TRUE(tryCreate(mcpsrYaml("srv1", "  targetRef: {name: r1}\n")).ok());
    auto r = edit(kMcpsr, {"mcp-test", "srv1"}, [](Json& o) { o["spec"]["toolPrefix"] = "x_"; });
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(get(kMcpsr, {"mcp-test", "srv1"})["spec"]["toolPrefix"], "x_");
}

// FN-3: removing the prefix is allowed, after which any new value is accepted (reference
// behaviour, kept: the rule lives in the CRD).
TEST_F(CrdAdmission, FN3_ToolPrefixImmutabilityBypassedByRemoval) {
    ASSERT_TRUE(tryCreate(mcpsrYaml("srv1", "  targetRef: {name: r1}\n  toolPrefix: a_\n")).ok());
    auto r = edit(kMcpsr, {"mcp-test", "srv1"}, [](Json& o) { o["spec"].erase("toolPrefix"); });
    ASSERT_TRUE(r.ok()) << r.error().message;
    r = edit(kMcpsr, {"mcp-test", "srv1"}, [](Json& o) { o["spec"]["toolPrefix"] = "b_"; });
    ASSERT_TRUE(r.ok()) << r.error().message;
    // "" -> value is allowed too (oldSelf == '').
    ASSERT_TRUE(tryCreate(mcpsrYaml("srv2", "  targetRef: {name: r1}\n  toolPrefix: \"\"\n")).ok());
    r = edit(kMcpsr, {"mcp-test", "srv2"}, [](Json& o) { o["spec"]["toolPrefix"] = "c_"; });
    EXPECT_TRUE(r.ok()) << r.error().message;
}

// Scenario 7.
TEST_F(CrdAdmission, S07_VirtualServerToolsMinItems) {
    auto r = tryCreate(vsYaml("mcp-test", "vs", "[]"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message,
              "MCPVirtualServer.mcp.kagenti.com \"vs\" is invalid: spec.tools: Invalid value: 0: "
              "spec.tools in body should have at least 1 items");
    r = tryCreate(vsYaml("mcp-test", "vs", "[a]"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    // `kubectl get mcpvs`: the short name is in discovery and the list serves a table.
    core::http::Request req;
    req.target = "/apis/mcp.kagenti.com/v1alpha1";
    Json discovery;
    world().api().handle(std::move(req),
                [&](core::http::Response resp) { discovery = Json::parse(resp.body); });
    runtime().poll();
    Json shortNames;
    for (const auto& res : discovery.value("resources", Json::array())) {
        if (res.value("name", "") == "mcpvirtualservers") {
            shortNames = res.value("shortNames", Json());
        }
    }
    EXPECT_EQ(shortNames, Json::array({"mcpvs"}));
    Json t = table("/apis/mcp.kagenti.com/v1alpha1/namespaces/mcp-test/mcpvirtualservers");
    EXPECT_EQ(columnNames(t), (std::vector<std::string>{"Name", "Tools", "Age"}));
    ASSERT_EQ(t["rows"].size(), 1u);
    EXPECT_EQ(t["rows"][0]["cells"][0], "vs");
    // FN-26: `.spec.tools.length()` is not evaluable, so the Tools cell is empty.
    EXPECT_TRUE(t["rows"][0]["cells"][1].is_null()) << t["rows"][0]["cells"].dump();
}

// Scenario 8 (the server side of `kubectl get mcpsr`: the Table columns kubectl prints
// upper-cased as NAME PREFIX TARGET PATH READY TOOLS CREDENTIALS AGE).
TEST_F(CrdAdmission, S08_McpsrPrinterColumns) {
    ASSERT_TRUE(tryCreate(mcpsrYaml("srv1",
                                    "  targetRef: {name: r1}\n  toolPrefix: t1_\n"
                                    "  credentialRef: {name: c}\n"))
                    .ok());
    Json t = table("/apis/mcp.kagenti.com/v1alpha1/namespaces/mcp-test/mcpserverregistrations");
    EXPECT_EQ(columnNames(t), (std::vector<std::string>{"Name", "Prefix", "Target", "Path", "Ready",
                                                        "Tools", "Credentials", "Age"}));
    ASSERT_EQ(t["columnDefinitions"].size(), 8u);
    EXPECT_EQ(t["columnDefinitions"][2]["description"],
              "Target HTTPRoute.  MCP Gateway only supports routes with a single BackendRef");
    EXPECT_EQ(t["columnDefinitions"][5]["type"], "integer");
    ASSERT_EQ(t["rows"].size(), 1u);
    const Json cells = t["rows"][0]["cells"];
    EXPECT_EQ(cells[0], "srv1");
    EXPECT_EQ(cells[1], "t1_");
    EXPECT_EQ(cells[2], "r1");
    EXPECT_EQ(cells[3], "/mcp");
    EXPECT_EQ(cells[6], "c");
}

// FN-2: the extension CRD has no extra printer columns (only NAME and AGE).
TEST_F(CrdAdmission, FN2_ExtensionHasNoReadyColumn) {
    ASSERT_TRUE(
        tryCreate(extYaml("mcp-system", "ext", "{name: mcp-gateway, namespace: gateway-system}"))
            .ok());
    Json t = table("/apis/mcp.kagenti.com/v1alpha1/namespaces/mcp-system/mcpgatewayextensions");
    EXPECT_EQ(columnNames(t), (std::vector<std::string>{"Name", "Age"}));
}

}  // namespace
}  // namespace mcpsim::gateway::testing
