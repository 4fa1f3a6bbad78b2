import Foundation
import JSONRPC
import Testing
import TestSupport

/// The request a daemon message belongs to in MCP mode: responses by `id`, progress by its token,
/// log messages together.
func mcpRequestKey(_ message: JSONValue) -> String {
    if let id = message["id"] { return id.jsonText }
    if let token = message["params"]?["progressToken"] { return "progress " + token.jsonText }
    return message["method"]?.stringValue ?? "-"
}

/// `protocol/examples/mcp/*.jsonl` replayed against `switchboard --mcp` (the format of the
/// JSON-RPC transcripts; see TranscriptTests). Input stays open until every expected message has
/// come, since the end of input stops the calls in flight; every message is checked against
/// MCP's schemas too. The output folder is /tmp/switchboard-output (named in the instructions).
extension EndToEnd {
@Suite("protocol/examples/mcp transcripts replay against the MCP server")
struct MCPTranscriptTests {
    @Test(arguments: try Transcript.all(in: "examples/mcp"))
    func transcriptReplays(_ transcript: Transcript) throws {
        // The transcripts' tools write no files; the folder is named in the instructions.
        let harness = try Harness(arguments: ["--mcp", "--output-dir", "/tmp/switchboard-output"], environment: transcript.environment,
                                  responses: transcript.upstream)
        for message in transcript.sends { harness.daemon.send(message) }
        var actual: [JSONValue] = []
        while actual.count < transcript.expects.count { actual.append(try harness.daemon.next()) }
        actual += try harness.finishMCP()
        let expectedGroups = Dictionary(grouping: transcript.expects, by: mcpRequestKey)
        let actualGroups = Dictionary(grouping: actual, by: mcpRequestKey)
        #expect(Set(actualGroups.keys) == Set(expectedGroups.keys), "\(transcript.name): \(actual.map(\.jsonText))")
        for (key, expected) in expectedGroups {
            let got = actualGroups[key] ?? []
            #expect(got.count == expected.count, "\(transcript.name) \(key): \(got.map(\.jsonText))")
            for (want, have) in zip(expected, got) {
                #expect(have == want, "\(transcript.name) \(key)\n want \(want.jsonText)\n have \(have.jsonText)")
            }
        }
    }
}
}
