import Foundation
import JSONRPC
import Testing
import TestSupport

/// What `switchboard --mcp`'s tools may read: a model chooses their paths, so reads are confined
/// to the working directory, the output folder and `--allow-read` / `read_roots` folders, judged by
/// where symbolic links lead, and never under /proc, /sys or /dev. Every tool that reads a path,
/// against every kind of path that leaves the roots.
extension EndToEnd {
@Suite("MCP: the read policy")
struct MCPReadPolicyTests {
    /// A root with a good image and audio file, a folder beside it holding "secrets", and a
    /// symbolic link in the root that points at one of them.
    struct Layout {
        let root: String
        let outside: String
        let png: String
        let secret: String

        init() throws {
            root = try MediaFixtures.directory()
            outside = try MediaFixtures.directory()
            png = try MediaFixtures.file("photo.png", MediaFixtures.png, in: root)
            _ = try MediaFixtures.file("memo.mp3", MediaFixtures.mp3, in: root)
            secret = try MediaFixtures.file("secret.png", MediaFixtures.png + Array("SECRET-BYTES".utf8), in: outside)
            _ = try MediaFixtures.file("secret.mp3", MediaFixtures.mp3 + Array("SECRET-BYTES".utf8), in: outside)
            try FileManager.default.createSymbolicLink(atPath: root + "/link.png", withDestinationPath: secret)
            try FileManager.default.createSymbolicLink(atPath: root + "/link.mp3", withDestinationPath: outside + "/secret.mp3")
        }

        /// The kinds of path that leave the root, for a file named `name` in the outside folder.
        func escapes(_ name: String) -> [(kind: String, path: String, flag: Bool)] {
            let outsideName = URL(fileURLWithPath: outside).lastPathComponent
            let link = root + "/link." + URL(fileURLWithPath: name).pathExtension
            return [("absolute", outside + "/" + name, true), ("dot-dot", root + "/../" + outsideName + "/" + name, true),
                    ("symlink", link, true), ("proc", "/proc/self/environ", false)]
        }

        func remove() {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: outside)
        }
    }

    /// Each tool's arguments naming `path` where it reads a file.
    static func calls(_ path: String) -> [(tool: String, arguments: JSONObject)] {
        let audio = path.hasPrefix("/proc") ? "file://" + path : path
        return [
            ("chat", ["messages": [["role": "user", "content": [["type": "file", "file": ["file_data": .string(path)]]]]]]),
            ("chat", ["messages": [["role": "user", "content": [["type": "input_audio",
                                                                 "input_audio": ["data": .string(audio), "format": "mp3"]]]]]]),
            ("chat", ["messages": [["role": "user", "content": [["type": "image_url", "image_url": ["url": .string(path)]]]]]]),
            ("describe_image", ["image": .string(path)]),
            ("edit_image", ["image": .string(path), "prompt": "add a hat"]),
            ("transcribe_audio", ["file": .string(path)]),
            ("midjourney", ["operation": "describe", "image": .string(path), "wait": false]),
        ]
    }

    @Test func everyToolRefusesEveryPathThatLeavesTheRoots() throws {
        let layout = try Layout()
        defer { layout.remove() }
        let harness = try Harness(arguments: ["--mcp", "--output-dir", layout.root + "/out", "--allow-read", layout.root],
                                  upstream: try MCPUpstream.start())
        try MCPMessages.open(harness.daemon, modern: true)
        var id = 0
        for name in ["secret.png", "secret.mp3"] {
            for (kind, path, flag) in layout.escapes(name) {
                for (tool, arguments) in Self.calls(path) {
                    id += 1
                    harness.daemon.send(MCPMessages.callTool(.number(id), tool, arguments, modern: true))
                    let result = try harness.daemon.response(to: .number(id)).response["result"]
                    let text = result?["content"]?[0]?["text"]?.stringValue ?? ""
                    #expect(result?["isError"] == true, "\(tool), \(kind) path \(path): \(text)")
                    #expect(text.contains(path), "the error names the path: \(text)")
                    #expect(text.contains("--allow-read") == flag, "\(tool), \(kind): \(text)")
                    if !flag { #expect(text.contains("never read"), "\(text)") }
                }
            }
        }
        try harness.finishMCP()
        let sent = harness.upstream.requests.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(!sent.contains { $0.contains("SECRET") || $0.contains("U0VDUkVU") }, "no refused file reached the upstream")
        #expect(!sent.contains { $0.contains(testKey) })
    }

    @Test func filesUnderTheRootsAreRead() throws {
        let layout = try Layout()
        defer { layout.remove() }
        let config = layout.root + "/config.json"
        try Data(#"{"read_roots": ["\#(layout.outside)"]}"#.utf8).write(to: URL(fileURLWithPath: config))
        let harness = try Harness(arguments: ["--mcp", "--output-dir", layout.root + "/out", "--allow-read", layout.root,
                                              "--config", config], upstream: try MCPUpstream.start())
        try MCPMessages.open(harness.daemon, modern: true)
        let allowed: [(String, JSONObject)] = [
            ("describe_image", ["image": .string(layout.png)]),
            ("transcribe_audio", ["file": .string(layout.root + "/memo.mp3")]),
            ("edit_image", ["image": .string(layout.png), "prompt": "add a hat"]),
            ("describe_image", ["image": .string(layout.secret)]),
            ("describe_image", ["image": .string(layout.root + "/link.png")]),
        ]
        for (index, (tool, arguments)) in allowed.enumerated() {
            harness.daemon.send(MCPMessages.callTool(.number(index), tool, arguments, modern: true))
            let result = try harness.daemon.response(to: .number(index)).response["result"]
            #expect(result?["isError"] == nil, "\(tool) \(arguments): \(result?.jsonText.prefix(300) ?? "")")
        }
        try harness.finishMCP()
    }

    @Test func aPathOutsideTheDefaultRootsNamesTheFlag() throws {
        let layout = try Layout()
        defer { layout.remove() }
        let harness = try Harness(arguments: ["--mcp", "--output-dir", layout.root + "/out"], upstream: try MCPUpstream.start())
        try MCPMessages.open(harness.daemon, modern: true)
        harness.daemon.send(MCPMessages.callTool(1, "describe_image", ["image": .string(layout.png)], modern: true))
        let text = try harness.daemon.response(to: 1).response["result"]?["content"]?[0]?["text"]?.stringValue ?? ""
        #expect(text.contains(layout.png) && text.contains("--allow-read DIR"), "\(text)")
        #expect(text.contains(FileManager.default.currentDirectoryPath), "the roots are named: \(text)")
        try harness.finishMCP()
        #expect(harness.upstream.requests.filter { $0.method != "HEAD" }.isEmpty)
    }
}
}
