import Foundation
import JSONRPC
@testable import Server
import Testing

/// `LocalPath`, `LocalFile`, `OutputLocation` and `AtomicFileWriter`: the file handling behind the
/// audio and images methods.
@Suite struct MediaFileTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-mediafile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func names(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test func pathsExpandFileURLsAndTheHomeFolder() {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        #expect(LocalPath.resolve("file:///tmp/a%20b.mp3") == "/tmp/a b.mp3")
        #expect(LocalPath.resolve("~/x/y.png") == home + "/x/y.png")
        #expect(LocalPath.resolve("~") == home)
        #expect(LocalPath.resolve("/abs/~/z") == "/abs/~/z")
        #expect(LocalPath.resolve("rel/z") == "rel/z")
    }

    @Test func aWriterRenamesIntoPlaceOnlyOnCommit() throws {
        let folder = try Self.folder()
        let destination = folder.appendingPathComponent("out.bin")
        try Data("old".utf8).write(to: destination)
        let writer = try AtomicFileWriter(destination: destination, field: "output_path")
        try writer.append(Data("new ".utf8))
        try writer.append(Data("content".utf8))
        #expect(try Data(contentsOf: destination) == Data("old".utf8), "untouched until commit")
        #expect(Self.names(folder).count == 2)
        try writer.commit()
        #expect(try Data(contentsOf: destination) == Data("new content".utf8))
        #expect(writer.bytesWritten == 11)
        #expect(Self.names(folder) == ["out.bin"])
    }

    @Test func aDiscardedOrAbandonedWriterLeavesNothing() throws {
        let folder = try Self.folder()
        let discarded = try AtomicFileWriter(destination: folder.appendingPathComponent("a"), field: "output_path")
        try discarded.append(Data([1, 2, 3]))
        discarded.discard()
        discarded.discard()
        do {
            let abandoned = try AtomicFileWriter(destination: folder.appendingPathComponent("b"), field: "output_path")
            try abandoned.append(Data([4]))
        }
        #expect(Self.names(folder).isEmpty)
    }

    @Test func unusableDestinationsAreFileErrors() throws {
        let folder = try Self.folder()
        #expect(throws: ResponseError.self) { try AtomicFileWriter(destination: folder.appendingPathComponent("no/such/dir/x"), field: "f") }
        let missing = folder.path + "/absent/x.mp3"
        do {
            _ = try OutputLocation.file(missing, field: "output_path")
            Issue.record("no error")
        } catch {
            #expect(error.code == .fileError)
            #expect(error.data == ["path": .string(missing), "reason": "not_found", "field": "output_path"])
        }
        do {
            _ = try OutputLocation.directory(missing, field: "output_dir")
            Issue.record("no error")
        } catch {
            #expect(error.data?["reason"] == "not_found")
        }
        #expect(try OutputLocation.directory(folder.path, field: "output_dir").path == folder.path)
    }

    @Test func localFilesAreCheckedWithoutBeingRead() throws {
        let folder = try Self.folder()
        let file = folder.appendingPathComponent("clip.wav")
        try Data(repeating: 7, count: 100).write(to: file)
        let checked = try LocalFile("file://" + file.path, field: "file", maxBytes: 100)
        #expect(checked.size == 100)
        #expect(checked.path == file.path)
        #expect(try checked.head(4) == Data(repeating: 7, count: 4))
        #expect(throws: ResponseError.self) { try LocalFile(file.path, field: "file", maxBytes: 99) }
        #expect(throws: ResponseError.self) { try LocalFile(folder.path, field: "file", maxBytes: 1000) }
        do {
            _ = try LocalFile("https://example.com/a.mp3", field: "file", maxBytes: 1000)
            Issue.record("no error")
        } catch {
            #expect(error.code == .invalidParams)
        }
    }
}
