import Foundation
import JSONRPC
import Testing
import TestSupport

/// One example script under `protocol/examples/scripts/`, run as a user would.
struct ExampleScript: CustomTestStringConvertible, Sendable {
    let file: String
    let interpreter: String
    /// The example's name, the same in every language: `json-object`.
    let example: String

    var testDescription: String { file }

    static let examples = ["chat", "stream", "json-object", "json-schema", "embeddings", "o1", "responses-stream", "fim"]

    static func all(_ interpreter: String, _ fileExtension: String) -> [ExampleScript] {
        examples.map { example in
            let name = interpreter == "python3" ? example.replacingOccurrences(of: "-", with: "_") : example
            return ExampleScript(file: "\(name).\(fileExtension)", interpreter: interpreter, example: example)
        }
    }
}

extension EndToEnd {
@Suite("protocol/examples/scripts run against the fake upstream")
struct ExampleScriptTests {
    static let folder = protocolDirectory.appendingPathComponent("examples").appendingPathComponent("scripts")

    /// What each example must print.
    static let expected: [String: String] = [
        "chat": "2, 3 and 5.\n",
        "stream": "Pipes carry the bytes\n",
        "json-object": "red\ngreen\nblue\n",
        "json-schema": "name: Paris\ncountry: France\npopulation: 2102650\n",
        "embeddings": "dimensions: 8\n",
        "o1": "1001 = 7 × 11 × 13, so no.\nreasoning tokens: 192\n",
        "responses-stream": "Events arrive in order\nstatus: completed\n",
        "fim": "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n",
    ]

    /// Whether `node` is on PATH (python3 and jq always are where the tests run).
    static let nodeAvailable = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/node") }

    /// The fake API: answers each example's request, and refuses requests the daemon should have
    /// adapted (an o1-mini request still carrying max_tokens or a system message) or that the
    /// example should not make (a Responses request that does not stream, a completion without
    /// its prompt and suffix).
    static func answer(_ request: RecordedRequest) -> FakeResponse {
        let body = request.json ?? .null
        switch request.path {
        case "/v1/embeddings":
            return .json(["object": "list", "model": "text-embedding-3-small", "usage": ["prompt_tokens": 4, "total_tokens": 4],
                          "data": [["object": "embedding", "index": 0, "embedding": .array((1...8).map { .number(Double($0) / 10) })]]])
        case "/v1/chat/completions" where body["model"] == "o1-mini":
            guard body["max_tokens"] == nil, body["max_completion_tokens"] == 2000,
                  body["messages"] == [["role": "user", "content": "Be terse.\n\nIs 1001 prime?"]] else {
                return .error(status: 400, message: "Unsupported parameter or role for o1-mini")
            }
            return .json(["id": "chatcmpl-o1", "object": "chat.completion", "created": 1, "model": "o1-mini",
                          "choices": [["index": 0, "message": ["role": "assistant", "content": "1001 = 7 × 11 × 13, so no."], "finish_reason": "stop"]],
                          "usage": ["prompt_tokens": 20, "completion_tokens": 220, "total_tokens": 240,
                                    "completion_tokens_details": ["reasoning_tokens": 192]]])
        case "/v1/responses":
            guard body["stream"] == true, body["input"]?.stringValue != nil else { return .error(status: 400, message: "expected a streamed request") }
            return .responsesStream(["Events ", "arrive ", "in order"])
        case "/v1/completions":
            guard body["prompt"] == "def add(a, b):\n    ", body["suffix"] == "\n\nprint(add(1, 2))\n" else {
                return .error(status: 400, message: "expected a fill-in-the-middle request")
            }
            return .textCompletion("return a + b")
        case "/v1/chat/completions" where body["stream"] == true:
            return .chatStream(["Pipes ", "carry ", "the ", "bytes"])
        case "/v1/chat/completions" where body["response_format"]?["type"] == "json_object":
            return .chatCompletion(#"{"colours":["red","green","blue"]}"#)
        case "/v1/chat/completions" where body["response_format"]?["json_schema"]?["strict"] == true:
            return .chatCompletion(#"{"name":"Paris","country":"France","population":2102650}"#)
        case "/v1/chat/completions":
            return .chatCompletion("2, 3 and 5.")
        default:
            return .error(status: 404, message: "no route \(request.path)")
        }
    }

    /// Runs `script` with the built daemon pointed at a fresh fake upstream; returns its exit
    /// status, stdout and stderr, and the requests the upstream received.
    static func run(_ script: ExampleScript) throws -> (status: Int32, stdout: String, stderr: String, requests: [RecordedRequest]) {
        let upstream = try FakeUpstream(handler: answer)
        defer { upstream.stop() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [script.interpreter, folder.appendingPathComponent(script.file).path]
        process.environment = DaemonProcess.cleanEnvironment().merging(
            ["SWITCHBOARD": DaemonProcess.binaryPath, "OPENAI_API_KEY": testKey, "OPENAI_BASE_URL": upstream.baseURL]) { _, new in new }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) { if process.isRunning { process.terminate() } }
        let stderrData = Mailbox<Data>()
        Thread { stderrData.post(errors.fileHandleForReading.readDataToEndOfFile()) }.start()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = stderrData.take(timeout: 10) ?? Data()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self), upstream.requests)
    }

    static func check(_ script: ExampleScript) throws {
        let run = try run(script)
        #expect(run.status == 0, "\(script.file) exited \(run.status); stderr: \(run.stderr)")
        #expect(run.stdout == expected[script.example], "\(script.file) printed \(run.stdout.debugDescription)")
        #expect(run.requests.count == 1, "\(script.file) made \(run.requests.count) upstream requests")
        #expect(!(run.stdout + run.stderr).contains(testKey))
    }

    @Test(arguments: ExampleScript.all("bash", "sh") + ExampleScript.all("python3", "py"))
    func shellAndPythonScriptsPrintTheAnswer(_ script: ExampleScript) throws {
        try Self.check(script)
    }

    // Node is optional on a developer's machine: these are skipped only when no `node` is on PATH.
    @Test(.enabled(if: nodeAvailable, "node is not installed"), arguments: ExampleScript.all("node", "mjs"))
    func nodeScriptsPrintTheAnswer(_ script: ExampleScript) throws {
        try Self.check(script)
    }
}
}
