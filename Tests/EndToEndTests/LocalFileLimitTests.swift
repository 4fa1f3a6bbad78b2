import Foundation
import JSONRPC
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
/// Local files the daemon reads (images inlined, files uploaded): limits that hold while reading,
/// whatever size the file system reports, and symbolic links followed to what they name.
@Suite("local file limits end to end")
struct LocalFileLimitTests {
    /// A kernel file that reports size 0 and holds megabytes: the kernel's symbol table (the
    /// daemon's own files in /proc, which hold more, are never read).
    static let endless = "/proc/kallsyms"

    @Test func anImageThatReportsNoSizeIsStoppedAtMaxFileBytes() throws {
        try #require(FileManager.default.isReadableFile(atPath: Self.endless))
        let harness = try Harness(responses: [.chatCompletion("never asked")])
        _ = try harness.daemon.call("config.update", ["max_file_bytes": 1_048_576], id: 0)
        let started = Date()
        let (response, _) = try harness.daemon.call("chat.describeImage", ["image": .string(Self.endless)], timeout: 20)
        let peak = ProcessStats.peakResidentMiB(harness.daemon.pid) ?? 0
        try harness.finish()
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(response.errorCode == -32006)
        #expect(response["error"]?["data"]?["reason"] == "too_large")
        #expect(response["error"]?["message"]?.stringValue?.contains("max_file_bytes (1048576)") == true, "\(response)")
        #expect(peak < 200, "peak RSS \(peak) MiB")
        #expect(harness.upstream.requests.isEmpty)
    }

    @Test func anUploadThatReportsNoSizeIsStoppedAndItsTemporaryFileRemoved() throws {
        try #require(FileManager.default.isReadableFile(atPath: Self.endless))
        let temporary = try MediaFixtures.directory()
        let harness = try Harness(environment: ["TMPDIR": temporary], responses: [.json(["text": "never asked"])])
        _ = try harness.daemon.call("config.update", ["max_file_bytes": 1_048_576], id: 0)
        let (response, _) = try harness.daemon.call("audio.transcribe", ["file": .string(Self.endless)], timeout: 20)
        try harness.finish()
        #expect(response.errorCode == -32006)
        #expect(response["error"]?["data"]?["reason"] == "too_large")
        #expect(response["error"]?["data"]?["field"] == "file")
        #expect(harness.upstream.requests.isEmpty)
        #expect(MediaFixtures.names(in: temporary).isEmpty, "the partial upload file was removed")
    }

    @Test func theImagesOfOneRequestShareMaxRequestFileBytes() throws {
        let folder = try MediaFixtures.directory()
        let image = MediaFixtures.png + Array(repeating: 0x42, count: 400_000)
        let paths = try (0..<3).map { try MediaFixtures.file("photo-\($0).png", image, in: folder) }
        let harness = try Harness(responses: [.chatCompletion("never asked")])
        _ = try harness.daemon.call("config.update", ["max_request_file_bytes": 1_000_000], id: 0)
        let (response, _) = try harness.daemon.call("chat.describeImage", ["images": .array(paths.map(JSONValue.string))])
        try harness.finish()
        #expect(response.errorCode == -32006)
        #expect(response["error"]?["data"]?["field"] == "images.2")
        #expect(response["error"]?["data"]?["reason"] == "too_large")
        #expect(response["error"]?["message"]?.stringValue?.contains("max_request_file_bytes (1000000)") == true, "\(response)")
        #expect(harness.upstream.requests.isEmpty)
    }

    @Test func aSymbolicLinkToAnImageIsFollowed() throws {
        let folder = try MediaFixtures.directory()
        let target = try MediaFixtures.file("real.png", MediaFixtures.png, in: folder)
        let link = folder + "/link.png"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let harness = try Harness(responses: [.chatCompletion("a grey square")])
        let (response, _) = try harness.daemon.call("chat.describeImage", ["image": .string(link)])
        try harness.finish()
        #expect(response["result"]?["text"] == "a grey square")
        let url = harness.upstream.requests.first?.json?["messages"]?[0]?["content"]?[1]?["image_url"]?["url"]?.stringValue
        #expect(url == "data:image/png;base64," + Data(MediaFixtures.png).base64EncodedString())
    }

    @Test func uploadCopiesAreReadableByTheirOwnerOnly() throws {
        let path = try MediaFixtures.file("talk.mp3", MediaFixtures.mp3)
        #expect(chmod(path, 0o600) == 0)
        let temporary = try MediaFixtures.directory()
        let modes = Mailbox<Int>()
        let harness = try Harness(environment: ["TMPDIR": temporary]) { request in
            for name in MediaFixtures.names(in: temporary) {
                let attributes = try? FileManager.default.attributesOfItem(atPath: temporary + "/" + name)
                modes.post((attributes?[.posixPermissions] as? Int) ?? -1)
            }
            return request.method == "HEAD" ? FakeResponse(steps: []) : .json(["text": "private"])
        }
        let (response, _) = try harness.daemon.call("audio.transcribe", ["file": .string(path)])
        try harness.finish()
        #expect(response["result"] == ["text": "private"])
        #expect(modes.snapshot() == [0o600], "one upload file, mode 0600")
    }

    @Test func uploadFilesLeftByADaemonThatWasKilledAreRemovedAtStart() throws {
        let temporary = try MediaFixtures.directory()
        let ended = try ProcessStats.endedProcessID()
        let leftover = "switchboard-upload-\(ended)-0F1E.multipart"
        let running = "switchboard-upload-\(getpid())-2D3C.multipart"
        for name in [leftover, running] { try Data("part of an upload".utf8).write(to: URL(fileURLWithPath: temporary + "/" + name)) }
        let harness = try Harness(environment: ["TMPDIR": temporary], responses: [])
        #expect(MediaFixtures.wait { !MediaFixtures.names(in: temporary).contains(leftover) }, "the dead daemon's file was removed")
        try harness.finish()
        #expect(MediaFixtures.names(in: temporary) == [running], "a running process's file is left alone")
    }
}
}
