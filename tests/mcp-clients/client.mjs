// A real MCP client (the official TypeScript SDK) against one server: connect, list tools,
// call one, end the session. The e2e tests read its output lines.
//
// usage: node client.mjs URL [TOOL [JSON_ARGS]]
//   TOOL "-" (or absent): list only.  MCP_HEADERS='{"Authorization":"Bearer x"}' adds headers;
//   MCP_TIMEOUT_MS bounds each request (the SDK's default is 60 s).
//   MCP_AWAIT_LIST_CHANGED=SECONDS: after the first list, print "waiting: list_changed", wait
//   (at most SECONDS) for notifications/tools/list_changed, then list again.
// prints: server: <serverInfo JSON>  /  tools: a,b,c  /  [waiting: list_changed  /
//   changed: tools: a,b,c,d]  /  result: <CallToolResult JSON>
// Any failure prints "error: <message>" and exits 1.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const [url, tool = "-", args = "{}"] = process.argv.slice(2);
const headers = JSON.parse(process.env.MCP_HEADERS || "{}");
const options = process.env.MCP_TIMEOUT_MS ? { timeout: Number(process.env.MCP_TIMEOUT_MS) } : {};

const awaitSeconds = Number(process.env.MCP_AWAIT_LIST_CHANGED || 0);

const client = new Client({ name: "mcpsim-e2e", version: "0.0.1" });
let listChanged;
const changed = new Promise((resolve) => (listChanged = resolve));
client.setNotificationHandler(ToolListChangedNotificationSchema, () => listChanged());
const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
try {
  await client.connect(transport, options);
  console.log("server: " + JSON.stringify(client.getServerVersion()));
  const { tools } = await client.listTools(undefined, options);
  console.log("tools: " + tools.map((t) => t.name).join(","));
  if (awaitSeconds > 0) {
    console.log("waiting: list_changed");
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error("no notifications/tools/list_changed")), awaitSeconds * 1000);
    });
    await Promise.race([changed, timeout]);
    clearTimeout(timer);
    const again = await client.listTools(undefined, options);
    console.log("changed: tools: " + again.tools.map((t) => t.name).join(","));
  }
  if (tool !== "-") {
    const call = { name: tool, arguments: JSON.parse(args) };
    const result = await client.callTool(call, undefined, options);
    console.log("result: " + JSON.stringify(result));
  }
  await transport.terminateSession();
  await client.close();
} catch (e) {
  console.log("error: " + (e instanceof Error ? e.message : String(e)));
  await client.close().catch(() => {});
  process.exit(1);
}
