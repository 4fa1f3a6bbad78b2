import Foundation
import Testing
import TestSupport
import Upstream

@Suite struct MultipartBodyTests {
    /// A new empty directory for one test.
    static func scratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-multipart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Writes `body` to a file and returns the bytes written and the size it reported.
    static func render(_ body: MultipartBody, chunkSize: Int = 256 * 1024) throws -> (bytes: [UInt8], size: Int) {
        let url = try scratchDirectory().appendingPathComponent("body")
        let size = try body.write(to: url, chunkSize: chunkSize)
        return (Array(try Data(contentsOf: url)), size)
    }

    /// The parts as an HTTP server reads them.
    static func parse(_ bytes: [UInt8], contentType: String) -> [MultipartPart]? {
        RecordedRequest(method: "POST", path: "/", headers: ["Content-Type": contentType], body: bytes).multipartParts
    }

    @Test func fieldsAndFilesHaveExactlyTheRFC7578Layout() throws {
        let file = try Self.scratchDirectory().appendingPathComponent("a.wav")
        try Data("RIFF\u{0}\u{0}\u{0}\u{0}WAVEdata".utf8).write(to: file)
        var body = MultipartBody(boundary: "XyZ")
        body.append(name: "model", value: "whisper-1")
        body.appendFile(name: "file", path: file.path)
        let (bytes, size) = try Self.render(body)
        let expected = "--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
            + "RIFF\u{0}\u{0}\u{0}\u{0}WAVEdata\r\n--XyZ--\r\n"
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        #expect(size == bytes.count)
        #expect(body.contentType == "multipart/form-data; boundary=XyZ")
    }

    @Test func largeFilesAreCopiedByteForByteInChunks() throws {
        let file = try Self.scratchDirectory().appendingPathComponent("big.bin")
        let content = (0..<200_003).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        try Data(content).write(to: file)
        var body = MultipartBody()
        body.appendFile(name: "file", path: file.path, filename: "big.bin")
        body.append(name: "after", value: "yes")
        let (bytes, size) = try Self.render(body, chunkSize: 1000)
        #expect(size == bytes.count)
        let parts = try #require(Self.parse(bytes, contentType: body.contentType))
        #expect(parts.count == 2)
        #expect(parts[0].body == content)
        #expect(parts[0].contentType == "application/octet-stream")
        #expect(parts[1] == MultipartPart(name: "after", body: Array("yes".utf8)))
    }

    @Test func namesWithQuotesBackslashesNewlinesAndUnicodeAreEscaped() throws {
        let file = try Self.scratchDirectory().appendingPathComponent("x")
        try Data([1, 2, 3]).write(to: file)
        var body = MultipartBody(boundary: "b")
        body.appendFile(name: "image[]", path: file.path, filename: "say \"hi\" \\ naïve.png", contentType: "image/png")
        body.append(name: "odd\r\nname", value: "v")
        let (bytes, _) = try Self.render(body)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#"name="image[]"; filename="say \"hi\" \\ naïve.png""#))
        #expect(text.contains(#"name="odd%0D%0Aname""#))
        let parts = try #require(Self.parse(bytes, contentType: body.contentType))
        #expect(parts[0].filename == "say \"hi\" \\ naïve.png")
        #expect(parts[0].contentType == "image/png")
        #expect(parts[0].body == [1, 2, 3])
        #expect(parts[1].name == "odd%0D%0Aname")
    }

    @Test func anEmptyFileAndAnEmptyBodyAreWellFormed() throws {
        let file = try Self.scratchDirectory().appendingPathComponent("empty.mp3")
        try Data().write(to: file)
        var body = MultipartBody(boundary: "q")
        body.appendFile(name: "file", path: file.path)
        let parts = try #require(Self.parse(try Self.render(body).bytes, contentType: body.contentType))
        #expect(parts == [MultipartPart(name: "file", filename: "empty.mp3", contentType: "audio/mpeg", body: [])])
        #expect(String(decoding: try Self.render(MultipartBody(boundary: "q")).bytes, as: UTF8.self) == "--q--\r\n")
    }

