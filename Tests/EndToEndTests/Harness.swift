import Foundation
import JSONRPC
import Testing
import TestSupport

/// Every end-to-end suite is nested here, and they run one test at a time: their tests block on
/// pipes and processes, and running them in parallel would hold every thread of the cooperative
/// pool (two on a two-core machine), starving the async tests of the other targets.
@Suite(.serialized) enum EndToEnd {}

/// The API key every end-to-end test uses; it must never appear in any output.
let testKey = "sk-test-KEEP-OUT-0123456789abcdef"

/// A fake upstream plus the real daemon pointed at it, with debug logging to a log file so that
/// the no-key check covers the chattiest output: stdout (results and error data), stderr and the log.
struct Harness {
    let upstream: FakeUpstream
    let daemon: DaemonProcess
    let logFile = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-test-\(UUID().uuidString).log")

    /// - Parameter responses: served in order, one per upstream request; then `fallback`. The
    ///   `HEAD` that `initialize` sends to preconnect is answered apart and takes none of them.
    init(arguments: [String] = [], environment: [String: String] = [:], responses: [FakeResponse],
         fallback: FakeResponse = .error(status: 599, message: "the test scripted no more responses")) throws {
        let queue = Mailbox<FakeResponse>()
        queue.post(contentsOf: responses)
        try self.init(arguments: arguments, environment: environment) { request in
            request.method == "HEAD" ? FakeResponse(steps: []) : queue.take(timeout: 0) ?? fallback
        }
    }

    init(arguments: [String] = [], environment: [String: String] = [:],
         handler: @escaping @Sendable (RecordedRequest) -> FakeResponse) throws {
        try self.init(arguments: arguments, environment: environment, upstream: try FakeUpstream(handler: handler))
    }

    /// The daemon pointed at `upstream`, which `finish()` stops, its stdin and stdout `stdio`.
    init(arguments: [String] = [], environment: [String: String] = [:], upstream: FakeUpstream,
         stdio: DaemonProcess.Stdio = .pipes) throws {
        self.upstream = upstream
        var env = ["OPENAI_API_KEY": testKey, "OPENAI_BASE_URL": upstream.baseURL]
        env.merge(environment) { _, new in new }
        daemon = try DaemonProcess(arguments: ["--log-level", "debug", "--log-file", logFile.path, "--max-retries", "2"] + arguments,
                                   environment: env, stdio: stdio)
    }

    /// Ends input, collects the remaining output, checks the exit status and that the key never
    /// leaked, and stops the upstream.
    /// - Parameter conformance: checks every message against the protocol's schemas (the OpenRPC
    ///   document's unless given; the MCP tests pass MCP's).
    @discardableResult
    func finish(expectCode: Int32 = 0, conformance: ((Harness) throws -> Void)? = nil,
                sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSONValue] {
        daemon.closeInput()
        let rest = try daemon.drain()
        let code = try daemon.waitForExit()
        #expect(code == expectCode, "exit status; stderr: \(daemon.stderr)", sourceLocation: sourceLocation)
        expectNoKeyLeak(sourceLocation: sourceLocation)
        if let conformance { try conformance(self) } else { try expectConformance(sourceLocation: sourceLocation) }
        upstream.stop()
        return rest
    }

    /// Every message the daemon wrote matches the protocol document's schemas.
    func expectConformance(sourceLocation: SourceLocation = #_sourceLocation) throws {
        var methods: [JSONValue: [String]] = [:]
        for message in daemon.sent.flatMap({ $0.arrayValue ?? [$0] }) {
            if let id = message["id"], let method = message["method"]?.stringValue { methods[id, default: []].append(method) }
        }
        let conformance = ProtocolConformance(document: try EndToEnd.ProtocolDocumentTests.openRPC())
        for message in try daemon.writtenMessages().flatMap({ $0.arrayValue ?? [$0] }) {
            // An id may have been reused for another method once answered: any of its methods may fit.
            let candidates = message["id"].flatMap { methods[$0] } ?? []
            let problems = (candidates.isEmpty ? [String?.none] : candidates.map { $0 }).map { conformance.problems(in: message, answering: $0) }
            #expect(problems.contains { $0.isEmpty }, "\(message.jsonText.prefix(300)): \(problems)", sourceLocation: sourceLocation)
        }
    }

    func expectNoKeyLeak(sourceLocation: SourceLocation = #_sourceLocation) {
        let stdout = String(decoding: daemon.stdoutBytes, as: UTF8.self)
        #expect(!stdout.contains(testKey), "API key on stdout", sourceLocation: sourceLocation)
        #expect(!daemon.stderr.contains(testKey), "API key on stderr", sourceLocation: sourceLocation)
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        #expect(!log.isEmpty, "the debug log was written", sourceLocation: sourceLocation)
        #expect(!log.contains(testKey), "API key in the log file", sourceLocation: sourceLocation)
        try? FileManager.default.removeItem(at: logFile)
    }
}

/// A `chat.complete` params object for one user message.
func chatParams(_ text: String = "Hi", stream: Bool = false, extra: JSONObject = [:]) -> JSONValue {
    var params: JSONObject = ["model": "gpt-4o-mini", "messages": [["role": "user", "content": .string(text)]]]
    if stream { params["stream"] = true }
    for (key, value) in extra { params[key] = value }
    return .object(params)
}

/// The concatenated `delta.content` of the `chat.delta` notifications for request `id`.
func streamedText(_ messages: [JSONValue], id: JSONValue = 1) -> String {
    messages.filter { $0["method"] == "chat.delta" && $0["params"]?["request_id"] == id }
        .compactMap { $0["params"]?["delta"]?["content"]?.stringValue }
        .joined()
}

extension JSONValue {
    /// `result.choices[0].message.content` of a chat response.
    var answer: String? { self["result"]?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue }
    var errorCode: Int? { self["error"]?["code"]?.intValue }
}
