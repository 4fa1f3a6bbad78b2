import Foundation

/// Files, folders and sample bytes for the embeddings, audio and images end-to-end tests.
enum MediaFixtures {
    /// An MP3 as the API sends it: an ID3 tag, then frames (here filler), 300 kB so that uploads
    /// and downloads take several chunks.
    static let mp3: [UInt8] = Array("ID3".utf8) + [4, 0, 0, 0, 0, 0, 0xFF, 0xFB, 0x90, 0x64]
        + (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0x42, count: 100)
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x11, count: 60)
    static let webp: [UInt8] = Array("RIFF".utf8) + [40, 0, 0, 0] + Array("WEBPVP8 ".utf8) + Array(repeating: 0x22, count: 40)

    /// A new empty folder.
    static func directory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-media-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// Writes `bytes` to `name` in `folder` (a new folder when nil) and returns the path.
    static func file(_ name: String, _ bytes: [UInt8], in folder: String? = nil) throws -> String {
        let path = (try folder ?? directory()) + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The names in `folder`, hidden ones included, sorted.
    static func names(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    static func bytes(at path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map(Array.init)
    }

    /// Whether the file at `path` holds exactly `expected` (a Bool, so that a failure does not
    /// print hundreds of kilobytes).
    static func file(_ path: String, holds expected: [UInt8]) -> Bool {
        same(bytes(at: path), expected)
    }

    /// `actual == expected`, as a call so that a failed expectation prints no bytes.
    static func same(_ actual: [UInt8]?, _ expected: [UInt8]?) -> Bool {
        actual == expected
    }

    /// Polls `condition` until it holds or `timeout` seconds pass; returns whether it held.
    static func wait(timeout: Double = 5, until condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !condition() {
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }
}
