import Foundation
import JSONRPC
import Testing
import TestSupport

/// The repository's `protocol/` folder.
let protocolDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("protocol")

extension EndToEnd {
@Suite("protocol/ agrees with the daemon")
struct ProtocolDocumentTests {
    static func openRPC() throws -> JSONValue {
        try JSONParser.parse(Array(Data(contentsOf: protocolDirectory.appendingPathComponent("switchboard.openrpc.json"))))
    }

    @Test func rpcDiscoverReturnsTheProtocolFile() throws {
        let harness = try Harness(responses: [])
        let (response, _) = try harness.daemon.call("rpc.discover")
        try harness.finish()
        #expect(response["result"] == (try Self.openRPC()))
    }

    @Test func theDocumentListsExactlyTheMethodsTheDaemonServes() throws {
        let document = try Self.openRPC()
        let documented = Set((document["methods"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
        let served = Set(LifecycleTests.methods.arrayValue!.compactMap(\.stringValue))
        #expect(served.isSubset(of: documented), "undocumented: \(served.subtracting(documented))")
        let notifications = documented.subtracting(served).subtracting(ProtocolConformance.specifiedNotServed)
        #expect(notifications.isSubset(of: ["initialized", "exit", "$/cancelRequest"]), "documented but not served: \(notifications)")
    }

    @Test func everyErrorCodeTheDaemonUsesIsDocumented() throws {
        let document = try Self.openRPC()
        let documented = Set((document["components"]?["errors"]?.objectValue ?? JSONObject()).compactMap { $0.value["code"]?.intValue })
        let used = [-32700, -32600, -32601, -32602, -32603, -32800, -32001, -32002, -32003, -32004, -32005, -32006, -32007]
        #expect(Set(used).isSubset(of: documented), "undocumented codes: \(Set(used).subtracting(documented))")
    }
}
}
