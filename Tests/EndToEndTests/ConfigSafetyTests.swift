import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// What the daemon refuses or hides in its configuration, as a user meets it: a config file
/// others can change stops start-up, headers that would inject lines or replace `Host` are
/// refused, and `base_url`'s password stays out of `config.get` and the log.
@Suite("configuration safety end to end")
struct ConfigSafetyTests {
    static func configFile(_ contents: String, mode: Int) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-safety-\(UUID().uuidString).json")
        try Data(contents.utf8).write(to: file)
        #expect(chmod(file.path, mode_t(mode)) == 0)
        return file
    }

    @Test func aWorldWritableConfigFileStopsStartupNamingTheFix() throws {
        let file = try Self.configFile(#"{"api_key_command":["sh","-c","echo sk-planted"]}"#, mode: 0o666)
        defer { try? FileManager.default.removeItem(at: file) }
        let daemon = try DaemonProcess(arguments: ["--config", file.path])
        #expect(try daemon.waitForExit() == 2)
        #expect(daemon.stderr.contains("chmod go-w \(file.path)"), "\(daemon.stderr)")
    }

    @Test func aConfiguredHostHeaderStopsStartupNamingTheField() throws {
        let file = try Self.configFile(#"{"headers":{"Host":"evil.example"}}"#, mode: 0o600)
        defer { try? FileManager.default.removeItem(at: file) }
        let daemon = try DaemonProcess(arguments: ["--config", file.path])
        #expect(try daemon.waitForExit() == 2)
        #expect(daemon.stderr.contains("headers.Host"), "\(daemon.stderr)")
    }

    @Test func configUpdateRefusesHeadersThatWouldInjectLines() throws {
        let harness = try Harness(responses: [.chatCompletion("clean")])
        let (value, _) = try harness.daemon.call("config.update", ["headers": ["X-Team": "blue\r\nX-Injected: 1"]], id: 1)
        #expect(value.errorCode == -32602)
        #expect(value["error"]?["data"]?["field"] == "headers.X-Team")
        let (key, _) = try harness.daemon.call("config.update", ["api_key": "sk-x\r\nX-Injected: 1"], id: 2)
        #expect(key["error"]?["data"]?["field"] == "api_key")
        let (response, _) = try harness.daemon.call("chat.complete", chatParams(), id: 3)
        try harness.finish()
        #expect(response.answer == "clean")
        #expect(harness.upstream.requests.first?.header("x-injected") == nil)
    }

    @Test func baseURLsPasswordIsHiddenFromALockedClientAndFromTheLog() throws {
        let upstream = try FakeUpstream { _ in FakeResponse(steps: []) }
        let password = "pw-in-url-7e1c"
        let url = upstream.baseURL.replacingOccurrences(of: "http://", with: "http://me:\(password)@")
        let harness = try Harness(arguments: ["--no-remote-config"], environment: ["OPENAI_BASE_URL": url], upstream: upstream)
        _ = try harness.daemon.call("initialize", [:], id: 1)
        let (view, _) = try harness.daemon.call("config.get", id: 2)
        #expect(view["result"]?["base_url"]?.stringValue == url.replacingOccurrences(of: password, with: "[redacted]"))
        // initialize's preconnect logs the URL it connects to.
        Thread.sleep(forTimeInterval: 0.5)
        let log = (try? String(contentsOf: harness.logFile, encoding: .utf8)) ?? ""
        #expect(log.contains("me:[redacted]@"), "\(log.suffix(500))")
        try harness.finish()
        #expect(!log.contains(password))
        #expect(!String(decoding: harness.daemon.stdoutBytes, as: UTF8.self).contains(password))
    }
}
}
