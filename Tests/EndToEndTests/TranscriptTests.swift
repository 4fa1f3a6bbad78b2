import Primitives
import Foundation
import JSONRPC
import Testing
import TestSupport

/// One `protocol/examples/*.jsonl` transcript: the upstream's scripted answers, what the client
/// sends and what the daemon must write.
struct Transcript: CustomTestStringConvertible, Sendable {
    let name: String
    var environment: [String: String] = [:]
    var upstream: [FakeResponse] = []
    /// Each `upstream` entry's `method` and `path`, when it names them.
    var routes: [(method: String?, path: String?)] = []
    var sends: [JSONValue] = []
    var expects: [JSONValue] = []

    var testDescription: String { name }

    /// - Parameter folder: under protocol/: `examples` (JSON-RPC mode), `examples/mcp` (MCP mode).
    static func all(in folder: String = "examples") throws -> [Transcript] {
        let folder = protocolDirectory.appendingPathComponent(folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        return try files.map { try Transcript(name: $0, text: String(decoding: Data(contentsOf: folder.appendingPathComponent($0)), as: UTF8.self)) }
    }

    init(name: String, text: String) throws {
        self.name = name
        for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let entry = try JSONParser.parse(String(line))
            if let env = entry["env"]?.objectValue {
                for (key, value) in env { environment[key] = Self.placeholder(value.stringValue ?? "") }
            } else if let scripted = entry["upstream"] {
                upstream.append(Self.response(scripted))
                routes.append((scripted["method"]?.stringValue, scripted["path"]?.stringValue))
            } else if let message = entry["send"] {
                sends.append(message)
            } else if let message = entry["expect"] {
                expects.append(message)
            }
        }
    }

    /// `{fresh_folder}` in an `env` value: a new, empty folder for this replay (a conversation
    /// store's `XDG_DATA_HOME`, say).
    static func placeholder(_ value: String) -> String {
        guard value == "{fresh_folder}" else { return value }
        return FileManager.default.temporaryDirectory.appendingPathComponent(freshFolderPrefix + UUID().uuidString).path
    }

    static let freshFolderPrefix = "switchboard-transcript-"

    /// Whether `have` is `want`, where the string `"{any}"` in `want` stands for any string (an id
    /// the daemon makes at random).
    static func matches(_ have: JSONValue, _ want: JSONValue) -> Bool {
        switch (have, want) {
        case (.string, .string("{any}")): return true
        case (.array(let got), .array(let wanted)): return got.count == wanted.count && zip(got, wanted).allSatisfy(matches)
        case (.object(let got), .object(let wanted)):
            return Set(got.keys) == Set(wanted.keys) && got.keys.allSatisfy { matches(got[$0] ?? .null, wanted[$0] ?? .null) }
        default: return have == want
        }
    }

    static func response(_ scripted: JSONValue) -> FakeResponse {
        let status = scripted["status"]?.intValue ?? 200
        let headers = (scripted["headers"]?.objectValue ?? JSONObject()).map { ($0.key, $0.value.stringValue ?? "") }
        if let events = scripted["sse"]?.arrayValue {
            var response = FakeResponse.sse(events.map { $0.stringValue ?? $0.jsonText }, done: scripted["done"]?.boolValue ?? true)
            response.status = status
            response.headers += headers
            return response
        }
        return .json(scripted["json"] ?? .null, status: status, headers: headers)
    }
}

extension Transcript {
    /// The fake upstream's answers: each request gets the first unused entry whose `method` and
    /// `path` match it (an entry naming neither matches any request), so that concurrent requests
    /// to different endpoints each get their own; retries take the next matching entry.
    func upstreamHandler() -> @Sendable (RecordedRequest) -> FakeResponse {
        let pending = PendingResponses(Array(zip(routes, upstream)))
        return { request in
            request.method == "HEAD" ? FakeResponse(steps: []) : pending.take(for: request)
                ?? .error(status: 599, message: "the transcript scripted no more responses for \(request.method) \(request.path)")
        }
    }
}

/// The transcript's unused upstream answers, taken by the fake upstream's connection threads.
/// `@unchecked Sendable`: `entries` is only touched under `lock`.
final class PendingResponses: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(route: (method: String?, path: String?), response: FakeResponse)]

    init(_ entries: [((method: String?, path: String?), FakeResponse)]) {
        self.entries = entries.map { (route: $0.0, response: $0.1) }
    }

    func take(for request: RecordedRequest) -> FakeResponse? {
        lock.withLock {
            let match = entries.firstIndex { entry in
                (entry.route.method.map { $0 == request.method } ?? true) && (entry.route.path.map { $0 == request.path } ?? true)
            }
            return match.map { entries.remove(at: $0).response }
        }
    }
}

/// The request a message belongs to: responses by `id`, notifications by `params.request_id`.
func requestKey(_ message: JSONValue) -> String {
    if let id = message["id"] { return id.jsonText }
    return message["params"]?["request_id"]?.jsonText ?? "-"
}

extension EndToEnd {
@Suite("protocol/examples transcripts replay against the daemon")
struct TranscriptTests {
    @Test(arguments: try Transcript.all())
    func transcriptReplays(_ transcript: Transcript) throws {
        let harness = try Harness(environment: transcript.environment, handler: transcript.upstreamHandler())
        for message in transcript.sends { harness.daemon.send(message) }
        let actual = try harness.finish()
        for value in transcript.environment.values where value.contains(Transcript.freshFolderPrefix) { try? FileManager.default.removeItem(atPath: value) }
        let expectedGroups = Dictionary(grouping: transcript.expects, by: requestKey)
        let actualGroups = Dictionary(grouping: actual, by: requestKey)
        #expect(Set(actualGroups.keys) == Set(expectedGroups.keys), "requests answered")
        for (key, expected) in expectedGroups {
            let got = actualGroups[key] ?? []
            #expect(got.count == expected.count, "\(transcript.name) request \(key): \(got.map(\.jsonText))")
            for (want, have) in zip(expected, got) {
                #expect(Transcript.matches(have, want), "\(transcript.name) request \(key)\n want \(want.jsonText)\n have \(have.jsonText)")
            }
        }
    }
}
}
