import Foundation
import JSONRPC
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
@Suite("lifecycle end to end")
struct LifecycleTests {
    static let methods: JSONValue = ["initialize", "shutdown", "models.list", "chat.complete", "chat.describeImage",
                                     "chat.analyzeFile", "responses.create", "responses.get", "responses.cancel", "responses.delete",
                                     "completions.create", "embeddings.create", "audio.speech", "audio.transcribe",
                                     "audio.translate", "images.generate", "images.edit", "midjourney.imagine", "midjourney.action", "midjourney.change",
                                     "midjourney.blend", "midjourney.describe", "midjourney.fetch", "midjourney.list",
                                     "config.get", "config.update", "rpc.discover"]

    @Test func initializeDescribesTheServer() throws {
        let harness = try Harness(responses: [])
        let (response, _) = try harness.daemon.call("initialize", ["client_info": ["name": "test", "version": "1"]])
        try harness.finish()
        let result = try #require(response["result"])
        #expect(result["protocol_version"] == "1")
        #expect(result["server_info"]?["name"] == "switchboard")
        #expect(result["capabilities"]?["methods"] == Self.methods)
        #expect(result["capabilities"]?["notifications"] == ["chat.delta", "$/progress", "responses.event", "completions.delta"])
        #expect(result["capabilities"]?["framings"] == ["ndjson", "lsp"])
    }

    @Test func shutdownRefusesLaterRequestsAndExitEndsWithZero() throws {
        let harness = try Harness(responses: [])
        let (shutdown, _) = try harness.daemon.call("shutdown")
        #expect(shutdown["result"] == .null)
        let (refused, _) = try harness.daemon.call("config.get", id: 2)
        #expect(refused.errorCode == -32600)
        harness.daemon.send(["jsonrpc": "2.0", "method": "exit"])
        #expect(try harness.daemon.waitForExit() == 0)
        harness.upstream.stop()
    }

    @Test func exitWithoutShutdownEndsWithOne() throws {
        let harness = try Harness(responses: [])
        harness.daemon.send(["jsonrpc": "2.0", "method": "exit"])
        #expect(try harness.daemon.waitForExit() == 1)
        harness.upstream.stop()
    }

    @Test(arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func aSignalCancelsInFlightRequestsAnswersThemAndExits(signal: Int32, code: Int32) throws {
        let chunk = #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"before the signal"},"finish_reason":null}]}"#
        let stalled = FakeResponse(status: 200, headers: [("Content-Type", "text/event-stream")],
                                   steps: [.send(Array("data: \(chunk)\n\n".utf8)), .stall], chunked: true)
        let harness = try Harness(responses: [stalled])
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "chat.complete", "params": chatParams(stream: true)])
        let delta = try harness.daemon.next()
        #expect(delta["method"] == "chat.delta")
        harness.daemon.signal(signal)
        let (response, _) = try harness.daemon.response(to: 1)
        #expect(response.errorCode == -32800)
        #expect(response["error"]?["data"]?["reason"] == "signal")
        #expect(response["error"]?["data"]?["partial"]?["choices"]?[0]?["message"]?["content"] == "before the signal")
        #expect(try harness.daemon.waitForExit() == code)
        harness.upstream.stop()
    }

    @Test func versionAndHelpPrintAndExitZero() throws {
        let version = try DaemonProcess(arguments: ["--version"])
        #expect(try version.waitForExit() == 0)
        #expect(String(decoding: version.stdoutBytes, as: UTF8.self).hasPrefix("switchboard "))
        let help = try DaemonProcess(arguments: ["--help"])
        #expect(try help.waitForExit() == 0)
        #expect(String(decoding: help.stdoutBytes, as: UTF8.self).contains("--base-url"))
    }

    @Test(arguments: [["--bogus"], ["--framing", "xml"], ["--timeout", "soon"], ["--config", "/nonexistent/switchboard.json"],
                      ["--base-url", "ftp://example"]])
    func badCommandLinesExitTwoWithAMessage(arguments: [String]) throws {
        let daemon = try DaemonProcess(arguments: arguments)
        #expect(try daemon.waitForExit() == 2)
        #expect(daemon.stderr.hasPrefix("switchboard: "))
        #expect(daemon.stdoutBytes.isEmpty, "nothing on stdout")
    }
}
}
