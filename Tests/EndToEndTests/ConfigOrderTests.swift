import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// A request goes where the configuration in force when it was read sends it: a `config.update`
/// read after it never changes its profile, however soon it follows.
@Suite("configuration order end to end")
struct ConfigOrderTests {
    @Test func everyChatUsesTheProfileInForceWhenItWasRead() throws {
        let harness = try Harness(arguments: ["--config", try Self.profilesFile().path]) { request in
            request.method == "HEAD" ? FakeResponse(steps: []) : .chatCompletion("ok")
        }
        var burst: [UInt8] = []
        var expected: [String: String] = [:]
        for index in 0..<300 {
            let profile = index % 2 == 0 ? "local" : "cloud"
            let update: JSONValue = ["jsonrpc": "2.0", "id": .string("switch-\(index)"), "method": "config.update",
                                     "params": ["default_profile": .string(profile)]]
            let chat: JSONValue = ["jsonrpc": "2.0", "id": .string("chat-\(index)"), "method": "chat.complete",
                                   "params": ["messages": [["role": "user", "content": .string("chat-\(index)")]]]]
            burst += update.serialized() + [0x0A] + chat.serialized() + [0x0A]
            expected["chat-\(index)"] = profile == "local" ? "local-model" : "cloud-model"
        }
        harness.daemon.write(burst)
        _ = try harness.finish(conformance: { _ in })
        var wrong: [String] = []
        for request in harness.upstream.requests where request.method == "POST" {
            guard let body = request.json, let content = body["messages"]?[0]?["content"]?.stringValue else { continue }
            if body["model"]?.stringValue != expected[content] { wrong.append("\(content) → \(body["model"]?.stringValue ?? "?")") }
        }
        #expect(harness.upstream.requests.filter { $0.method == "POST" }.count == 300)
        #expect(wrong.isEmpty, "\(wrong.count) of 300 chats went to the profile chosen after them: \(wrong.prefix(5))")
    }

    /// Two profiles that differ only in their model, in a config file of the user's own.
    static func profilesFile() throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-profiles-\(UUID().uuidString).json")
        let config: JSONValue = ["profiles": ["local": ["default_model": "local-model"], "cloud": ["default_model": "cloud-model"]]]
        try Data(config.serialized()).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        return file
    }
}
}
