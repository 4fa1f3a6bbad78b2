import Foundation
import JSONRPC
@testable import Server
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

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
        let checked = try LocalFile("file://" + file.path, field: "file", maxBytes: 100, policy: .trusted)
        #expect(checked.size == 100)
        #expect(checked.path == file.path)
        #expect(try checked.head(4) == Data(repeating: 7, count: 4))
        #expect(throws: ResponseError.self) { try LocalFile(file.path, field: "file", maxBytes: 99, policy: .trusted) }
        #expect(throws: ResponseError.self) { try LocalFile(folder.path, field: "file", maxBytes: 1000, policy: .trusted) }
        do {
            _ = try LocalFile("https://example.com/a.mp3", field: "file", maxBytes: 1000, policy: .trusted)
            Issue.record("no error")
        } catch {
            #expect(error.code == .invalidParams)
        }
    }

    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
    }

    @Test func aReplacedFileKeepsItsPermissions() throws {
        let folder = try Self.folder()
        let destination = folder.appendingPathComponent("secret.mp3")
        try Data("old".utf8).write(to: destination)
        #expect(chmod(destination.path, 0o600) == 0)
        try AtomicFileWriter.write(Data("new".utf8), to: destination, field: "output_path")
        #expect(Self.mode(destination.path) == 0o600)
        #expect(try Data(contentsOf: destination) == Data("new".utf8))
        let fresh = folder.appendingPathComponent("fresh.mp3")
        try AtomicFileWriter.write(Data("x".utf8), to: fresh, field: "output_path")
        #expect(Self.mode(fresh.path) == 0o644 & ~Int(Self.umask()))
    }

    static func umask() -> mode_t {
        let current = Glibc.umask(0o022)
        Glibc.umask(current)
        return current
    }

    @Test func onlyARegularFileIsReplaced() throws {
        let folder = try Self.folder()
        let target = folder.appendingPathComponent("target.mp3")
        try Data("target".utf8).write(to: target)
        let link = folder.appendingPathComponent("link.mp3")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let fifo = folder.appendingPathComponent("fifo.mp3")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        for (destination, kind) in [(link, "a symbolic link"), (fifo, "a FIFO"), (URL(fileURLWithPath: "/dev/null"), "a character device")] {
            for attempt in [{ try OutputLocation.file(destination.path, field: "output_path") },
                            { _ = try AtomicFileWriter(destination: destination, field: "output_path"); return destination }] {
                let error = try #require(throws: ResponseError.self) { _ = try attempt() }
                #expect(error.data?["reason"] == "unwritable")
                #expect(error.message.contains("is \(kind)"), "\(error.message)")
            }
        }
        #expect(FileKind.at(link.path)?.kind == .symbolicLink)
        #expect(FileKind.at(fifo.path)?.kind == .fifo)
        #expect(try Data(contentsOf: target) == Data("target".utf8))
    }

    @Test func somethingThatAppearsBeforeTheRenameIsNotReplaced() throws {
        let folder = try Self.folder()
        let destination = folder.appendingPathComponent("out.mp3")
        let writer = try AtomicFileWriter(destination: destination, field: "output_path")
        try writer.append(Data("audio".utf8))
        let elsewhere = folder.appendingPathComponent("elsewhere")
        try Data("keep".utf8).write(to: elsewhere)
        try FileManager.default.createSymbolicLink(at: destination, withDestinationURL: elsewhere)
        #expect(throws: ResponseError.self) { try writer.commit() }
        #expect(FileKind.at(destination.path)?.kind == .symbolicLink)
        #expect(try Data(contentsOf: elsewhere) == Data("keep".utf8))
        #expect(Self.names(folder) == ["elsewhere", "out.mp3"], "the temporary file is gone")
    }

    @Test func aNewFileNeverReplacesOneThatIsThere() throws {
        let folder = try Self.folder()
        let name = { (attempt: Int) in attempt == 0 ? "image-1-0.png" : "image-1-0-\(attempt + 1).png" }
        let paths = try (1...3).map { try AtomicFileWriter.writeNew(Data([UInt8($0)]), in: folder, name: name, field: "output_dir").path }
        #expect(paths.map { URL(fileURLWithPath: $0).lastPathComponent } == ["image-1-0.png", "image-1-0-2.png", "image-1-0-3.png"])
        #expect(try paths.map { Array(try Data(contentsOf: URL(fileURLWithPath: $0))) } == [[1], [2], [3]])
        #expect(Self.names(folder).count == 3)
    }

    @Test func leftoverUploadsOfDeadDaemonsAreRemovedAndOthersKept() throws {
        let folder = try Self.folder()
        let ended = try ProcessStats.endedProcessID()
        let dead = "switchboard-upload-\(ended)-A.multipart"
        let alive = "switchboard-upload-\(getpid())-B.multipart"
        let unrelated = ["switchboard-upload-C.multipart", "notes-\(ended).multipart", "switchboard-upload-0-D.multipart"]
        for name in [dead, alive] + unrelated { try Data("x".utf8).write(to: folder.appendingPathComponent(name)) }
        #expect(TemporaryUploads.removeLeftovers(in: folder) == 1)
        #expect(Self.names(folder) == ([alive] + unrelated).sorted())
        #expect(TemporaryUploads.newFile(in: folder).lastPathComponent.hasPrefix("switchboard-upload-\(getpid())-"))
    }
}
