#pragma once
// The `mcp-gateway-config` Secret the broker reads: key config.yaml holding
//   servers: [{credential?, enabled, hostname?, name, toolPrefix?, url}]
//   virtualServers: [{name, tools}]   (omitted when empty)
// Every write is a read-modify-write of the whole Secret with stringData, retried on conflict.
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "mcpsim/core/json.hpp"
#include "mcpsim/core/kube/client.hpp"
#include "mcpsim/core/log.hpp"

namespace mcpsim::gateway {

inline constexpr const char* kConfigSecretName = "mcp-gateway-config";
inline constexpr const char* kConfigKey = "config.yaml";
inline constexpr const char* kEmptyConfig = "servers: []\nvirtualServers: []\n";
inline constexpr const char* kVirtualServerNamespace = "mcp-system";

class ConfigSecret {
  public:
    using Error = std::optional<std::string>;  // nullopt on success

    ConfigSecret(core::kube::Client& client, core::Logger log);

    Error ensureExists(const std::string& ns);
    Error writeEmpty(const std::string& ns);
    // Replaces the entry with the same name in place, else appends it.
    Error upsert(const std::string& ns, const Json& entry);
    // Drops the named entry from every Secret labelled mcp.kagenti.com/aggregated=true.
    Error remove(const std::string& serverName);
    // Replaces the virtualServers section of mcp-system/mcp-gateway-config.
    Error writeVirtualServers(const Json& virtualServers);

    // Write-behind for a burst of registrations reconciled at one instant: a staged entry is
    // written by the next flush, one read-modify-write per namespace for the whole burst, where
    // one upsert each would store (and every watcher receive) N versions of an O(N) Secret.
    void stage(const std::string& ns, const Json& entry);
    bool isStaged(const std::string& serverName) const { return stagedNames_.count(serverName); }
    bool hasStaged() const { return !stagedNames_.empty(); }
    // Whether the last config this writer saw or wrote for `ns` has exactly this entry. A hint,
    // never a read: the Secret may have changed since, so an upsert stays the way to be sure.
    bool holds(const std::string& ns, const Json& entry) const;
    // A watched Secret event: a config Secret deleted, or no longer holding the text this writer
    // last saw, is forgotten, so the next holds() is false and the next write reads it afresh.
    void observe(const Json& secret, bool deleted);
    // Writes what is staged. Every other write flushes first, so writes keep their order. When a
    // namespace's write fails, the names staged for it go to onStagedWriteFailed (their owners
    // retry alone) and the error is returned.
    Error flushStaged();
    std::function<void(const std::vector<std::string>& names)> onStagedWriteFailed;

    // Reads the parsed config of a namespace (for tests and the broker): nullopt if absent.
    std::optional<Json> read(const std::string& ns);

    // The reference's rendering: sorted keys, block style, `servers: []` when empty,
    // virtualServers omitted when empty.
    static std::string render(const Json& config);
    static Json parse(const std::string& yaml);  // throws std::runtime_error

  private:
    // What a change did: nothing to write, a new `config` (rendered by modify), or new `raw` text.
    enum class Write { None, Config, Raw };
    using Change = std::function<Write(Json& config, std::string& raw)>;
    // Read-or-create <ns>/mcp-gateway-config, then apply `change` to the parsed config and write
    // it back unless the change returns false. Retries on conflict (4 attempts, as client-go's
    // default backoff).
    Error modify(const std::string& ns, const Change& change);
    // The same on any Secret, without creating it (Remove works on every labelled Secret).
    Error modify(const core::kube::ObjectKey& secret, bool create, const Change& change);

    // The parsed config of each Secret, known by its stored (base64) text: decoding and parsing
    // are the expensive part of a write, and most reads see the text this writer produced last.
    // modify() edits it in place (no copy of a large config per reconcile) and drops it when
    // the edit does not land.
    struct Parsed {
        std::string encoded;  // data.config.yaml as stored
        Json config;
        // Position in servers[] of each name's first entry: built by the first holds() after an
        // edit, so a burst of checks against a large config is not a scan each.
        mutable std::optional<std::unordered_map<std::string, std::size_t>> firstByName;
    };
    Parsed& cachedConfig(const core::kube::ObjectKey& key, const Json& secret);

    core::kube::Client& client_;
    core::Logger log_;
    std::map<core::kube::ObjectKey, Parsed> parsed_;
    std::map<std::string, std::vector<Json>> staged_;  // namespace -> entries, in staging order
    std::set<std::string> stagedNames_;
};

}  // namespace mcpsim::gateway
