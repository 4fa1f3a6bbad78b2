import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("audio.speech end to end")
struct AudioSpeechTests {
    /// The audio in several chunks, as a streaming TTS server sends it.
    static func audio(_ bytes: [UInt8] = MediaFixtures.mp3, contentType: String = "audio/mpeg") -> FakeResponse {
        let steps = stride(from: 0, to: bytes.count, by: 64 * 1024).map { FakeResponse.Step.send(Array(bytes[$0..<min($0 + 64 * 1024, bytes.count)])) }
        return FakeResponse(headers: [("Content-Type", contentType)], steps: steps, chunked: true)
    }

    @Test func theAudioIsStreamedToOutputPathAndTheBodyPassesThrough() throws {
        let home = try MediaFixtures.directory()
        let folder = home + "/out"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let harness = try Harness(environment: ["HOME": home], responses: [Self.audio()])
        let params: JSONValue = ["input": "Hello there.", "voice": "nova", "response_format": "mp3", "speed": 1.25,
                                 "future_field": "kept", "output_path": "~/out/hello.mp3"]
        let (response, _) = try harness.daemon.call("audio.speech", params)
        try harness.finish()
        let path = folder + "/hello.mp3"
        #expect(response["result"] == ["path": .string(path), "bytes": .number(MediaFixtures.mp3.count), "content_type": "audio/mpeg"])
        let written = MediaFixtures.file(path, holds: MediaFixtures.mp3)
        #expect(written, "the file holds the whole audio")
        #expect(MediaFixtures.names(in: folder) == ["hello.mp3"], "no temporary file left")
        let request = try #require(harness.upstream.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/audio/speech")
        #expect(request.header("authorization") == "Bearer \(testKey)")
        #expect(request.json == ["input": "Hello there.", "voice": "nova", "response_format": "mp3", "speed": 1.25,
                                 "future_field": "kept", "model": "tts-1"])
    }

    @Test func anExistingFileIsReplacedWhole() throws {
        let folder = try MediaFixtures.directory()
        let path = try MediaFixtures.file("out.wav", Array("old audio".utf8), in: folder)
        let wav = Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVEfmt ".utf8) + Array(repeating: 9, count: 500)
        let harness = try Harness(responses: [Self.audio(wav, contentType: "audio/wav")])
        let (response, _) = try harness.daemon.call("audio.speech", ["model": "tts-1-hd", "input": "x", "voice": "alloy",
                                                                     "response_format": "wav", "output_path": .string(path)])
        try harness.finish()
        #expect(response["result"]?["bytes"] == .number(wav.count))
        #expect(response["result"]?["content_type"] == "audio/wav")
        #expect(MediaFixtures.file(path, holds: wav))
        #expect(harness.upstream.requests.first?.json?["model"] == "tts-1-hd")
    }

    @Test func withoutOutputPathTheAudioComesBackAsBase64() throws {
        let harness = try Harness(responses: [Self.audio()])
        let (response, _) = try harness.daemon.call("audio.speech", ["input": "Hi", "voice": "echo"])
        try harness.finish()
        #expect(response["result"] == ["audio_base64": .string(Data(MediaFixtures.mp3).base64EncodedString()),
                                       "bytes": .number(MediaFixtures.mp3.count), "content_type": "audio/mpeg"])
    }

    @Test func inMemoryAudioIsCappedAtMaxFileBytes() throws {
        let harness = try Harness(responses: [Self.audio()])
        _ = try harness.daemon.call("config.update", ["max_file_bytes": 100_000])
        let (response, _) = try harness.daemon.call("audio.speech", ["input": "Hi", "voice": "echo"], id: 2)
        try harness.finish()
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["message"]?.stringValue?.contains("give output_path") == true)
    }

    @Test func anUnknownVoiceIsPassedThroughAndTheUpstreamsRefusalIsReadable() throws {
        let message = "Input should be 'alloy', 'echo', 'fable', 'onyx', 'nova' or 'shimmer'"
        let harness = try Harness(responses: [.error(status: 400, message: message)])
        let folder = try MediaFixtures.directory()
        let (response, _) = try harness.daemon.call("audio.speech", ["input": "Hi", "voice": "bogus", "response_format": "ogg-vorbis",
                                                                     "output_path": .string(folder + "/x.mp3")])
        try harness.finish()
        #expect(response.errorCode == -32001)
        #expect(response["error"]?["message"] == .string("upstream HTTP 400: \(message)"))
        #expect(response["error"]?["data"]?["error"]?["message"] == .string(message))
        #expect(harness.upstream.requests.first?.json?["voice"] == "bogus")
        #expect(harness.upstream.requests.first?.json?["response_format"] == "ogg-vorbis")
        #expect(MediaFixtures.names(in: folder).isEmpty, "nothing written")
    }

    @Test func aRelaysErrorObjectInA200IsNotSavedAsAudio() throws {
        let folder = try MediaFixtures.directory()
        let harness = try Harness(responses: [.json(["error": ["message": "quota exhausted", "type": "insufficient_quota"]])])
        let (response, _) = try harness.daemon.call("audio.speech", ["input": "Hi", "voice": "alloy", "output_path": .string(folder + "/a.mp3")])
        try harness.finish()
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["data"]?["error"]?["message"] == "quota exhausted")
        #expect(MediaFixtures.names(in: folder).isEmpty)
    }

    @Test func aBodyCutShortLeavesTheOldFileAndNoTemporaryFile() throws {
        let folder = try MediaFixtures.directory()
        let path = try MediaFixtures.file("speech.mp3", Array("the previous take".utf8), in: folder)
        let cut = FakeResponse(headers: [("Content-Type", "audio/mpeg"), ("Content-Length", "100000")],
                               steps: [.send(Array(MediaFixtures.mp3.prefix(20_000))), .close])
        let harness = try Harness(responses: [cut])
        let (response, _) = try harness.daemon.call("audio.speech", ["input": "Hi", "voice": "onyx", "output_path": .string(path)])
        try harness.finish()
        #expect(response.errorCode == -32004, "\(response)")
        #expect(MediaFixtures.file(path, holds: Array("the previous take".utf8)))
        #expect(MediaFixtures.names(in: folder) == ["speech.mp3"])
        #expect(harness.upstream.requests.count == 1, "a body that broke is not retried")
    }

    @Test func cancellingADownloadRemovesTheTemporaryFile() throws {
        let folder = try MediaFixtures.directory()
        let stalled = FakeResponse(headers: [("Content-Type", "audio/mpeg")], steps: [.send(Array(MediaFixtures.mp3.prefix(5000))), .stall],
                                   chunked: true)
        let harness = try Harness(responses: [stalled])
        harness.daemon.send(["jsonrpc": "2.0", "id": 7, "method": "audio.speech",
                             "params": ["input": "Hi", "voice": "fable", "output_path": .string(folder + "/long.mp3")]])
        #expect(MediaFixtures.wait { MediaFixtures.names(in: folder).contains { $0.hasSuffix(".part") } }, "the download started")
        #expect(harness.upstream.waitForRequests(1))
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 7]])
        let (response, _) = try harness.daemon.response(to: 7)
        #expect(response.errorCode == -32800)
        #expect(MediaFixtures.names(in: folder).isEmpty, "\(MediaFixtures.names(in: folder))")
        #expect(harness.upstream.waitForOpenConnections(atMost: 0), "the upstream request was aborted")
        try harness.finish()
    }

    @Test func badParamsAndAMissingDirectoryCostNoRequest() throws {
        let harness = try Harness(responses: [])
        let cases: [(JSONValue, Int, String)] = [
            (["voice": "alloy"], -32602, "input"),
            (["input": "Hi"], -32602, "voice"),
            (["input": "Hi", "voice": 3], -32602, "voice"),
            (["input": "Hi", "voice": "alloy", "output_path": 5], -32602, "output_path"),
        ]
        for (index, (params, code, field)) in cases.enumerated() {
            let (response, _) = try harness.daemon.call("audio.speech", params, id: .number(index + 1))
            #expect(response.errorCode == code)
            #expect(response["error"]?["data"]?["field"] == .string(field))
        }
        let missing = "/nonexistent-\(UUID().uuidString)/speech.mp3"
        let (response, _) = try harness.daemon.call("audio.speech", ["input": "Hi", "voice": "alloy", "output_path": .string(missing)], id: 10)
        #expect(response.errorCode == -32006)
        #expect(response["error"]?["data"]?["path"] == .string(missing))
        #expect(response["error"]?["data"]?["reason"] == "not_found")
        #expect(response["error"]?["message"]?.stringValue?.contains(missing) == true)
        let folder = try MediaFixtures.directory()
        let (directory, _) = try harness.daemon.call("audio.speech", ["input": "Hi", "voice": "alloy", "output_path": .string(folder)], id: 11)
        #expect(directory.errorCode == -32006)
        #expect(directory["error"]?["data"]?["reason"] == "unwritable")
        try harness.finish()
        #expect(harness.upstream.requests.isEmpty)
    }
}
}
