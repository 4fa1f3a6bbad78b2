import Foundation
import JSONRPC
import Server
import Testing
import Upstream
#if canImport(Glibc)
import Glibc
#endif

/// `ImageFormat` and `FileReference`: image references turned into URLs the API accepts.
struct FileReferenceTests {
    static let pngHeader: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52]

    // MARK: - Sniffing

    @Test(arguments: [
        (pngHeader, "image/png"),
        ([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46], "image/jpeg"),
        ([0xFF, 0xD8, 0xFF], "image/jpeg"),
        (Array("GIF87a\u{1}\u{0}\u{1}\u{0}".utf8), "image/gif"),
        (Array("GIF89a".utf8), "image/gif"),
        (Array("RIFF".utf8) + [0x24, 0x00, 0x00, 0x00] + Array("WEBPVP8 ".utf8), "image/webp"),
        (Array("RIFF".utf8) + [0x24, 0x00, 0x00, 0x00] + Array("WAVEfmt ".utf8), nil),
        (Array("RIFF".utf8) + [0x24, 0x00, 0x00, 0x00] + Array("WEB".utf8), nil),
        (Array(pngHeader.prefix(7)), nil),
        ([0xFF, 0xD8], nil),
        (Array("GIF88a".utf8), nil),
        (Array("%PDF-1.7".utf8), nil),
        (Array("hello, world".utf8), nil),
        ([], nil),
    ] as [([UInt8], String?)])
    func sniffsImageTypesFromBytes(bytes: [UInt8], expected: String?) {
        #expect(ImageFormat.imageType(of: bytes) == expected)
        #expect(ImageFormat.imageType(of: Data(bytes)) == expected)
    }

    // MARK: - Resolving references

    /// `FileReference.resolve` with a budget of `maxBytes` per file and `total` in all.
    static func resolve(_ reference: String, field: String = "image", maxBytes: Int, total: Int = .max) throws(ResponseError) -> String {
        var reads = LocalReads(policy: .trusted, budget: FileBudget(perFile: maxBytes, total: total))
        return try FileReference.resolve(reference, field: field, reads: &reads)
    }

    @Test(arguments: ["https://example.com/cat.png", "http://localhost:8000/x", "HTTPS://EXAMPLE.COM/A.PNG", "data:image/png;base64,iVBORw0KGgo="])
    func remoteAndDataURLsPassThrough(reference: String) throws {
        #expect(try Self.resolve(reference, maxBytes: 1) == reference)
        #expect(!FileReference.isLocal(reference))
    }

    /// A temporary directory of image fixtures, removed when the test ends.
    final class Fixtures {
        static let png = FileReferenceTests.pngHeader + (0...255).map { UInt8($0) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-images-\(UUID().uuidString)")

        init() throws {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("folder"), withIntermediateDirectories: true)
            for name in ["image.png", "misnamed.jpg", "my image.png"] { try write(Self.png, to: name) }
            try write(Array("just some text\n".utf8), to: "notes.txt")
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        private func write(_ bytes: [UInt8], to name: String) throws {
            try Data(bytes).write(to: directory.appendingPathComponent(name))
        }
    }

    @Test(arguments: ["image.png", "misnamed.jpg", "my image.png"])
    func localFilesAreInlinedAsBase64PNG(name: String) throws {
        let fixtures = try Fixtures()
        let path = fixtures.path(name)
        let fileURL = URL(fileURLWithPath: path).absoluteString
        #expect(fileURL.hasPrefix("file:///"))
        for reference in [path, fileURL] {
            #expect(FileReference.isLocal(reference))
            let resolved = try Self.resolve(reference, maxBytes: Fixtures.png.count)
            let prefix = "data:image/png;base64,"
            #expect(resolved.hasPrefix(prefix))
            let decoded = try #require(Data(base64Encoded: String(resolved.dropFirst(prefix.count))))
            #expect(Array(decoded) == Fixtures.png)
        }
    }

    @Test(arguments: [
        ("missing.png", 1 << 20, "not_found"),
        ("image.png", 16, "too_large"),
        ("notes.txt", 1 << 20, "unsupported_type"),
        ("folder", 1 << 20, "unreadable"),
    ] as [(String, Int, String)])
    func unusableFilesAreFileErrors(name: String, maxBytes: Int, reason: String) throws {
        let fixtures = try Fixtures()
        let path = fixtures.path(name)
        for reference in [path, URL(fileURLWithPath: path).absoluteString] {
            let error = try #require(throws: ResponseError.self) {
                try Self.resolve(reference, field: "images.2", maxBytes: maxBytes)
            }
            #expect(error.code == .fileError)
            #expect(error.code.rawValue == -32006)
            #expect(error.data?["reason"] == .string(reason))
            #expect(error.data?["path"] == .string(path))
            #expect(error.data?["field"] == "images.2")
            #expect(error.message.contains(path))
        }
    }

    @Test func aSymbolicLinkToAnImageIsFollowedAndItsTargetJudged() throws {
        let fixtures = try Fixtures()
        let link = fixtures.path("link.png")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: fixtures.path("image.png"))
        #expect(try Self.resolve(link, maxBytes: 1 << 20).hasPrefix("data:image/png;base64,"))
        let dangling = fixtures.path("dangling.png")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: fixtures.path("gone.png"))
        let missing = try #require(throws: ResponseError.self) { try Self.resolve(dangling, maxBytes: 1 << 20) }
        #expect(missing.data?["reason"] == "not_found")
        let toFolder = fixtures.path("folder-link")
        try FileManager.default.createSymbolicLink(atPath: toFolder, withDestinationPath: fixtures.path("folder"))
        let folder = try #require(throws: ResponseError.self) { try Self.resolve(toFolder, maxBytes: 1 << 20) }
        #expect(folder.message.contains("is a directory, not a regular file"), "\(folder.message)")
    }

    @Test func aFIFOIsRefusedWithoutBeingOpened() throws {
        let fixtures = try Fixtures()
        let fifo = fixtures.path("pipe.png")
        #expect(mkfifo(fifo, 0o600) == 0)
        let error = try #require(throws: ResponseError.self) { try Self.resolve(fifo, maxBytes: 1 << 20) }
        #expect(error.data?["reason"] == "unreadable")
        #expect(error.message.contains("is a FIFO"), "\(error.message)")
    }

    /// A kernel file reports size 0 whatever it holds: the limit holds while reading.
    @Test(arguments: ["/proc/kallsyms", "/proc/cpuinfo"])
    func aFileThatReportsNoSizeIsStoppedAtTheLimitWhileReading(path: String) throws {
        guard FileManager.default.isReadableFile(atPath: path) else { return }
        let error = try #require(throws: ResponseError.self) { try Self.resolve(path, maxBytes: 64) }
        #expect(error.data?["reason"] == "too_large")
        #expect(error.message.contains("max_file_bytes (64)"), "\(error.message)")
    }

    @Test func theFilesOfOneRequestShareTheRequestsLimit() throws {
        let fixtures = try Fixtures()
        var reads = LocalReads(policy: .trusted, budget: FileBudget(perFile: 1 << 20, total: Fixtures.png.count * 2))
        for field in ["images.0", "images.1"] {
            #expect(try FileReference.resolve(fixtures.path("image.png"), field: field, reads: &reads).hasPrefix("data:image/png"))
        }
        let error = try #require(throws: ResponseError.self) {
            try FileReference.resolve(fixtures.path("image.png"), field: "images.2", reads: &reads)
        }
        #expect(error.data?["reason"] == "too_large")
        #expect(error.data?["field"] == "images.2")
        #expect(error.message.contains("max_request_file_bytes (\(Fixtures.png.count * 2))"), "\(error.message)")
    }
}
