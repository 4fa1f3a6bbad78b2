import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// `agent.run` with MCP servers on the real binary: the official reference servers from PyPI
/// (mcp-server-time, mcp-server-git over stdio), a fastmcp Streamable HTTP server, and the fake
/// server of Tests/Fixtures/mcp-servers for the faults (crash, hang, isError, flood, progress,
/// an unknown protocol version, cancellation).
@Suite("agent.run with MCP servers")
struct AgentMCPTests {
    /// A fake server entry for `mcp_servers` and the file it records what it receives in.
    struct Fake {
        let record = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-record-\(UUID().uuidString)").path
        let mode: String
        var timeout: Double = 20
        var trust = true

        var config: JSONValue {
            let script = repositoryRoot.appendingPathComponent("Tests/Fixtures/mcp-servers/fake_server.py").path
            return ["command": "python3", "args": ["-u", .string(script), .string(mode)], "env": ["FAKE_MCP_RECORD": .string(record)],
                    "trust": .bool(trust), "timeout_seconds": .number(JSONNumber(timeout))]
        }

        /// The methods the server received, in order.
        var received: [String] {
            ((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").split(separator: "\n").map { String($0.split(separator: " ").first ?? "") }
        }
    }

    /// A harness whose daemon has `servers` as its `mcp_servers` (through a config file).
    static func harness(servers: JSONObject, responses: [FakeResponse]) throws -> Harness {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-agent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("config.json")
        try Data((["mcp_servers": .object(servers)] as JSONValue).serialized()).write(to: config)
        return try Harness(arguments: ["--config", config.path], responses: responses)
    }

    /// The venv with the reference MCP servers and fastmcp (scripts/mcp-servers-venv.sh); nil: skip.
    static func serversPython() throws -> String? {
        try PythonVenv.python(script: "scripts/mcp-servers-venv.sh", fail: { Issue.record(Comment(rawValue: $0)) })
    }

    static func call(_ name: String, _ arguments: String, id: String = "call_1") -> FakeResponse.ToolCall {
        FakeResponse.ToolCall(id: id, name: name, arguments: arguments)
    }

    // MARK: - Real servers

    @Test func theReferenceTimeServerRunsAfterTheUserApproves() throws {
        guard let python = try Self.serversPython() else { return }
        let servers: JSONObject = ["time": ["command": .string(python), "args": ["-m", "mcp_server_time", "--local-timezone", "Etc/UTC"]]]
        let harness = try Self.harness(servers: servers, responses: [
            .toolCallStream([Self.call("time__get_current_time", #"{"timezone":"Europe/Paris"}"#)]), .chatStream(["It is late."]),
        ])
        let run = try harness.daemon.agentRun(agentParams("What time is it in Paris?")) { request in
            request["method"] == "tool.approve" ? ["approved": true] : nil
        }
        try harness.finish()
        let approve = try #require(run.requests.first)
        #expect(approve["method"] == "tool.approve")
        #expect(approve["params"]?["server"] == "time" && approve["params"]?["name"] == "time__get_current_time")
        #expect(approve["params"]?["arguments"] == ["timezone": "Europe/Paris"])
        #expect(run.statuses(of: "call_1") == ["pending", "running", "completed"])
        let offered = harness.upstream.requests.first?.json?["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue }
        #expect(offered == ["time__convert_time", "time__get_current_time"], "named <server>__<tool>, sorted")
        let toolMessage = try #require(run.response["result"]?["messages"]?[1])
        #expect(toolMessage["content"]?.stringValue?.contains("Europe/Paris") == true, "\(toolMessage)")
        #expect(run.response.answer == "It is late.")
    }

    @Test func aDeniedCallNeverReachesTheServer() throws {
        guard let python = try Self.serversPython() else { return }
        let servers: JSONObject = ["time": ["command": .string(python), "args": ["-m", "mcp_server_time"]]]
        let harness = try Self.harness(servers: servers, responses: [
            .toolCallCompletion([Self.call("time__get_current_time", #"{"timezone":"Etc/UTC"}"#)]), .chatCompletion("Fine."),
        ])
        let run = try harness.daemon.agentRun(agentParams(stream: false)) { _ in ["approved": false] }
        try harness.finish()
        #expect(run.statuses(of: "call_1") == ["pending", "denied"])
        #expect(run.response["result"]?["messages"]?[1]?["content"]?.stringValue?.contains("did not approve") == true)
    }

    @Test func theReferenceGitServerTrustedRunsWithoutAsking() throws {
        guard let python = try Self.serversPython() else { return }
        let repository = repositoryRoot.path
        let servers: JSONObject = ["git": ["command": .string(python), "args": ["-m", "mcp_server_git", "--repository", .string(repository)],
                                           "trust": true, "tools": ["git_log"]]]
        let harness = try Self.harness(servers: servers, responses: [
            .toolCallCompletion([Self.call("git__git_log", #"{"repo_path":"\#(repository)","max_count":1}"#)]), .chatCompletion("One commit."),
        ])
        let run = try harness.daemon.agentRun(agentParams(stream: false))
        try harness.finish()
        #expect(run.requests.isEmpty, "a trusted server is not asked about")
        #expect(run.statuses(of: "call_1") == ["pending", "running", "completed"])
        #expect(run.response["result"]?["messages"]?[1]?["content"]?.stringValue?.contains("Commit") == true)
        let offered = harness.upstream.requests.first?.json?["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue }
        #expect(offered == ["git__git_log"], "the tools allow-list")
    }

    @Test func aFastMCPServerOverStreamableHTTP() throws {
        guard let python = try Self.serversPython() else { return }
        let server = try HTTPFixture(command: [python], script: "fastmcp_http.py", arguments: ["sse"])
        defer { server.stop() }
        let harness = try Self.harness(servers: ["web": ["url": .string(server.url), "trust": true]], responses: [
            .toolCallCompletion([Self.call("web__add", #"{"a":2,"b":40}"#)]), .chatCompletion("42."),
        ])
        let listed = try harness.daemon.call("tools.list", [:], id: 7).response["result"]
        #expect(listed?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["web__add", "web__echo_header"])
        #expect(listed?["servers"] == [["name": "web", "status": "ready"]])
        let run = try harness.daemon.agentRun(agentParams(stream: false))
        try harness.finish()
        #expect(run.response["result"]?["messages"]?[1]?["content"] == "42")
    }

    // MARK: - Faults

    @Test func aServerThatCrashesMidCallFailsTheCallAndIsStartedAgainLater() throws {
        let fake = Fake(mode: "modern")
        let harness = try Self.harness(servers: ["fake": fake.config], responses: [
            .toolCallCompletion([Self.call("fake__crash", "{}")]), .chatCompletion("It crashed."),
            .toolCallCompletion([Self.call("fake__echo", #"{"text":"back"}"#)]), .chatCompletion("It is back."),
        ])
        let first = try harness.daemon.agentRun(agentParams(stream: false))
        #expect(first.statuses(of: "call_1") == ["pending", "running", "failed"])
        #expect(first.response.answer == "It crashed.")
        Thread.sleep(forTimeInterval: 1.2)  // past the first restart pause
        let second = try harness.daemon.agentRun(agentParams(stream: false), id: 2)
        try harness.finish()
        #expect(second.statuses(of: "call_1") == ["pending", "running", "completed"])
        #expect(second.response["result"]?["messages"]?[1]?["content"] == "back")
    }

    @Test func aHangingCallHitsItsServersTimeLimitAndIsCancelledThere() throws {
        var fake = Fake(mode: "modern")
        fake.timeout = 1
        let harness = try Self.harness(servers: ["fake": fake.config], responses: [
            .toolCallCompletion([Self.call("fake__hang", "{}")]), .chatCompletion("Too slow."),
        ])
        let run = try harness.daemon.agentRun(agentParams(stream: false))
        try harness.finish()
        #expect(run.statuses(of: "call_1") == ["pending", "running", "failed"])
        #expect(run.response.answer == "Too slow.")
        #expect(fake.received.contains("notifications/cancelled"))
    }

    @Test func isErrorFloodsAndProgressReachTheModelAndTheClientAsTheyShould() throws {
        let fake = Fake(mode: "modern")
        let calls = [Self.call("fake__fail", "{}", id: "c_fail"), Self.call("fake__flood", #"{"bytes":600000}"#, id: "c_flood"),
                     Self.call("fake__progress", "{}", id: "c_progress")]
        let harness = try Self.harness(servers: ["fake": fake.config], responses: [.toolCallCompletion(calls), .chatCompletion("Noted.")])
        let run = try harness.daemon.agentRun(agentParams(stream: false))
        try harness.finish()
        #expect(run.statuses(of: "c_fail").last == "failed")
        #expect(run.statuses(of: "c_flood").last == "completed")
        #expect(run.statuses(of: "c_progress") == ["pending", "running", "running", "running", "completed"])
        let reports = run.notifications.compactMap { $0["params"]?["progress"] }
        #expect(reports.first == ["progress": 1, "total": 2, "message": "step 1"])
        let messages = try #require(run.response["result"]?["messages"]?.arrayValue)
        #expect(messages[1]["content"]?.stringValue?.contains("it went wrong") == true)
        let flood = messages[2]["content"]?.stringValue ?? ""
        // cut once, where the server's parts were joined: the note counts what the server sent
        #expect(flood.hasSuffix("\n\n[output cut at 256 KiB: \(600_000 - 256 * 1024) more bytes were left out]"), "\(flood.suffix(80))")
        let sent = harness.upstream.requests.last?.json?["messages"]?.arrayValue ?? []
        #expect(sent.count == 5, "the question, the calls, three results")
    }

    @Test func aServerOfAnUnknownRevisionIsLeftOutAndTheRunGoesOn() throws {
        let fake = Fake(mode: "unknown-version")
        let harness = try Self.harness(servers: ["odd": fake.config], responses: [.chatCompletion("Without tools.")])
        let run = try harness.daemon.agentRun(agentParams(stream: false))
        let listed = try harness.daemon.call("tools.list", [:], id: 2).response["result"]
        try harness.finish()
        #expect(run.response.answer == "Without tools.")
        #expect(run.response["result"]?["unavailable_servers"]?[0]?["name"] == "odd")
        #expect(harness.upstream.requests.first?.json?["tools"] == nil)
        #expect(listed?["servers"]?[0]?["status"] == "failed")
    }

    @Test func cancellingTheRunCancelsTheCallOnItsServer() throws {
        let fake = Fake(mode: "modern")
        let harness = try Self.harness(servers: ["fake": fake.config], responses: [.toolCallCompletion([Self.call("fake__hang", "{}")])])
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "agent.run", "params": agentParams(stream: false)])
        var running: JSONValue = .null
        while running["params"]?["status"] != "running" { running = try harness.daemon.next() }
        Thread.sleep(forTimeInterval: 0.3)
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 1]])
        let (response, before) = try harness.daemon.response(to: 1)
        try harness.finish()
        #expect(response["error"]?["code"] == -32800)
        #expect(before.contains { $0["params"]?["status"] == "cancelled" })
        #expect(response["error"]?["data"]?["partial"]?["messages"]?[1]?["content"]?.stringValue?.hasPrefix("Cancelled") == true)
        let deadline = Date().addingTimeInterval(5)
        while !fake.received.contains("notifications/cancelled"), Date() < deadline { usleep(20_000) }
        #expect(fake.received.contains("notifications/cancelled"))
    }

    @Test func aServerGetsNoneOfTheDaemonsSecretsUnlessItsEnvNamesThem() throws {
        var fake = Fake(mode: "modern")
        fake.trust = true
        var config = fake.config.objectValue ?? [:]
        config["env"] = ["FAKE_MCP_RECORD": .string(fake.record), "GIVEN_TOKEN": "named-on-purpose"]
        let harness = try Self.harness(servers: ["fake": .object(config)], responses: [
            .toolCallCompletion([Self.call("fake__env", "{}")]), .chatCompletion("Seen."),
        ])
        let run = try harness.daemon.agentRun(agentParams(stream: false))
        try harness.finish()
        let environment = try JSONParser.parse(Array((run.response["result"]?["messages"]?[1]?["content"]?.stringValue ?? "").utf8))
        #expect(environment["OPENAI_API_KEY"] == nil && environment["OPENAI_BASE_URL"] == nil)
        #expect(environment["GIVEN_TOKEN"] == "[redacted]", "named in env, it is passed; as a secret, it never shows")
        #expect(environment["PATH"] != nil)
    }
}
}
