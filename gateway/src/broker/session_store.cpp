#include "session_store.hpp"

#include <chrono>

namespace mcpsim::gateway::broker {

namespace {

class MemoryStore final : public SessionStore {
  public:
    void get(const std::string& gs, GetDone done) override {
        auto it = entries_.find(gs);
        if (done) done("", it == entries_.end() ? Sessions{} : it->second);
    }
    void add(const std::string& gs, const std::string& server, const std::string& upstream,
             core::Duration, Done done) override {
        entries_[gs][server] = upstream;
        if (done) done("");
    }
    void remove(const std::string& gs, const std::string& server, Done done) override {
        if (auto it = entries_.find(gs); it != entries_.end()) it->second.erase(server);
        if (done) done("");
    }
    void ping(Done done) override {
        if (done) done("");
    }
    void drop(const std::string& gs, Done done) override {
        entries_.erase(gs);
        if (done) done("");
    }

  private:
    std::map<std::string, Sessions> entries_;
};

class RedisStore final : public SessionStore {
  public:
    RedisStore(core::Runtime& runtime, core::redis::Address address)
        : client_(runtime, std::move(address)) {}

    void get(const std::string& gs, GetDone done) override {
        client_.command({"HGETALL", gs},
                        [done](const std::string& error, const core::redis::Reply& r) {
                            if (!error.empty()) return done(error, {});
                            if (r.type == core::redis::Reply::Type::Error) return done(r.text, {});
                            Sessions sessions;
                            for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
                                sessions[r.elements[i].text] = r.elements[i + 1].text;
                            }
                            done("", sessions);
                        });
    }
    void add(const std::string& gs, const std::string& server, const std::string& upstream,
             core::Duration lifetime, Done done) override {
        client_.command({"HSET", gs, server, upstream}, answer(nullptr));
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(lifetime).count();
        client_.command({"EXPIRE", gs, std::to_string(seconds > 0 ? seconds : 1)},
                        answer(std::move(done)));
    }
    void remove(const std::string& gs, const std::string& server, Done done) override {
        client_.command({"HDEL", gs, server}, answer(std::move(done)));
    }
    void drop(const std::string& gs, Done done) override {
        client_.command({"DEL", gs}, answer(std::move(done)));
    }
    void ping(Done done) override { client_.command({"PING"}, answer(std::move(done))); }
    std::size_t pending() const override { return client_.inFlight(); }

  private:
    static core::redis::Client::Done answer(Done done) {
        return [done](const std::string& error, const core::redis::Reply& r) {
            if (!done) return;
            done(!error.empty()                              ? error
                 : r.type == core::redis::Reply::Type::Error ? r.text
                                                             : std::string());
        };
    }

    core::redis::Client client_;
};

}  // namespace

std::unique_ptr<SessionStore> makeMemorySessionStore() {
    return std::make_unique<MemoryStore>();
}

std::unique_ptr<SessionStore> makeRedisSessionStore(core::Runtime& runtime,
                                                    core::redis::Address address) {
    return std::make_unique<RedisStore>(runtime, std::move(address));
}

}  // namespace mcpsim::gateway::broker
