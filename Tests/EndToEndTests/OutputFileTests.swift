import Foundation
import JSONRPC
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
/// Files the daemon writes (`output_dir`, `output_path`): never over another file, never through
/// a link or into a device, with the permissions a replaced file had; and an image the upstream
/// made is not lost because another could not be saved.
@Suite("output files end to end")
struct OutputFileTests {
    static let created = 1_700_000_000

    static func answer(_ items: [JSONValue]) -> FakeResponse {
        .json(["created": .number(created), "data": .array(items)])
    }

    static func dataURL(_ bytes: [UInt8], type: String = "image/png") -> JSONValue {
        .string("data:\(type);base64," + Data(bytes).base64EncodedString())
    }

    @Test func answersWithinOneSecondGetFilesOfTheirOwn() throws {
        let folder = try MediaFixtures.directory()
        let images = (1...3).map { MediaFixtures.png + [UInt8($0)] }
        let harness = try Harness(responses: images.map { Self.answer([["b64_json": .string(Data($0).base64EncodedString())]]) })
        var paths: [String] = []
        for id in 1...3 {
            let (response, _) = try harness.daemon.call("images.generate", ["prompt": "x", "output_dir": .string(folder)], id: .number(id))
            paths.append(response["result"]?["data"]?[0]?["path"]?.stringValue ?? "")
        }
        try harness.finish()
        let base = folder + "/image-\(Self.created)-0"
        #expect(paths == [base + ".png", base + "-2.png", base + "-3.png"])
        for (path, image) in zip(paths, images) { #expect(MediaFixtures.file(path, holds: image)) }
        #expect(MediaFixtures.names(in: folder).count == 3)
    }

    @Test func dataURLsAreSavedAndAnItemThatCannotBeIsMarkedNotFatal() throws {
        let folder = try MediaFixtures.directory()
        let harness = try Harness(responses: [Self.answer([
            ["url": Self.dataURL(MediaFixtures.png)],
            ["url": "data:image/png;base64,@@not base64@@"],
            ["url": Self.dataURL(MediaFixtures.jpeg, type: "image/jpeg"), "revised_prompt": "kept"],
        ])])
        let (response, _) = try harness.daemon.call("images.generate", ["prompt": "three", "n": 3, "output_dir": .string(folder)])
        try harness.finish()
        let items = try #require(response["result"]?["data"]?.arrayValue)
        #expect(items.count == 3)
        #expect(items[0]["path"] == .string(folder + "/image-\(Self.created)-0.png"))
        #expect(items[1]["path"] == nil)
        #expect(items[1]["save_error"]?["code"] == -32004)
        #expect(items[1]["save_error"]?["message"]?.stringValue?.contains("data.1.url") == true, "\(items[1])")
        #expect(items[2]["path"] == .string(folder + "/image-\(Self.created)-2.jpg"))
        #expect(items[2]["revised_prompt"] == "kept")
        #expect(MediaFixtures.file(folder + "/image-\(Self.created)-0.png", holds: MediaFixtures.png))
        #expect(MediaFixtures.file(folder + "/image-\(Self.created)-2.jpg", holds: MediaFixtures.jpeg))
        #expect(MediaFixtures.names(in: folder).count == 2, "every file on disk is reported")
    }

    @Test func aDownloadThatFailsMarksItsItemAndTheOthersAreSaved() throws {
        let folder = try MediaFixtures.directory()
        let harness = try Harness { request in
            switch request.path {
            case "/v1/images/generations":
                let host = "http://\(request.header("host") ?? "")"
                return Self.answer([["url": .string(host + "/v1/files/gone.png")], ["b64_json": .string(Data(MediaFixtures.png).base64EncodedString())]])
            default:
                return .error(status: 404, message: "expired")
            }
        }
        let (response, _) = try harness.daemon.call("images.generate", ["prompt": "two", "n": 2, "output_dir": .string(folder)])
        try harness.finish()
        #expect(response["result"]?["data"]?[0]?["save_error"]?["code"] == -32001)
        #expect(response["result"]?["data"]?[0]?["save_error"]?["data"]?["status"] == 404)
        #expect(response["result"]?["data"]?[1]?["path"] == .string(folder + "/image-\(Self.created)-1.png"))
    }

    @Test func cancelledWhileSavingTheAnswerReportsTheImagesAlreadySaved() throws {
        let folder = try MediaFixtures.directory()
        let harness = try Harness { request in
            guard request.path == "/v1/images/generations" else { return FakeResponse(steps: [.stall]) }
            let host = "http://\(request.header("host") ?? "")"
            return Self.answer([["b64_json": .string(Data(MediaFixtures.png).base64EncodedString())], ["url": .string(host + "/v1/files/slow.png")]])
        }
        harness.daemon.send(["jsonrpc": "2.0", "id": 1, "method": "images.generate", "params": ["prompt": "x", "n": 2, "output_dir": .string(folder)]])
        #expect(harness.upstream.waitForRequests(2))
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 1]])
        let (response, _) = try harness.daemon.response(to: 1)
        try harness.finish()
        #expect(response.errorCode == -32800)
        let saved = folder + "/image-\(Self.created)-0.png"
        #expect(response["error"]?["data"]?["partial"]?["data"]?[0]?["path"] == .string(saved))
        #expect(MediaFixtures.names(in: folder) == ["image-\(Self.created)-0.png"])
    }

    // MARK: - output_path

    static func speech(to path: String) -> JSONValue {
        ["input": "x", "voice": "alloy", "output_path": .string(path)]
    }

    @Test func aFIFOOrALinkAtOutputPathIsRefusedBeforeTheUpstreamIsAsked() throws {
        let folder = try MediaFixtures.directory()
        let fifo = folder + "/pipe.mp3"
        #expect(mkfifo(fifo, 0o600) == 0)
        let target = try MediaFixtures.file("target.mp3", Array("target".utf8), in: folder)
        let link = folder + "/link.mp3"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let harness = try Harness(responses: [AudioSpeechTests.audio()])
        let (toFIFO, _) = try harness.daemon.call("audio.speech", Self.speech(to: fifo), id: 1)
        let (toLink, _) = try harness.daemon.call("audio.speech", Self.speech(to: link), id: 2)
        try harness.finish()
        for (response, what) in [(toFIFO, "a FIFO"), (toLink, "a symbolic link")] {
            #expect(response.errorCode == -32006)
            #expect(response["error"]?["data"]?["reason"] == "unwritable")
            #expect(response["error"]?["message"]?.stringValue?.contains("is \(what)") == true, "\(response)")
        }
        #expect(harness.upstream.requests.isEmpty)
        var status = stat()
        #expect(lstat(fifo, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO, "still a FIFO")
        #expect(lstat(link, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK, "still a link")
        #expect(MediaFixtures.file(target, holds: Array("target".utf8)))
    }

    @Test func aReplacedFileKeepsItsPermissions() throws {
        let folder = try MediaFixtures.directory()
        let path = try MediaFixtures.file("private.mp3", Array("old".utf8), in: folder)
        #expect(chmod(path, 0o600) == 0)
        let harness = try Harness(responses: [AudioSpeechTests.audio()])
        let (response, _) = try harness.daemon.call("audio.speech", Self.speech(to: path))
        try harness.finish()
        #expect(response["result"]?["path"] == .string(path))
        #expect(MediaFixtures.file(path, holds: MediaFixtures.mp3))
        let mode = (try FileManager.default.attributesOfItem(atPath: path))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
}
