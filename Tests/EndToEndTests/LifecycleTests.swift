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
                                     "midjourney.blend", "midjourney.describe", "midjourney.fetch", "midjourney.list", "midjourney.modal",
                                     "midjourney.simpleChange", "midjourney.shorten", "midjourney.swapFace", "midjourney.uploadImages",
                                     "conversations.list", "conversations.get", "conversations.search", "conversations.fork",
                                     "conversations.rename", "conversations.delete", "conversations.export",
                                     "config.get", "config.update", "rpc.discover", "api.request", "agent.run", "tools.list"]

    @Test func initializeDescribesTheServer() throws {
        let harness = try Harness(responses: [])
        let (response, _) = try harness.daemon.call("initialize", ["client_info": ["name": "test", "version": "1"]])
        try harness.finish()
        let result = try #require(response["result"])
        #expect(result["protocol_version"] == "1")
        #expect(result["server_info"]?["name"] == "switchboard")
        #expect(result["capabilities"]?["methods"] == Self.methods)
        #expect(result["capabilities"]?["notifications"] == ["chat.delta", "$/progress", "responses.event", "completions.delta", "audio.delta", "api.event",
                                                                "tool.call", "$/cancelRequest", "conversations.changed"])
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

    @Test(arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130)), (SIGHUP, Int32(129)), (SIGUSR1, Int32(138)), (SIGUSR2, Int32(140))])
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

    /// `echo … | switchboard`, then Ctrl-C: stdin has already ended when the signal arrives, and
    /// the exit code must still say the daemon was stopped by it.
    @Test(arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func aSignalAfterTheEndOfInputStillExitsWithTheSignalsCode(signal: Int32, code: Int32) throws {
        let harness = try Harness(responses: [FakeResponse(steps: [.stall])])
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "chat.complete", "params": chatParams()])
        #expect(harness.upstream.waitForRequests(1))
        harness.daemon.closeInput()
        Thread.sleep(forTimeInterval: 0.2)
        harness.daemon.signal(signal)
        let (response, _) = try harness.daemon.response(to: 1)
        #expect(response.errorCode == -32800)
        #expect(response["error"]?["data"]?["reason"] == "signal")
        #expect(try harness.daemon.waitForExit() == code)
        harness.upstream.stop()
    }

    @Test func helpListsEveryMethodAndWhereTheProtocolIsDescribed() throws {
        let help = try DaemonProcess(arguments: ["--help"])
        #expect(try help.waitForExit() == 0)
        let text = String(decoding: help.stdoutBytes, as: UTF8.self)
        for method in Self.methods.arrayValue ?? [] {
            #expect(text.contains(method.stringValue ?? "?"), "--help does not name \(method)")
        }
        #expect(text.contains("rpc.discover") && text.contains("protocol/README.md"))
        #expect(!text.contains("(chat, streaming, vision)"))
    }

    @Test(arguments: ["9223372036854775807", "4294967297", "0", "-1", "1e9", "lots"])
    func aMaxMessageBytesOutOfRangeIsABadCommandLine(value: String) throws {
        let daemon = try DaemonProcess(arguments: ["--max-message-bytes", value])
        #expect(try daemon.waitForExit() == 2)
        #expect(daemon.stderr.contains("--max-message-bytes needs a whole number from 1 to 4294967296"), "\(daemon.stderr)")
    }

    @Test func theLargestMaxMessageBytesServes() throws {
        let harness = try Harness(arguments: ["--max-message-bytes", "4294967296"], responses: [])
        harness.daemon.write(Array(#"{"jsonrpc":"2.0","id":1,"#.utf8))
        Thread.sleep(forTimeInterval: 0.1)
        harness.daemon.write(Array(#""method":"config.get"}"#.utf8) + [0x0A])
        #expect(try harness.daemon.next()["result"] != nil)
        try harness.finish()
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

extension EndToEnd.LifecycleTests {
    /// SIGHUP (a closed terminal or session) ended the daemon on the spot: no answers, and the
    /// file being downloaded and the upload being sent stayed behind. Now it ends as SIGTERM does.
    @Test func aHangUpRemovesTheFilesBeingWrittenAndTheUploadCopies() throws {
        let folder = try MediaFixtures.directory()
        let temporary = try MediaFixtures.directory()
        let audio = try MediaFixtures.file("talk.mp3", MediaFixtures.mp3)
        let stalledDownload = FakeResponse(headers: [("Content-Type", "audio/mpeg")],
                                           steps: [.send(Array(MediaFixtures.mp3.prefix(5000))), .stall], chunked: true)
        let harness = try Harness(environment: ["TMPDIR": temporary], handler: { request in
            request.path.hasSuffix("/audio/speech") ? stalledDownload : FakeResponse(steps: [.stall])
        })
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "audio.speech",
                             "params": ["input": "Hi", "voice": "fable", "output_path": .string(folder + "/long.mp3")]])
        harness.daemon.send(["jsonrpc": "2.0", "id": 2, "method": "audio.transcribe", "params": ["file": .string(audio)]])
        #expect(MediaFixtures.wait { MediaFixtures.names(in: folder).contains { $0.hasSuffix(".part") } }, "the download started")
        #expect(harness.upstream.waitForRequests(2))
        #expect(MediaFixtures.names(in: temporary).contains { $0.hasPrefix("switchboard-upload-") }, "the upload's copy exists")
        harness.daemon.signal(SIGHUP)
        // Either may be answered first; `response(to:)` hands back what came before its answer.
        let (download, before) = try harness.daemon.response(to: 1)
        let upload = try before.first { $0["id"] == 2 } ?? harness.daemon.response(to: 2).response
        #expect(download.errorCode == -32800)
        #expect(upload.errorCode == -32800)
        #expect(try harness.daemon.waitForExit() == 129)
        harness.upstream.stop()
        #expect(MediaFixtures.names(in: folder).isEmpty, "\(MediaFixtures.names(in: folder))")
        #expect(MediaFixtures.names(in: temporary).isEmpty, "\(MediaFixtures.names(in: temporary))")
    }
}
