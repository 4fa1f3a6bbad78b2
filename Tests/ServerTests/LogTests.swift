import Foundation
@testable import Server
import Testing

@Suite("log")
struct LogTests {
    @Test(arguments: [
        ("plain text stays", "plain text stays"),
        ("a\nb\rc\td", #"a\nb\rc\td"#),
        ("bell\u{07} escape\u{1B}[31m del\u{7F} c1\u{85} sep\u{2028}", #"bell\u{7} escape\u{1B}[31m del\u{7F} c1\u{85} sep\u{2028}"#),
        ("ünïcödé and emoji 🎛 stay", "ünïcödé and emoji 🎛 stay"),
    ])
    func controlCharactersAreEscaped(text: String, expected: String) {
        #expect(Log.escapingControlCharacters(text) == expected)
    }

    @Test func everyMessageIsOneLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-log-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try Log(level: .debug, path: path, secrets: Secrets())
        log.warn("method x\nswitchboard: error: forged")
        log.debug("second")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines == [#"switchboard: warn: method x\nswitchboard: error: forged"#, "switchboard: debug: second"])
    }
}
