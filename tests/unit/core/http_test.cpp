// The same handler served over real TCP (answering cpp-httplib, a real blocking client) and over
// the in-memory network, including streamed bodies and the body limit.
#include <gtest/gtest.h>
#include <httplib.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <thread>

#include "mcpsim/core/http/network.hpp"
#include "mcpsim/core/runtime.hpp"

namespace mcpsim::core::http {
namespace {

Handler echoHandler() {
    return [](Request&& req, Reply reply) {
        if (req.path() == "/broken") {  // breaks off after its first chunk
            Response r;
            r.stream = std::make_shared<BodyStream>();
            r.stream->write("partial");
            r.stream->abort();
            reply(std::move(r));
            return;
        }
        if (req.path() == "/stream") {
            auto stream = std::make_shared<BodyStream>();
            Response r;
            r.headers.set("Content-Type", "text/plain");
            r.stream = stream;
            stream->write("one\n");
            stream->write("two\n");
            stream->close();
            reply(std::move(r));
            return;
        }
        Response r = makeResponse(200, "text/plain",
                                  req.method + " " + req.path() +
                                      " q=" + req.query("q").value_or("-") + " body=" + req.body);
        r.headers.set("X-Seen-Host", req.headers.value("Host"));
        reply(std::move(r));
    };
}

ServerLimits smallLimits() {
    ServerLimits l;
    l.maxBodyBytes = 16;
    l.tooLarge = [](std::size_t limit) {
        return makeResponse(413, "text/plain", "limit " + std::to_string(limit));
    };
    return l;
}

TEST(HttpTcp, ServesARealClient) {
    Runtime rt;
    auto net = makeLoopbackNetwork(rt);
    auto listener = net->listen({"127.0.0.1", 0}, echoHandler(), smallLimits());
    const int port = listener->endpoint().port;
    std::thread loop([&] { rt.run(); });
    httplib::Client cli("127.0.0.1", port);
    auto res = cli.Post("/echo?q=a%20b", "hi", "text/plain");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "POST /echo q=a b body=hi");
    auto streamed = cli.Get("/stream");
    ASSERT_TRUE(streamed);
    EXPECT_EQ(streamed->body, "one\ntwo\n");
    EXPECT_EQ(streamed->get_header_value("Transfer-Encoding"), "chunked");
    auto big = cli.Post("/echo", std::string(1000, 'x'), "text/plain");
    ASSERT_TRUE(big);
    EXPECT_EQ(big->status, 413);
    EXPECT_EQ(big->body, "limit 16");
    // A body that breaks off: the client gets the headers and the bytes so far, then the
    // connection closes without the last chunk, which a client reports as an error.
    auto broken = cli.Get("/broken");
    EXPECT_FALSE(broken);
    // The listener keeps serving after a refused request.
    auto after = httplib::Client("127.0.0.1", port).Get("/again");
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 200);
    rt.stop();
    loop.join();
}

TEST(HttpTcp, ClientTalksToServerOnTheSameLoop) {
    Runtime rt;
    auto net = makeLoopbackNetwork(rt);
    auto listener = net->listen({"127.0.0.1", 0}, echoHandler(), {});
    std::optional<Response> got;
    Request req;
    req.method = "PUT";
    req.target = "/x?q=1";
    req.body = "data";
    net->request(listener->endpoint(), req, [&](std::error_code ec, Response r) {
        EXPECT_FALSE(ec) << ec.message();
        got = std::move(r);
        rt.stop();
    });
    rt.run();
    ASSERT_TRUE(got);
    EXPECT_EQ(got->body, "PUT /x q=1 body=data");
}

// An event stream read over TCP is handed on event by event: a small event arrives while the
// server still holds the stream open (not once 16 KiB have piled up, nor at its end).
TEST(HttpTcp, ClientHandsOnEachEventOfAnOpenStream) {
    Runtime rt;
    auto net = makeLoopbackNetwork(rt);
    std::shared_ptr<BodyStream> serverSide;
    auto listener = net->listen({"127.0.0.1", 0},
                                [&](Request&&, Reply reply) {
                                    Response r;
                                    r.headers.set("Content-Type", "text/event-stream");
                                    r.stream = serverSide = std::make_shared<BodyStream>();
                                    r.stream->write("data: first\n\n");
                                    reply(std::move(r));  // and kept open
                                },
                                {});
    std::string received;
    Request req;
    req.method = "GET";
    req.target = "/events";
    net->request(listener->endpoint(), req, [&](std::error_code ec, Response r) {
        ASSERT_FALSE(ec) << ec.message();
        ASSERT_TRUE(r.stream);
        std::weak_ptr<BodyStream> stream = r.stream;  // the stream owns its notify
        r.stream->setNotify([&received, stream] {
            if (auto s = stream.lock()) {
                for (auto& c : s->take()) received += c;
            }
        });
    });
    // A bounded wait on the event itself.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (received.empty() && std::chrono::steady_clock::now() < deadline) {
        rt.io().run_one_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(received, "data: first\n\n");
    ASSERT_TRUE(serverSide);
    EXPECT_FALSE(serverSide->closed());
    serverSide->close();
}

