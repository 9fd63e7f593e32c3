// HTTP watches share one encoding of each event among the watchers of a collection; what each
// watcher is sent must still be its own: the event type a selector transition gives it and the
// Table form it asked for. And GET /metrics reports the watches and memory.
#include <gtest/gtest.h>

#include "mcpsim/apiserver/api_server.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::apiserver {
namespace {

class HttpWatch : public ::testing::Test {
  protected:
    HttpWatch() : rt_(core::RuntimeOptions{5, true}), api_(rt_) {}

    core::http::Response get(const std::string& target, const std::string& accept = "") {
        core::http::Request req;
        req.method = "GET";
        req.target = target;
        if (!accept.empty()) req.headers.set("Accept", accept);
        core::http::Response out;
        api_.handle(std::move(req), [&out](core::http::Response r) { out = std::move(r); });
        return out;
    }
    // The event type, kind and app label of every line a watch has been sent about ConfigMap c
    // (the cluster's own kube-root-ca.crt comes first).
    static std::vector<std::string> lines(const core::http::Response& watch) {
        std::vector<std::string> out;
        for (auto& chunk : watch.stream->take()) {
            const Json j = Json::parse(chunk);
            const Json& o = j["object"];
            const Json& meta =
                o.value("kind", "") == "Table" ? o["rows"][0]["object"]["metadata"] : o["metadata"];
            if (meta.value("name", "") != "c") continue;
            out.push_back(j["type"].get<std::string>() + " " + o.value("kind", "") + " " +
                          o.value("/metadata/labels/app"_json_pointer, std::string("-")));
        }
        return out;
    }
    void write(const Json& cm, bool create) {
        auto r = create ? api_.client().create(cm) : api_.client().update(cm);
        ASSERT_TRUE(r.ok()) << r.error().message;
        rt_.runUntilIdle();
    }

    core::Runtime rt_;
    ApiServer api_;
};

const char* kPath = "/api/v1/namespaces/default/configmaps";

TEST_F(HttpWatch, EachWatcherGetsItsOwnEventTypeAndFormat) {
    auto all = get(std::string(kPath) + "?watch=true");
    auto selected = get(std::string(kPath) + "?watch=true&labelSelector=app%3Dx");
    auto table =
        get(std::string(kPath) + "?watch=true", "application/json;as=Table;v=v1;g=meta.k8s.io");
    auto again = get(std::string(kPath) + "?watch=true");
    for (auto* w : {&all, &selected, &table, &again}) ASSERT_TRUE(w->stream) << w->body;

    Json cm = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", "c"}, {"namespace", "default"}, {"labels", {{"app", "x"}}}}}};
    write(cm, true);
    cm = api_.client().get({"", "v1", "ConfigMap"}, {"default", "c"}).value();
    cm["metadata"]["labels"]["app"] = "y";  // leaves the selector: DELETED for that watcher
    write(cm, false);

    const std::vector<std::string> plain = {"ADDED ConfigMap x", "MODIFIED ConfigMap y"};
    EXPECT_EQ(lines(all), plain);
    EXPECT_EQ(lines(again), plain);
    EXPECT_EQ(lines(selected),
              (std::vector<std::string>{"ADDED ConfigMap x", "DELETED ConfigMap y"}));
    EXPECT_EQ(lines(table), (std::vector<std::string>{"ADDED Table -", "MODIFIED Table -"}));
}

TEST_F(HttpWatch, MetricsCountWatchesAndMemory) {
    const auto gauge = [this](const std::string& name) {
        const std::string text = get("/metrics").body;
        const auto at = text.find("\n" + name + " ");
        EXPECT_NE(at, std::string::npos) << text;
        return at == std::string::npos ? -1.0 : std::atof(text.c_str() + at + name.size() + 2);
    };
    const double before = gauge("mcpsim_watches");
    EXPECT_EQ(get("/metrics").headers.value("Content-Type"),
              "text/plain; version=0.0.4; charset=utf-8");
    auto w = get(std::string(kPath) + "?watch=true");
    EXPECT_EQ(gauge("mcpsim_watches"), before + 1);
    w.stream->cancel();  // the client hung up
    EXPECT_EQ(gauge("mcpsim_watches"), before);
    EXPECT_GT(gauge("process_resident_memory_bytes"), 0);
    EXPECT_GE(gauge("mcpsim_watch_history_events"), 0);
}

}  // namespace
}  // namespace mcpsim::apiserver