    @Test func randomBoundariesDifferAndAreValid() {
        let boundaries = Set((0..<50).map { _ in MultipartBody.randomBoundary() })
        #expect(boundaries.count == 50)
        for boundary in boundaries {
            #expect(boundary.count == 44)
            #expect(boundary.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        }
    }

    @Test func anUnreadableFileIsAFileReadErrorNamingItsPath() throws {
        var body = MultipartBody()
        body.appendFile(name: "file", path: "/nonexistent/audio.mp3")
        let destination = try Self.scratchDirectory().appendingPathComponent("body")
        #expect {
            try body.write(to: destination)
        } throws: { error in
            (error as? FileBudget.ReadError)?.path == "/nonexistent/audio.mp3"
        }
    }

    @Test(arguments: [(100, Int.max, FileBudget.Limit.perFile), (Int.max, 150, .total)])
    func aFileOverItsBudgetStopsTheBodyWhileItIsCopied(perFile: Int, total: Int, limit: FileBudget.Limit) throws {
        let folder = try Self.scratchDirectory()
        let small = folder.appendingPathComponent("small.bin")
        let large = folder.appendingPathComponent("large.bin")
        try Data(repeating: 1, count: 80).write(to: small)
        try Data(repeating: 2, count: 4096).write(to: large)
        var body = MultipartBody()
        body.appendFile(name: "a", path: small.path)
        body.appendFile(name: "b", path: large.path)
        let destination = folder.appendingPathComponent("body")
        #expect {
            try body.write(to: destination, chunkSize: 16, budget: FileBudget(perFile: perFile, total: total))
        } throws: { error in
            (error as? FileBudget.Exceeded).map { $0.path == large.path && $0.limit == limit } ?? false
        }
    }

    @Test func aBudgetStopsReadingAtTheFirstChunkOverALimit() throws {
        let file = try Self.scratchDirectory().appendingPathComponent("endless.bin")
        try Data(repeating: 3, count: 4096).write(to: file)
        var budget = FileBudget(perFile: 100, total: .max)
        var handed = 0
        #expect {
            try budget.read(file.path, chunkSize: 16) { handed += $0.count }
        } throws: { error in
            (error as? FileBudget.Exceeded)?.limit == .perFile
        }
        #expect(handed == 96, "whole chunks within the limit, none past it")
        #expect(budget.spent == 112, "one chunk past the limit was read, no more")
        let small = file.deletingLastPathComponent().appendingPathComponent("small.bin")
        try Data(repeating: 4, count: 100).write(to: small)
        var shared = FileBudget(perFile: .max, total: 150)
        try shared.read(small.path) { _ in }
        #expect {
            try shared.read(file.path, chunkSize: 64) { _ in }
        } throws: { error in
            (error as? FileBudget.Exceeded).map { $0.limit == .total && $0.path == file.path } ?? false
        }
    }

    @Test func theBodyFileIsReadableByItsOwnerOnly() throws {
        let destination = try Self.scratchDirectory().appendingPathComponent("body")
        try Data("old".utf8).write(to: destination)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: destination.path)
        var body = MultipartBody()
        body.append(name: "model", value: "whisper-1")
        try body.write(to: destination)
        let mode = try FileManager.default.attributesOfItem(atPath: destination.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test(arguments: [
        ([0x49, 0x44, 0x33, 4, 0], "x", "audio/mpeg"),
        ([0xFF, 0xFB, 0x90, 0x64], "x", "audio/mpeg"),
        ([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x4D, 0x34, 0x41, 0x20], "x", "audio/mp4"),
        (Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVE".utf8), "x", "audio/wav"),
        ([0x1A, 0x45, 0xDF, 0xA3, 1], "x", "audio/webm"),
        (Array("OggS\u{0}".utf8), "x", "audio/ogg"),
        (Array("fLaC".utf8), "x", "audio/flac"),
        ([0xFF, 0xF1, 0x50], "clip.M4A", "audio/mp4"),
        ([1, 2, 3], "talk.mp3", "audio/mpeg"),
        ([1, 2, 3], "talk.opus", "audio/ogg"),
        ([1, 2, 3], "talk.webm", "audio/webm"),
        ([1, 2, 3], "talk.wav", "audio/wav"),
        ([1, 2, 3], "talk.flac", "audio/flac"),
        ([1, 2, 3], "notes.txt", "application/octet-stream"),
        ([], "noextension", "application/octet-stream"),
    ] as [([UInt8], String, String)])
    func audioTypesAreSniffedFromBytesThenExtension(head: [UInt8], filename: String, expected: String) {
        #expect(UploadContentType.sniff(head, filename: filename) == expected)
    }
}
