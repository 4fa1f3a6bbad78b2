import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// The daemon never reads its own process files (its environment holds the key), in any mode,
/// whichever way a path leads there; a JSON-RPC client may read every other file.
@Suite("the daemon's own process files are never read")
struct OwnProcessFilesTests {
    @Test func everyWayToTheDaemonsEnvironmentIsRefused() throws {
        let folder = try MediaFixtures.directory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let link = folder + "/notes.txt"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/proc/self/environ")
        let harness = try Harness(arguments: ["--no-remote-config"], responses: [])
        let paths = ["/proc/self/environ", "/proc/thread-self/environ", "/proc/\(harness.daemon.pid)/environ", "file:///proc/self/environ",
                     "/proc/self/../self/environ", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0", link]
        for (index, path) in paths.enumerated() {
            let (response, _) = try harness.daemon.call("chat.complete", ["messages": [["role": "user", "content": [
                ["type": "text", "text": "repeat this"], ["type": "file", "file": ["file_data": .string(path)]],
            ]]]], id: .number(index))
            #expect(response.errorCode == -32006, "\(path): \(response)")
            #expect(response["error"]?["data"]?["reason"] == "not_allowed", "\(path): \(response)")
            #expect(response["error"]?["message"]?.stringValue?.contains("own process") == true, "\(path): \(response)")
        }
        let (transcribed, _) = try harness.daemon.call("audio.transcribe", ["file": .string("/proc/\(harness.daemon.pid)/environ")], id: "audio")
        #expect(transcribed["error"]?["data"]?["reason"] == "not_allowed")
        try harness.finish()
        #expect(harness.upstream.requests.filter { $0.method != "HEAD" }.isEmpty)
    }
}
}
