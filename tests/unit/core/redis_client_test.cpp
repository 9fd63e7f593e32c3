// The Redis client against a real redis-server (Debian's), on a Unix socket of its own, driven by
// a runtime on virtual time: settle() waits for the server's answers without moving the clock.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "mcpsim/core/redis/client.hpp"
#include "skip.hpp"

using namespace mcpsim::core;

namespace {

struct RedisServer {
    std::string dir, socket;
    bool up = false;
    RedisServer() {
        char tmpl[] = "/tmp/mcpsim-redis-XXXXXX";
        dir = mkdtemp(tmpl);
        socket = dir + "/redis.sock";
        const std::string cmd = "redis-server --daemonize yes --port 0 --unixsocket " + socket +
                                " --pidfile " + dir + "/pid --dir " + dir +
                                " --save '' --appendonly no --logfile " + dir + "/log";
        if (std::system(("command -v redis-server >/dev/null && " + cmd).c_str()) != 0) return;
        // Bounded wait for the socket to appear (the server's observable readiness).
        struct stat st {};
        for (int i = 0; i < 500 && stat(socket.c_str(), &st) != 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        up = stat(socket.c_str(), &st) == 0;
    }
    ~RedisServer() {
        if (up)
            std::system(("redis-cli -s " + socket + " shutdown nosave >/dev/null 2>&1").c_str());
        std::system(("rm -rf " + dir).c_str());
    }
};

}  // namespace

TEST(RedisUrl, ParsesTheFormsGoRedisReads) {
    auto a = std::get<redis::Address>(redis::parseUrl("redis://u:p@cache.ns.svc:6380/2"));
    EXPECT_EQ(a.host, "cache.ns.svc");
    EXPECT_EQ(a.port, 6380);
    EXPECT_EQ(a.user, "u");
    EXPECT_EQ(a.password, "p");
    EXPECT_EQ(a.db, 2);
    auto u = std::get<redis::Address>(redis::parseUrl("unix:///tmp/r.sock?db=3"));
    EXPECT_EQ(u.unixSocket, "/tmp/r.sock");
    EXPECT_EQ(u.db, 3);
    EXPECT_EQ(std::get<redis::Address>(redis::parseUrl("redis://h")).port, 6379);
    EXPECT_EQ(std::get<std::string>(redis::parseUrl("http://h")),
              "redis: invalid URL scheme: http");
    EXPECT_EQ(std::get<std::string>(redis::parseUrl("redis://h:x")), "redis: invalid port \"x\"");
}

TEST(RedisClient, HashCommandsAgainstARealServerOnVirtualTime) {
    RedisServer server;
    if (!server.up) MCPSIM_SKIP_OR_FAIL_IN_CI("redis-server is not installed or did not start");
    RuntimeOptions o;
    o.virtualTime = true;
    Runtime rt(o);
    redis::Address at;
    at.unixSocket = server.socket;
    redis::Client client(rt, at);
    std::vector<std::string> seen;
    auto record = [&](const std::string& error, const redis::Reply& r) {
        std::string line = error.empty() ? "" : "error:" + error;
        if (r.type == redis::Reply::Type::Array) {
            for (const auto& e : r.elements) line += e.text + ",";
        } else if (r.type == redis::Reply::Type::Integer) {
            line += std::to_string(r.integer);
        } else {
            line += r.text;
        }
        seen.push_back(line);
    };
    const auto before = rt.clock().steady();
    client.command({"PING"}, record);
    client.command({"HSET", "gw1", "ns/s1", "up-1"}, record);
    client.command({"HSET", "gw1", "ns/s2", "up-2"}, record);
    client.command({"HGETALL", "gw1"}, record);
    client.command({"HDEL", "gw1", "ns/s1"}, record);
    client.command({"DEL", "gw1"}, record);
    client.command({"HGETALL", "gw1"}, record);
    EXPECT_EQ(client.inFlight(), 7u);
    const auto settled = rt.settle(std::chrono::seconds(60));
    EXPECT_TRUE(settled.converged) << settled.describe();
    EXPECT_EQ(rt.clock().steady(), before);  // waiting for a real process costs no world time
    EXPECT_EQ(client.inFlight(), 0u);
    EXPECT_EQ(seen,
              (std::vector<std::string>{"PONG", "1", "1", "ns/s1,up-1,ns/s2,up-2,", "1", "1", ""}));
}

TEST(RedisClient, ANoServerAnswersWithAnError) {
    RuntimeOptions o;
    o.virtualTime = true;
    Runtime rt(o);
    redis::Address at;
    at.unixSocket = "/nonexistent/mcpsim-redis.sock";
    redis::Client client(rt, at);
    std::string error = "unset";
    client.command({"PING"}, [&](const std::string& e, const redis::Reply&) { error = e; });
    rt.settle(std::chrono::seconds(1));
    EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
}
