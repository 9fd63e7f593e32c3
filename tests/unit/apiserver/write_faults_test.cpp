// ApiServer::injectWriteFault: the next N matching client writes are refused with the real
// apiserver's error for that failure, nothing is stored, and other writes go through.
#include <gtest/gtest.h>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/kube/kinds.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::apiserver {
namespace {

using core::kube::Gvk;
using namespace core::kube::kinds;
using core::kube::ObjectKey;
using Kind = WriteFault::Kind;

Json configMap(const std::string& name) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"data", {{"k", "v"}}}};
}

class WriteFaults : public ::testing::Test {
  protected:
    WriteFaults() : rt_(core::RuntimeOptions{5, true}), api_(rt_) {}
    core::kube::Client& client() { return api_.client(); }
    std::string listRv() {
        return client().list(kConfigMap, {"default"}).value()["metadata"]["resourceVersion"];
    }
    core::http::Response http(const std::string& method, const std::string& target,
                              const std::string& body = "") {
        core::http::Request req;
        req.method = method;
        req.target = target;
        req.body = body;
        req.headers.set("Content-Type",
                        method == "PATCH" ? "application/merge-patch+json" : "application/json");
        core::http::Response out;
        api_.handle(std::move(req), [&](core::http::Response r) { out = std::move(r); });
        rt_.runUntilIdle();
        return out;
    }

    core::Runtime rt_;
    ApiServer api_;
};

TEST_F(WriteFaults, TimeoutsRefuseTheNextWritesAndStoreNothing) {
    api_.injectWriteFault({Kind::Timeout, "configmaps", "create", "", 2});
    EXPECT_EQ(api_.pendingWriteFaults(), 2);
    const std::string before = listRv();
    for (int i = 0; i < 2; ++i) {
        auto r = client().create(configMap("a"));
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, 504);
        EXPECT_EQ(r.error().reason, "Timeout");
        EXPECT_EQ(r.error().message,
                  "Timeout: request did not complete within requested timeout - context deadline "
                  "exceeded");
    }
    EXPECT_EQ(listRv(), before);
    EXPECT_FALSE(client().get(kConfigMap, {"default", "a"}).ok());
    EXPECT_EQ(api_.pendingWriteFaults(), 0);
    EXPECT_TRUE(client().create(configMap("a")).ok());
}

TEST_F(WriteFaults, OnlyMatchingKindVerbAndSubresourceAreRefused) {
    ASSERT_TRUE(client().create(configMap("a")).ok());
    api_.injectWriteFault({Kind::Conflict, "configmaps", "update", "", 1});
    api_.injectWriteFault({Kind::InternalError, "secrets", "", "", 1});
    api_.injectWriteFault({Kind::Conflict, "namespaces", "", "status", 1});
    // Other verbs and kinds, and main-resource writes of a status-only fault, go through.
    EXPECT_TRUE(client().create(configMap("b")).ok());
    EXPECT_TRUE(client().remove(kConfigMap, {"default", "b"}).ok());
    Json ns = client().get({"", "v1", "Namespace"}, {"", "default"}).value();
    ns["metadata"]["labels"]["x"] = "y";
    EXPECT_TRUE(client().update(ns).ok());
    EXPECT_EQ(api_.pendingWriteFaults(), 3);

    Json cm = client().get(kConfigMap, {"default", "a"}).value();
    cm["data"]["k"] = "changed";
    auto conflict = client().update(cm);
    ASSERT_FALSE(conflict.ok());
    EXPECT_EQ(conflict.error().code, 409);
    EXPECT_EQ(conflict.error().message,
              "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; "
              "please apply your changes to the latest version and try again");
    EXPECT_EQ(client().get(kConfigMap, {"default", "a"}).value()["data"]["k"], "v");
    EXPECT_TRUE(client().update(cm).ok());  // the retry succeeds

    ns = client().get({"", "v1", "Namespace"}, {"", "default"}).value();
    auto status = client().updateStatus(ns);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, 409);
    EXPECT_EQ(api_.pendingWriteFaults(), 1);  // the secrets fault is still waiting
}

