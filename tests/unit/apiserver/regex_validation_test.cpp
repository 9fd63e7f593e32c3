// Schema `pattern`, CEL matches() and object-name validation use RE2 (Go's regexp syntax), as the
// real apiserver does: patterns only RE2 understands are accepted and enforced, and hostile input
// (a megabyte-long name, a backtracking-bomb pattern) gets an ordinary answer instead of a crash.
#include <gtest/gtest.h>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::apiserver {
namespace {

using core::kube::Gvk;

const Gvk kWidget{"example.com", "v1", "Widget"};

Json widgetCrd() {
    Json spec = {
        {"type", "object"},
        {"properties",
         {{"title", {{"type", "string"}, {"pattern", R"(^\p{Lu}[\pL\d ]*$)"}}},
          {"code",
           {{"type", "string"},
            {"x-kubernetes-validations", Json::array({{{"rule", "self.matches('(?i)^[a-f0-9]+$')"},
                                                       {"message", "code must be hex"}}})}}},
          {"tag", {{"type", "string"}, {"pattern", "(a+)+$"}}}}}};
    return {{"apiVersion", "apiextensions.k8s.io/v1"},
            {"kind", "CustomResourceDefinition"},
            {"metadata", {{"name", "widgets.example.com"}}},
            {"spec",
             {{"group", "example.com"},
              {"scope", "Namespaced"},
              {"names",
               {{"plural", "widgets"},
                {"singular", "widget"},
                {"kind", "Widget"},
                {"listKind", "WidgetList"}}},
              {"versions",
               Json::array({{{"name", "v1"},
                             {"served", true},
                             {"storage", true},
                             {"schema",
                              {{"openAPIV3Schema",
                                {{"type", "object"}, {"properties", {{"spec", spec}}}}}}}}})}}}};
}

Json widget(const std::string& name, Json spec) {
    return {{"apiVersion", "example.com/v1"},
            {"kind", "Widget"},
            {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"spec", std::move(spec)}};
}

class RegexValidation : public ::testing::Test {
  protected:
    RegexValidation() : rt_(core::RuntimeOptions{5, true}), api_(rt_) {
        auto r = client().create(widgetCrd());
        EXPECT_TRUE(r.ok()) << r.error().message;
        rt_.runUntilIdle();
    }
    core::kube::Client& client() { return api_.client(); }

    core::Runtime rt_;
    ApiServer api_;
};

TEST_F(RegexValidation, SchemaPatternUsesRe2Syntax) {
    auto ok = client().create(widget("a", {{"title", "Ábc 9"}}));
    EXPECT_TRUE(ok.ok()) << ok.error().message;
    auto bad = client().create(widget("b", {{"title", "lower"}}));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, 422);
    EXPECT_NE(bad.error().message.find(R"(spec.title in body should match '^\p{Lu}[\pL\d ]*$')"),
              std::string::npos)
        << bad.error().message;
}

TEST_F(RegexValidation, CelMatchesUsesRe2Syntax) {
    EXPECT_TRUE(client().create(widget("a", {{"code", "BEEF01"}})).ok());
    auto bad = client().create(widget("b", {{"code", "xyz"}}));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, 422);
    EXPECT_NE(bad.error().message.find("code must be hex"), std::string::npos)
        << bad.error().message;
}

TEST_F(RegexValidation, BacktrackingBombPatternAnswersAtOnce) {
    auto bad = client().create(widget("a", {{"tag", std::string(200000, 'a') + "!"}}));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, 422);
    EXPECT_TRUE(client().create(widget("b", {{"tag", "aaa"}})).ok());
}

TEST_F(RegexValidation, MegabyteNameIsRejectedForLengthNotACrash) {
    const std::string name(1 << 20, 'a');
    auto bad = client().create(widget(name, Json::object()));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, 422);
    EXPECT_NE(bad.error().message.find("must be no more than 253 characters"), std::string::npos);
    auto label = widget("ok", Json::object());
    label["metadata"]["labels"]["k"] = std::string(1 << 20, 'v');
    auto badLabel = client().create(label);
    ASSERT_FALSE(badLabel.ok());
    EXPECT_EQ(badLabel.error().code, 422);
}

TEST_F(RegexValidation, CrdWithAPatternRe2RejectsIsInvalid) {
    Json crd = widgetCrd();
    crd["metadata"]["name"] = "gadgets.example.com";
    crd["spec"]["names"] = {{"plural", "gadgets"},
                            {"singular", "gadget"},
                            {"kind", "Gadget"},
                            {"listKind", "GadgetList"}};
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
       ["title"]["pattern"] = "(?=lookahead)";
    auto bad = client().create(crd);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, 422);
    EXPECT_NE(bad.error().message.find("must be a valid regular expression"), std::string::npos)
        << bad.error().message;
}

}  // namespace
}  // namespace mcpsim::apiserver
