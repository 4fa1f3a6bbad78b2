import Foundation
import JSONRPC
import Server
import Testing

/// Where MidJourney requests go: the relay's host root (a final `/v1` dropped), plus the mode prefix.
struct MidjourneyRouteTests {
    @Test(arguments: [
        ("https://relay.example/v1", nil, "https://relay.example/mj/submit/imagine"),
        ("https://relay.example", nil, "https://relay.example/mj/submit/imagine"),
        ("https://relay.example/api/v1", "fast", "https://relay.example/api/mj-fast/mj/submit/imagine"),
        ("http://127.0.0.1:3000/v1", "relax", "http://127.0.0.1:3000/mj-relax/mj/submit/imagine"),
        ("https://relay.example/v1beta", "turbo", "https://relay.example/v1beta/mj-turbo/mj/submit/imagine"),
    ] as [(String, String?, String)])
    func baseDropsOnlyAFinalV1AndAddsTheMode(base: String, mode: String?, expected: String) throws {
        let root = MidjourneyRoute.base(for: try #require(URL(string: base)), mode: mode)
        #expect(root.appendingPathComponent("mj").appendingPathComponent("submit").appendingPathComponent("imagine").absoluteString == expected)
    }

    @Test func modeAcceptsTheThreeModesAndNothingElse() throws {
        #expect(try MidjourneyRoute.mode(nil) == nil)
        for mode in ["fast", "relax", "turbo"] { #expect(try MidjourneyRoute.mode(mode) == mode) }
        #expect(throws: ResponseError.self) { try MidjourneyRoute.mode("FAST") }
    }
}