TEST_F(WriteFaults, HttpWritesGetTheErrorAsAStatus) {
    api_.injectWriteFault({Kind::InternalError, "configmaps", "", "", 2});
    const std::string path = "/api/v1/namespaces/default/configmaps";
    auto created = http("POST", path, configMap("h").dump());
    EXPECT_EQ(created.status, 500);
    const Json status = Json::parse(created.body);
    EXPECT_EQ(status["kind"], "Status");
    EXPECT_EQ(status["reason"], "InternalError");
    EXPECT_EQ(status["message"], "Internal error occurred: injected fault (mcpsim)");
    EXPECT_EQ(http("PATCH", path + "/h", R"({"data":{"k":"w"}})").status, 500);
    EXPECT_EQ(http("POST", path, configMap("h").dump()).status, 201);
    EXPECT_EQ(http("PATCH", path + "/h", R"({"data":{"k":"w"}})").status, 200);
}

TEST_F(WriteFaults, BadFaultsAreRejected) {
    EXPECT_THROW(api_.injectWriteFault({Kind::Conflict, "", "get", "", 1}), std::invalid_argument);
    EXPECT_THROW(api_.injectWriteFault({Kind::Conflict, "", "", "scale", 1}),
                 std::invalid_argument);
    EXPECT_THROW(api_.injectWriteFault({Kind::Conflict, "", "", "", 0}), std::invalid_argument);
    EXPECT_EQ(api_.pendingWriteFaults(), 0);
}

// restartWatches: every watch, in-process and HTTP, ends with ERROR 410 Expired and nothing
// after it; resuming from before the restart is 410, so the client must list again.
TEST_F(WriteFaults, RestartedWatchesEndWithExpiredAndCannotResume) {
    ASSERT_TRUE(client().create(configMap("a")).ok());
    const std::string rvBefore = listRv();
    std::vector<core::kube::WatchEvent> events;
    auto watch = client().watch(kConfigMap, {"default"}, rvBefore,
                                [&](const core::kube::WatchEvent& e) { events.push_back(e); });
    ASSERT_TRUE(watch.ok());
    auto stream =
        http("GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=" + rvBefore);
    ASSERT_TRUE(stream.stream);

    ASSERT_TRUE(client().create(configMap("a2")).ok());  // seen, then compacted away
    EXPECT_EQ(api_.restartWatches(), 2u);
    ASSERT_TRUE(client().create(configMap("b")).ok());  // no watch sees this one
    rt_.runUntilIdle();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].type, "ADDED");
    EXPECT_EQ(events[1].type, "ERROR");
    EXPECT_EQ(events[1].object()["code"], 410);
    EXPECT_EQ(events[1].object()["reason"], "Expired");
    EXPECT_EQ(events[1].object()["message"],
              "The resourceVersion for the provided watch is too old.");

    std::string body;
    for (auto& chunk : stream.stream->take()) body += chunk;
    EXPECT_TRUE(stream.stream->closed());
    const auto eol = body.find('\n');
    ASSERT_NE(eol, std::string::npos) << body;
    EXPECT_EQ(Json::parse(body.substr(0, eol))["type"], "ADDED");
    const Json line = Json::parse(body.substr(eol + 1));
    EXPECT_EQ(line["type"], "ERROR");
    EXPECT_EQ(line["object"]["code"], 410);
    EXPECT_EQ(line["object"]["kind"], "Status");

    // The history before the restart is gone; from the current resourceVersion it works.
    auto resumed = client().watch(kConfigMap, {"default"}, rvBefore, [](const auto&) {});
    ASSERT_FALSE(resumed.ok());
    EXPECT_EQ(resumed.error().code, 410);
    auto fresh = client().watch(kConfigMap, {"default"}, listRv(), [](const auto&) {});
    EXPECT_TRUE(fresh.ok());
}

}  // namespace
}  // namespace mcpsim::apiserver
