#include "served_tool.hpp"

namespace mcpsim::gateway::broker {

namespace {

// mcp-go's ToolInputSchema: $defs, type, properties, required; type always, the rest when set.
OrderedJson reducedSchema(const Json& schema) {
    OrderedJson out = OrderedJson::object();
    if (!schema.is_object()) {
        out["type"] = "";
        return out;
    }
    if (schema.contains("$defs") && schema["$defs"].is_object() && !schema["$defs"].empty()) {
        out["$defs"] = OrderedJson::parse(schema["$defs"].dump());
    }
    out["type"] = schema.value("type", Json("")).is_string() ? schema.value("type", "") : "";
    if (schema.contains("properties") && schema["properties"].is_object() &&
        !schema["properties"].empty()) {
        out["properties"] = OrderedJson::parse(schema["properties"].dump());
    }
    if (schema.contains("required") && schema["required"].is_array() &&
        !schema["required"].empty()) {
        out["required"] = OrderedJson::parse(schema["required"].dump());
    }
    return out;
}

}  // namespace

OrderedJson servedTool(const Json& upstream, const std::string& servedName, bool keepUpstreamMeta) {
    OrderedJson tool = OrderedJson::object();
    if (!keepUpstreamMeta) {
        tool["_meta"] = OrderedJson::object();
    } else if (upstream.contains("_meta") && upstream["_meta"].is_object()) {
        Json meta = upstream["_meta"];
        meta.erase("kuadrant/id");
        tool["_meta"] = OrderedJson::parse(meta.dump());
    }
    OrderedJson annotations = OrderedJson::object();
    const Json a = upstream.value("annotations", Json::object());
    if (a.is_object()) {
        if (a.contains("title") && a["title"].is_string() && !a["title"].get<std::string>().empty())
            annotations["title"] = a["title"];
        for (const char* hint :
             {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}) {
            if (a.contains(hint) && a[hint].is_boolean()) annotations[hint] = a[hint].get<bool>();
        }
    }
    tool["annotations"] = annotations;
    if (upstream.contains("description") && upstream["description"].is_string() &&
        !upstream["description"].get<std::string>().empty()) {
        tool["description"] = upstream["description"].get<std::string>();
    }
    tool["inputSchema"] = reducedSchema(upstream.value("inputSchema", Json::object()));
    tool["name"] = servedName;
    if (upstream.contains("outputSchema") && upstream["outputSchema"].is_object() &&
        upstream["outputSchema"].contains("type")) {
        tool["outputSchema"] = reducedSchema(upstream["outputSchema"]);
    }
    return tool;
}

std::string annotationHints(const Json& upstream) {
    const Json a = upstream.value("annotations", Json::object());
    auto hint = [&a](const char* key) -> std::string {
        if (!a.is_object() || !a.contains(key) || !a[key].is_boolean()) return "unspecified";
        return a[key].get<bool>() ? "true" : "false";
    };
    return "readOnly=" + hint("readOnlyHint") + ",destructive=" + hint("destructiveHint") +
           ",idempotent=" + hint("idempotentHint") + ",openWorld=" + hint("openWorldHint");
}

}  // namespace mcpsim::gateway::broker
