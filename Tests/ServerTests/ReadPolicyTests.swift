import Foundation
import JSONRPC
@testable import Server
import Testing
import Upstream
#if canImport(Glibc)
import Glibc
#endif

/// `ReadPolicy`: which paths a request may read, judged by where they lead.
@Suite struct ReadPolicyTests {
    /// A root folder with a file, a folder beside it with a file, and links between them.
    struct Folders {
        let root: String
        let outside: String

        init() throws {
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-policy-\(UUID().uuidString)").path
            root = base + "/root"
            outside = base + "/outside"
            for folder in [root, outside] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            _ = FileManager.default.createFile(atPath: root + "/in.txt", contents: Data("in".utf8))
            _ = FileManager.default.createFile(atPath: outside + "/out.txt", contents: Data("out".utf8))
            try FileManager.default.createSymbolicLink(atPath: root + "/to-out.txt", withDestinationPath: outside + "/out.txt")
            try FileManager.default.createSymbolicLink(atPath: root + "/to-outside", withDestinationPath: outside)
            try FileManager.default.createSymbolicLink(atPath: root + "/to-environ", withDestinationPath: "/proc/self/environ")
        }

        var policy: ReadPolicy { .confined(to: [root]) }
        func remove() { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: root).deletingLastPathComponent().path) }
    }

    static func reason(_ policy: ReadPolicy, _ path: String) -> String? {
        do {
            _ = try policy.check(path, field: "file")
            return nil
        } catch {
            return error.data?["reason"]?.stringValue
        }
    }

    @Test func aConfinedPolicyReadsOnlyUnderItsRoots() throws {
        let folders = try Folders()
        defer { folders.remove() }
        let policy = folders.policy
        #expect(try policy.check(folders.root + "/in.txt", field: "file").hasSuffix("/root/in.txt"))
        #expect(try policy.check(folders.root + "/./in.txt", field: "file").hasSuffix("/root/in.txt"))
        for path in [folders.outside + "/out.txt", folders.root + "/../outside/out.txt", folders.root + "/to-out.txt",
                     folders.root + "/to-outside/out.txt", folders.root + "/to-outside/missing.txt", folders.root + "/missing/../../outside/out.txt",
                     "/etc/passwd", "/", folders.root + "-sibling/x"] {
            #expect(Self.reason(policy, path) == "not_allowed", "\(path)")
        }
        #expect(Self.reason(policy, folders.root + "/missing.txt") == "not_found")
    }

    /// A file is judged by its real path and then read by it following no link: a folder on that
    /// path swapped for a link (to outside the roots) after the check is not followed.
    @Test func aLinkPutIntoTheCheckedPathIsNotFollowedWhenTheFileIsRead() throws {
        let folders = try Folders()
        defer { folders.remove() }
        let inner = folders.root + "/inner"
        try FileManager.default.createDirectory(atPath: inner, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: inner + "/out.txt", contents: Data("inside".utf8))
        let file = try LocalFile(inner + "/out.txt", field: "file", maxBytes: 100, policy: folders.policy)
        var budget = FileBudget(perFile: 100, total: 100)
        #expect(try file.read(budget: &budget) == Data("inside".utf8))

        // After the check: the folder becomes a link to the folder outside, which has an out.txt.
        try FileManager.default.removeItem(atPath: inner)
        try FileManager.default.createSymbolicLink(atPath: inner, withDestinationPath: folders.outside)
        budget = FileBudget(perFile: 100, total: 100)
        let error = try #require(throws: ResponseError.self) { try file.read(budget: &budget) }
        #expect(error.data?["reason"] == "not_allowed")
        #expect(error.message.contains("changed after it was checked"), "\(error.message)")
        #expect(throws: ResponseError.self) { try file.head() }
        #expect(budget.spent == 0, "nothing of the outside file was read")
    }

    @Test func aRefusalNamesThePathWhereItLeadsAndTheFlag() throws {
        let folders = try Folders()
        defer { folders.remove() }
        let error = try #require(throws: ResponseError.self) { try folders.policy.check(folders.root + "/to-out.txt", field: "image") }
        #expect(error.code == .fileError)
        #expect(error.message.hasPrefix("image: file \(folders.root)/to-out.txt (which leads to "), "\(error.message)")
        #expect(error.message.contains("--allow-read DIR"), "\(error.message)")
        #expect(error.data?["resolved_path"]?.stringValue?.hasSuffix("/outside/out.txt") == true)
    }

    @Test(arguments: ["/proc/cpuinfo", "/proc/1/environ", "/sys/kernel", "/dev/null", "/dev/zero", "/dev/stdin", "/dev/fd/0"])
    func aConfinedPolicyNeverReadsSystemFolders(path: String) {
        let error = #expect(throws: ResponseError.self) { try ReadPolicy.confined(to: ["/"]).check(path, field: "file") }
        #expect(error?.data?["reason"] == "not_allowed")
        #expect(error?.message.contains("never read") == true, "\(error?.message ?? "")")
    }

    @Test func everyPolicyRefusesTheDaemonsOwnProcessFiles() throws {
        let folders = try Folders()
        defer { folders.remove() }
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { ends.forEach { close($0) } }
        let paths = ["/proc/self/environ", "/proc/thread-self/environ", "/proc/\(getpid())/environ", "/proc/self/../self/environ",
                     "/proc/self/fd/\(ends[0])", "/proc/self/task/\(getpid())/environ", "/dev/fd/\(ends[1])", "/proc/self/missing",
                     folders.root + "/to-environ", "/proc/\(Self.threadID())/environ"]
        for path in paths {
            for policy in [ReadPolicy.trusted, .confined(to: ["/"])] {
                #expect(Self.reason(policy, path) == "not_allowed", "\(path)")
            }
        }
        #expect(Self.reason(.trusted, "/proc/cpuinfo") == nil, "a trusted client reads other /proc files")
        #expect(Self.reason(.trusted, folders.outside + "/out.txt") == nil)
    }

    /// Names on disk are bytes: a root spelled with a precomposed é does not hold the folder beside
    /// it spelled with e and a combining accent, though Swift compares the two strings as equal;
    /// and a "/" followed by a combining mark still separates components.
    @Test func pathsAreComparedByTheirBytes() throws {
        let folders = try Folders()
        defer { folders.remove() }
        let precomposed = folders.outside + "/caf\u{E9}"
        let decomposed = folders.outside + "/cafe\u{301}"
        for folder in [precomposed, decomposed] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        _ = FileManager.default.createFile(atPath: decomposed + "/secret.txt", contents: Data("x".utf8))
        let policy = ReadPolicy.confined(to: [precomposed])
        #expect(Self.reason(policy, decomposed + "/secret.txt") == "not_allowed")
        #expect(Self.reason(folders.policy, folders.root + "/../\u{30F}x") == "not_allowed")
        #expect(RealPath.normalized("/a", appending: ["b/\u{30F}..", "..", "c"]) == "/a/b/c")
    }

    @Test func pathsAreNormalizedLexicallyPastWhatExists() {
        #expect(RealPath.normalized("/a/b", appending: ["..", "c", ".", "", "d"]) == "/a/c/d")
        #expect(RealPath.normalized("/", appending: ["..", "..", "etc"]) == "/etc")
        #expect(RealPath.resolve("/nonexistent-\(UUID().uuidString)/x/../y").path.hasSuffix("/y"))
        #expect(RealPath.resolve("/nonexistent-\(UUID().uuidString)/x").failure == ENOENT)
    }

    @Test func aRootIsTakenAsItsRealPath() throws {
        let folders = try Folders()
        defer { folders.remove() }
        let policy = ReadPolicy.confined(to: [folders.root + "/to-outside", folders.root + "/../root"])
        #expect(policy.roots?.allSatisfy { !$0.contains("..") && !$0.hasSuffix("to-outside") } == true, "\(policy.roots ?? [])")
        #expect(Self.reason(policy, folders.outside + "/out.txt") == nil)
        #expect(policy.refusal(of: "/rooted") == .outsideRoots)
    }

    /// The id of a thread of this process other than the main one.
    static func threadID() -> Int32 {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap(Int32.init).first { $0 != getpid() } ?? getpid()
    }
}
