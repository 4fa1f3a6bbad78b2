import MCP
import Testing

@Suite("MCP protocol versions")
struct ProtocolVersionTests {
    @Test func initializeAnswersWithTheClientsLegacyVersionElseTheNewestLegacyOne() {
        #expect(ProtocolVersion.negotiate(initialize: "2025-06-18") == .v2025_06_18)
        #expect(ProtocolVersion.negotiate(initialize: "2024-11-05") == .v2024_11_05)
        #expect(ProtocolVersion.negotiate(initialize: "2026-07-28") == .v2025_11_25, "a modern version has no handshake")
        #expect(ProtocolVersion.negotiate(initialize: "1999-01-01") == .v2025_11_25)
        #expect(ProtocolVersion.negotiate(initialize: nil) == .v2025_11_25)
    }

    @Test func everyReleasedRevisionIsKnownNewestFirst() {
        #expect(ProtocolVersion.all.map(\.name) == ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"])
        #expect(ProtocolVersion.modern.allSatisfy { $0.isModern })
        #expect(!ProtocolVersion.legacy.contains { $0.isModern })
    }
}
