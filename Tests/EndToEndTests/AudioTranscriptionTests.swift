import Foundation
import JSONRPC
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
@Suite("audio.transcribe and audio.translate end to end")
struct AudioTranscriptionTests {
    static let verbose: JSONValue = [
        "task": "transcribe", "language": "english", "duration": 8.47, "text": "The beach was a popular spot.",
        "words": [["word": "The", "start": 0.0, "end": 0.24]],
        "segments": [["id": 0, "seek": 0, "start": 0.0, "end": 3.32, "text": " The beach was a popular spot.", "tokens": [50364, 440]]],
    ]

    /// A harness whose daemon keeps its temporary files in a folder of their own, returned too.
    static func harness(_ responses: [FakeResponse]) throws -> (Harness, String) {
        let temporary = try MediaFixtures.directory()
        return (try Harness(environment: ["TMPDIR": temporary], responses: responses), temporary)
    }

    @Test func theFileIsUploadedAsMultipartWithEveryParamAsAPart() throws {
        let path = try MediaFixtures.file("talk.mp3", MediaFixtures.mp3)
        let (harness, temporary) = try Self.harness([.json(Self.verbose)])
        let params: JSONValue = ["file": .string(path), "language": "en", "prompt": "Names: Ada \"Lovelace\"", "response_format": "verbose_json",
                                 "temperature": 0.2, "timestamp_granularities": ["word", "segment"], "future_flag": true, "profile": .null]
        let (response, _) = try harness.daemon.call("audio.transcribe", params)
        try harness.finish()
        #expect(response["result"] == Self.verbose)
        let request = try #require(harness.upstream.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/audio/transcriptions")
        #expect(request.header("authorization") == "Bearer \(testKey)")
        #expect(request.header("content-type")?.hasPrefix("multipart/form-data; boundary=") == true)
        #expect(request.header("content-length") == String(request.body.count))
        let parts = try #require(request.multipartParts)
        let fields = parts.filter { $0.filename == nil }.map { "\($0.name)=\($0.text)" }
        #expect(fields == ["model=whisper-1", "language=en", "prompt=Names: Ada \"Lovelace\"", "response_format=verbose_json",
                          "temperature=0.2", "future_flag=true", "timestamp_granularities[]=word", "timestamp_granularities[]=segment"])
        let file = try #require(parts.last)
        #expect(file.name == "file")
        #expect(file.filename == "talk.mp3")
        #expect(file.contentType == "audio/mpeg")
        let exact = MediaFixtures.same(file.body, MediaFixtures.mp3)
        #expect(exact, "the exact file bytes")
        #expect(MediaFixtures.names(in: temporary).isEmpty, "the multipart body file was removed")
    }

    @Test(arguments: [("text", "The beach was a popular spot.\n"), ("srt", "1\n00:00:00,000 --> 00:00:03,320\nThe beach.\n\n"),
                      ("vtt", "WEBVTT\n\n00:00:00.000 --> 00:00:03.320\nThe beach.\n")])
    func plainTextFormatsComeBackAsText(format: String, text: String) throws {
        let path = try MediaFixtures.file("clip.m4a", [0, 0, 0, 0x20] + Array("ftypM4A ".utf8) + Array(repeating: 1, count: 100))
        let (harness, _) = try Self.harness([.text(text, contentType: "text/plain; charset=utf-8")])
        let (response, _) = try harness.daemon.call("audio.transcribe", ["file": .string(path), "response_format": .string(format)])
        try harness.finish()
        #expect(response["result"] == ["text": .string(text)])
        let part = harness.upstream.requests.first?.multipartParts?.last
        #expect(part?.contentType == "audio/mp4")
        #expect(part?.filename == "clip.m4a")
    }

    @Test func translateUploadsAFileURLAndRefusesLanguage() throws {
        let path = try MediaFixtures.file("german.ogg", Array("OggS".utf8) + Array(repeating: 3, count: 2000))
        let (harness, temporary) = try Self.harness([.json(["text": "Hello, my name is Wolfgang."])])
        let (response, _) = try harness.daemon.call("audio.translate", ["file": .string("file://" + path), "model": "whisper-large-v3"])
        let (refused, _) = try harness.daemon.call("audio.translate", ["file": .string(path), "language": "de"], id: 2)
        try harness.finish()
        #expect(response["result"] == ["text": "Hello, my name is Wolfgang."])
        #expect(refused.errorCode == -32602)
        #expect(refused["error"]?["data"]?["field"] == "language")
        #expect(harness.upstream.requests.count == 1)
        let request = try #require(harness.upstream.requests.first)
        #expect(request.path == "/v1/audio/translations")
        let parts = try #require(request.multipartParts)
        #expect(parts.map(\.name) == ["model", "file"])
        #expect(parts[0].text == "whisper-large-v3")
        #expect(parts[1] == MultipartPart(name: "file", filename: "german.ogg", contentType: "audio/ogg",
                                          body: Array("OggS".utf8) + Array(repeating: 3, count: 2000)))
        #expect(MediaFixtures.names(in: temporary).isEmpty)
    }

    @Test func aRetryUploadsTheWholeFileAgainAndCleansUp() throws {
        let path = try MediaFixtures.file("talk.wav", Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVE".utf8) + Array(repeating: 5, count: 70_000))
        let (harness, temporary) = try Self.harness([.error(status: 503, message: "no channel available"), .json(["text": "ok"])])
        let (response, _) = try harness.daemon.call("audio.transcribe", ["file": .string(path)])
        try harness.finish()
        #expect(response["result"] == ["text": "ok"])
        #expect(harness.upstream.requests.count == 2)
        let whole = harness.upstream.requests.allSatisfy { MediaFixtures.same($0.multipartParts?.last?.body, MediaFixtures.bytes(at: path)) }
        #expect(whole, "both attempts carried the whole file")
        #expect(harness.upstream.requests.allSatisfy { $0.multipartParts?.last?.contentType == "audio/wav" })
        #expect(MediaFixtures.names(in: temporary).isEmpty)
    }

    @Test func anUnknownFormatIsPassedThroughAndTheUpstreamsRefusalIsReadable() throws {
        let path = try MediaFixtures.file("a.flac", Array("fLaC".utf8) + [0, 0, 0, 34])
        let message = "response_format 'docx' is not one of ['json', 'text', 'srt', 'verbose_json', 'vtt'] - 'response_format'"
        let (harness, temporary) = try Self.harness([.error(status: 400, message: message)])
        let (response, _) = try harness.daemon.call("audio.transcribe", ["file": .string(path), "response_format": "docx"])
        try harness.finish()
        #expect(response.errorCode == -32001)
        #expect(response["error"]?["message"] == .string("upstream HTTP 400: \(message)"))
        #expect(harness.upstream.requests.first?.multipartParts?.first { $0.name == "response_format" }?.text == "docx")
        #expect(MediaFixtures.names(in: temporary).isEmpty, "removed after a failure too")
    }

    @Test func fileProblemsNameThePathAndCostNoRequest() throws {
        let folder = try MediaFixtures.directory()
        let big = try MediaFixtures.file("big.mp3", MediaFixtures.mp3, in: folder)
        let (harness, temporary) = try Self.harness([])
        _ = try harness.daemon.call("config.update", ["max_file_bytes": 100_000])
        // Tests run as root, for whom chmod 000 does not stop reads: a directory stands in for an
        // unreadable file (the chmod case is checked below when not root).
        var cases: [(String, String)] = [(folder + "/missing.mp3", "not_found"), (big, "too_large"), (folder, "unreadable")]
        if getuid() != 0 {
            let locked = try MediaFixtures.file("locked.mp3", [1, 2, 3], in: folder)
            chmod(locked, 0)
            cases.append((locked, "unreadable"))
        }
        for (index, (path, reason)) in cases.enumerated() {
            let (response, _) = try harness.daemon.call("audio.transcribe", ["file": .string(path)], id: .number(index + 2))
            #expect(response.errorCode == -32006, "\(path)")
            #expect(response["error"]?["data"] == ["path": .string(path), "reason": .string(reason), "field": "file"])
            #expect(response["error"]?["message"]?.stringValue?.contains(path) == true)
        }
        let bad: [(JSONValue, String)] = [([:], "file"), (["file": "https://example.com/a.mp3"], "file"),
                                           (["file": .string(big), "timestamp_granularities": "word"], "timestamp_granularities"),
                                           (["file": .string(big), "include": [["logprobs"]]], "include.0")]
        _ = try harness.daemon.call("config.update", ["max_file_bytes": 1_000_000], id: 50)
        for (index, (params, field)) in bad.enumerated() {
            let (response, _) = try harness.daemon.call("audio.transcribe", params, id: .number(index + 60))
            #expect(response.errorCode == -32602, "\(params)")
            #expect(response["error"]?["data"]?["field"] == .string(field))
        }
        try harness.finish()
        #expect(harness.upstream.requests.isEmpty)
        #expect(MediaFixtures.names(in: temporary).isEmpty)
    }

    @Test func arraysGoAsRepeatedBracketPartsAndObjectsAsJSON() throws {
        let path = try MediaFixtures.file("talk.mp3", MediaFixtures.mp3)
        let answer: JSONValue = ["text": "Hello.", "logprobs": [["token": "Hello", "logprob": -0.01, "bytes": [72]]]]
        let (harness, _) = try Self.harness([.json(answer)])
        let params: JSONValue = ["file": .string(path), "model": "gpt-4o-transcribe", "include": ["logprobs"],
                                 "chunking_strategy": ["type": "server_vad", "threshold": 0.6]]
        let (response, _) = try harness.daemon.call("audio.transcribe", params)
        try harness.finish()
        #expect(response["result"] == answer)
        let fields = try #require(harness.upstream.requests.first?.multipartParts).filter { $0.filename == nil }.map { "\($0.name)=\($0.text)" }
        #expect(fields == ["model=gpt-4o-transcribe", "include[]=logprobs", "chunking_strategy={\"type\":\"server_vad\",\"threshold\":0.6}"])
    }

    /// The events gpt-4o-transcribe streams for `pieces`, then its `transcript.text.done`.
    static func transcriptEvents(_ pieces: [String]) -> [(name: String, payload: JSONValue)] {
        pieces.map { ("transcript.text.delta", ["type": "transcript.text.delta", "delta": .string($0)]) }
            + [("transcript.text.done", ["type": "transcript.text.done", "text": .string(pieces.joined()),
                                         "usage": ["type": "tokens", "input_tokens": 14, "output_tokens": 4, "total_tokens": 18]])]
    }

    @Test func aStreamedTranscriptionIsRelayedAsAudioDeltasAndAnsweredWithTheDoneEvent() throws {
        let path = try MediaFixtures.file("talk.mp3", MediaFixtures.mp3)
        let events = Self.transcriptEvents(["The beach", " was", " busy."])
        let (harness, temporary) = try Self.harness([.namedSSE(events)])
        let (response, before) = try harness.daemon.call("audio.transcribe", ["file": .string(path), "model": "gpt-4o-transcribe", "stream": true])
        try harness.finish()
        #expect(before.allSatisfy { $0["method"] == "audio.delta" && $0["params"]?["request_id"] == 1 })
        #expect(before.map { $0["params"]?["type"] } == ["transcript.text.delta", "transcript.text.delta", "transcript.text.delta", "transcript.text.done"])
        #expect(before.compactMap { $0["params"]?["delta"]?.stringValue } == ["The beach", " was", " busy.", ""])
        #expect(before.map { $0["params"]?["event"] } == events.map(\.payload), "each event relayed unchanged")
        #expect(response["result"] == ["text": "The beach was busy.", "usage": ["type": "tokens", "input_tokens": 14, "output_tokens": 4, "total_tokens": 18]])
        let request = try #require(harness.upstream.requests.first)
        #expect(request.header("accept") == "text/event-stream")
        #expect(request.multipartParts?.first { $0.name == "stream" }?.text == "true")
        #expect(MediaFixtures.names(in: temporary).isEmpty)
    }

    @Test func aStreamedTranscriptionCutShortFailsWithTheTextSoFar() throws {
        let path = try MediaFixtures.file("talk.mp3", MediaFixtures.mp3)
        let (harness, _) = try Self.harness([.namedSSE(Array(Self.transcriptEvents(["Half", " a sentence"]).prefix(2)))])
        let (response, before) = try harness.daemon.call("audio.transcribe", ["file": .string(path), "stream": true])
        try harness.finish()
        #expect(before.count == 2)
        #expect(response.errorCode == -32004)
        #expect(response["error"]?["data"]?["partial"] == ["text": "Half a sentence"])
    }
}
}
