// What the fuzz targets (tests/fuzz) found in the API server, each as the request a client could
// send. Before the fixes each of these ended the process (an exception from the JSON encoder).
#include <gtest/gtest.h>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::apiserver {
namespace {

class FuzzRegressions : public ::testing::Test {
  protected:
    FuzzRegressions() : rt_(core::RuntimeOptions{3, true}), api_(rt_) {}

    core::http::Response http(const std::string& method, const std::string& target,
                              const std::string& contentType, const std::string& body) {
        core::http::Request req;
        req.method = method;
        req.target = target;
        req.body = body;
        req.headers.set("Content-Type", contentType);
        core::http::Response out;
        bool done = false;
        api_.handle(std::move(req), [&](core::http::Response r) {
            out = std::move(r);
            done = true;
        });
        rt_.runUntilIdle();
        EXPECT_TRUE(done);
        return out;
    }
    Json json(const core::http::Response& r) { return Json::parse(r.body); }
    std::string listRv() {
        auto r = http("GET", "/api/v1/configmaps", "", "");
        return json(r)["metadata"]["resourceVersion"];
    }

    core::Runtime rt_;
    ApiServer api_;
};

const char kConfigMaps[] = "/api/v1/namespaces/default/configmaps";

// Go's decoder keeps a string byte that is not UTF-8 as U+FFFD; the object is stored with it.
TEST_F(FuzzRegressions, JsonStringsWithBytesThatAreNotUtf8AreDecodedAsGoDoes) {
    auto r = http("POST", kConfigMaps, "application/json",
                  R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},)"
                  "\"data\":{\"k\":\"caf\xff\"}}");
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(json(r)["data"]["k"], "caf\xEF\xBF\xBD");
    auto got = http("GET", std::string(kConfigMaps) + "/c", "", "");
    EXPECT_EQ(json(got)["data"]["k"], "caf\xEF\xBF\xBD");
}

// The bad byte in the kind used to reach the error message raw, and the encoder threw.
TEST_F(FuzzRegressions, AKindWithABadByteIsRefusedWithAStatus) {
    const std::string before = listRv();
    auto r = http("POST", kConfigMaps, "application/json",
                  "{\"apiVersion\":\"v1\",\"kind\":\"\x95"
                  "ConfigMap\",\"metadata\":{\"name\":\"c\"}}");
    EXPECT_EQ(r.status, 400) << r.body;
    const Json status = json(r);
    EXPECT_EQ(status["kind"], "Status");
    EXPECT_EQ(status["code"], 400);
    EXPECT_EQ(listRv(), before);
}

// go-yaml's reader refuses what is not UTF-8 before parsing; so does ours now.
TEST_F(FuzzRegressions, YamlBodiesThatAreNotUtf8AreRefusedAsTheApiServerDoes) {
    const std::string before = listRv();
    auto r = http("POST", kConfigMaps, "application/yaml",
                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: \"\x95\"}\n");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(json(r)["message"],
              "error converting YAML to JSON: yaml: invalid leading UTF-8 octet");
    EXPECT_EQ(listRv(), before);
}

// Server-side apply of a YAML body with a bad byte: refused, nothing stored.
TEST_F(FuzzRegressions, ApplyPatchesThatAreNotUtf8AreRefused) {
    const std::string before = listRv();
    auto r = http("PATCH", std::string(kConfigMaps) + "/c?fieldManager=f",
                  "application/apply-patch+yaml",
                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: \"\xc3(\"}\n");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(json(r)["kind"], "Status");
    EXPECT_EQ(listRv(), before);
}

}  // namespace
}  // namespace mcpsim::apiserver
