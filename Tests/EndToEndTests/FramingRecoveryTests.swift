import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// A client whose framing went wrong once loses the messages that were damaged, not the session.
@Suite("framing recovery end to end")
struct FramingRecoveryTests {
    static func lsp(_ message: JSONValue, lengthOffset: Int = 0) -> [UInt8] {
        let body = message.serialized()
        return Array("Content-Length: \(body.count + lengthOffset)\r\n\r\n".utf8) + body
    }

    static func lsp(_ message: JSONValue, length: String) -> [UInt8] {
        Array("Content-Length: \(length)\r\n\r\n".utf8) + message.serialized()
    }

    static func request(_ id: Int) -> JSONValue {
        ["jsonrpc": "2.0", "id": .number(id), "method": "config.get"]
    }

    /// The ids answered with a result, once the damaged message and three valid ones were sent.
    static func answeredIDs(after damaged: [UInt8]) throws -> (answered: Set<Int>, errors: Int) {
        let harness = try Harness(responses: [])
        harness.daemon.write(damaged + lsp(request(2)) + lsp(request(3)) + lsp(request(4)))
        let messages = try harness.finish()
        let answered = Set(messages.filter { $0["result"] != nil }.compactMap { $0["id"]?.intValue })
        return (answered, messages.filter { $0["error"] != nil }.count)
    }

    @Test func aContentLengthTooShortCostsOnlyItsMessage() throws {
        let (answered, _) = try Self.answeredIDs(after: Self.lsp(Self.request(1), lengthOffset: -2))
        #expect(answered == [2, 3, 4])
    }

    @Test func aContentLengthTooLongCostsItsMessageAndTheNextOne() throws {
        let (answered, _) = try Self.answeredIDs(after: Self.lsp(Self.request(1), lengthOffset: 2))
        #expect(answered == [3, 4], "message 2's header was read as part of message 1")
    }

    @Test(arguments: ["twelve", "-5", "99999999999999999999999", ""])
    func aGarbageContentLengthCostsOnlyItsMessage(length: String) throws {
        let (answered, errors) = try Self.answeredIDs(after: Self.lsp(Self.request(1), length: length))
        #expect(answered == [2, 3, 4])
        #expect(errors >= 1)
    }

    @Test func aByteOrderMarkBeforeTheFirstMessageIsSkipped() throws {
        let harness = try Harness(responses: [])
        harness.daemon.write([0xEF, 0xBB, 0xBF] + Self.request(1).serialized() + [0x0A])
        let (ndjson, _) = try harness.daemon.response(to: 1)
        #expect(ndjson["result"] != nil, "\(ndjson)")
        try harness.finish()

        let lspHarness = try Harness(responses: [])
        lspHarness.daemon.write([0xEF, 0xBB, 0xBF] + Self.lsp(Self.request(1)))
        let event = try lspHarness.daemon.nextFrame()
        guard case .message(let bytes, .lsp) = event else { Issue.record("got \(event)"); return }
        #expect(try JSONParser.parse(bytes)["result"] != nil)
        try lspHarness.finish()
    }
}
}