// A stream the server breaks off (no last chunk, the connection closes) reaches our client as
// aborted, not as a normal end, as it does on the in-memory network.
TEST(HttpTcp, ClientSeesABodyCutShortAsAborted) {
    Runtime rt;
    auto net = makeLoopbackNetwork(rt);
    auto listener = net->listen({"127.0.0.1", 0},
                                [](Request&&, Reply reply) {
                                    Response r;
                                    r.headers.set("Content-Type", "text/event-stream");
                                    r.stream = std::make_shared<BodyStream>();
                                    r.stream->write("data: first\n\n");
                                    r.stream->abort();
                                    reply(std::move(r));
                                },
                                {});
    std::shared_ptr<BodyStream> got;
    Request req;
    req.method = "GET";
    req.target = "/events";
    net->request(listener->endpoint(), req, [&](std::error_code ec, Response r) {
        ASSERT_FALSE(ec) << ec.message();
        got = r.stream;
    });
    // A bounded wait on the end of the body.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((!got || !got->closed()) && std::chrono::steady_clock::now() < deadline) {
        rt.io().run_one_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(got) << "a body without its end is streamed";
    EXPECT_TRUE(got->closed());
    EXPECT_TRUE(got->aborted());
}

TEST(HttpInMemory, SameHandlerNoSockets) {
    Runtime rt(RuntimeOptions{1, true});
    auto net = makeInMemoryNetwork(rt);
    auto listener = net->listen({"api.local", 443}, echoHandler(), smallLimits());
    std::vector<std::string> bodies;
    Request req;
    req.method = "POST";
    req.target = "/echo?q=z";
    req.body = "hi";
    net->request({"api.local", 443}, req, [&](std::error_code ec, Response r) {
        EXPECT_FALSE(ec);
        bodies.push_back(r.body);
        EXPECT_EQ(r.headers.value("X-Seen-Host"), "api.local:443");
    });
    req.body = std::string(100, 'x');
    net->request({"api.local", 443}, req,
                 [&](std::error_code, Response r) { bodies.push_back(std::to_string(r.status)); });
    std::error_code refused;
    net->request({"nobody.local", 1}, req, [&](std::error_code ec, Response) { refused = ec; });
    EXPECT_TRUE(bodies.empty()) << "replies arrive on the loop, not inside request()";
    rt.runUntilIdle();
    EXPECT_EQ(bodies, (std::vector<std::string>{"POST /echo q=z body=hi", "413"}));
    EXPECT_EQ(refused, std::make_error_code(std::errc::connection_refused));
}

// kube-proxy's hop: a Service address passes the request on to a pod as the same message, so a
// request through it costs the loop two deliveries (there and back), not four.
TEST(HttpInMemory, ForwardPassesTheSameMessageOn) {
    Runtime rt(RuntimeOptions{1, true});
    auto net = makeInMemoryNetwork(rt);
    auto pod = net->listen({"10.0.0.5", 8080}, echoHandler(), smallLimits());
    auto service = net->listen({"svc.local", 80}, [&](Request&& req, Reply reply) {
        net->forward({"10.0.0.5", 8080}, std::move(req), [reply](std::error_code ec, Response r) {
            reply(ec ? makeResponse(503, "text/plain", ec.message()) : std::move(r));
        });
    });
    auto ghost = net->listen({"ghost.local", 80}, [&](Request&& req, Reply reply) {
        net->forward({"10.0.0.9", 1}, std::move(req), [reply](std::error_code ec, Response) {
            reply(makeResponse(503, "text/plain", ec.message()));
        });
    });
    rt.poll();
    std::vector<std::string> got;
    Request req;
    req.method = "POST";
    req.target = "/echo";
    req.body = "hi";
    net->request({"svc.local", 80}, req, [&](std::error_code ec, Response r) {
        EXPECT_FALSE(ec);
        got.push_back(r.body + " host=" + r.headers.value("X-Seen-Host"));
    });
    EXPECT_EQ(rt.poll(), 2U) << "one delivery to the Service, one back with the pod's answer";
    req.body = std::string(100, 'x');  // over the pod's limit: the pod's own 413
    net->request({"svc.local", 80}, req, [&](std::error_code, Response r) {
        got.push_back(std::to_string(r.status) + " " + r.body);
    });
    net->request({"ghost.local", 80}, req, [&](std::error_code, Response r) {
        got.push_back(std::to_string(r.status) + " " + r.body);
    });
    rt.runUntilIdle();
    EXPECT_EQ(got, (std::vector<std::string>{
                       "POST /echo q=- body=hi host=svc.local:80", "413 limit 16",
                       "503 " + std::make_error_code(std::errc::connection_refused).message()}));
}

TEST(HttpInMemory, AHandlerThatRepliesTwiceIsHeardOnce) {
    Runtime rt(RuntimeOptions{1, true});
    auto net = makeInMemoryNetwork(rt);
    auto twice = net->listen({"twice.local", 80}, [](Request&&, Reply reply) {
        reply(makeResponse(200, "text/plain", "first"));
        reply(makeResponse(500, "text/plain", "second"));
    });
    std::vector<std::string> got;
    net->request({"twice.local", 80}, Request{},
                 [&](std::error_code, Response r) { got.push_back(r.body); });
    rt.runUntilIdle();
    EXPECT_EQ(got, std::vector<std::string>{"first"});
}

TEST(HttpHeaders, FindAndLowercaseNames) {
    Headers h;
    h.add("Content-Type", "text/plain");
    h.add("X-Mcp-Method", "tools/call");
    ASSERT_NE(h.find("content-type"), nullptr);
    EXPECT_EQ(*h.find("content-type"), "text/plain");
    EXPECT_EQ(h.find("accept"), nullptr);
    h.lowercaseNames();
    EXPECT_EQ(h.items(), (std::vector<std::pair<std::string, std::string>>{
                             {"content-type", "text/plain"}, {"x-mcp-method", "tools/call"}}));
}

}  // namespace
}  // namespace mcpsim::core::http
