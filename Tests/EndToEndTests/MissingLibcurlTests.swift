import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// A machine without a usable libcurl: the daemon loads it with `dlopen` on first use, so it
/// starts, serves what needs no upstream, and answers what does with an error naming the library.
/// The machine is simulated by a `libcurl.so.4` that lacks libcurl's functions, found first
/// through `LD_LIBRARY_PATH`.
@Suite("without libcurl")
struct MissingLibcurlTests {
    /// A folder holding a shared library called `library` (`libcurl.so.4` by default) that
    /// defines none of that library's symbols.
    static func fakeLibraryFolder(_ library: String = "libcurl.so.4") throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-no-lib-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = folder.appendingPathComponent("fake.c")
        try "int not_libcurl = 1;\n".write(to: source, atomically: true, encoding: .utf8)
        let outcome = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"),
                                           arguments: ["cc", "-shared", "-fPIC", "-o", folder.appendingPathComponent(library).path, source.path],
                                           environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"], timeout: 60)
        try #require(outcome.succeeded, "cc failed: \(outcome.output)")
        return folder
    }

    @Test func localMethodsWorkAndUpstreamMethodsNameTheLibrary() throws {
        let folder = try Self.fakeLibraryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let harness = try Harness(environment: ["LD_LIBRARY_PATH": folder.path], responses: [.chatCompletion("unreachable")])
        let daemon = harness.daemon
        #expect(try daemon.call("initialize", ["clientInfo": ["name": "test"]], id: 1).response["result"]?["capabilities"] != nil)
        #expect(try daemon.call("config.get", id: 2).response["result"]?["base_url"] == .string(harness.upstream.baseURL))
        #expect(try daemon.call("rpc.discover", id: 3).response["result"]?["openrpc"] != nil)

        let (failed, _) = try daemon.call("chat.complete", chatParams(), id: 4)
        #expect(failed.errorCode == -32002)
        let message = failed["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("libcurl.so.4"), "the error does not name the library: \(message)")
        #expect(message.contains("curl_global_init"), "the error does not say what is missing: \(message)")
        // And again: the failed load is remembered, not retried into a different answer.
        #expect(try daemon.call("chat.complete", chatParams(), id: 5).response["error"]?["message"]?.stringValue == message)
        #expect(harness.upstream.requests.isEmpty, "a request reached the upstream without libcurl")
        try harness.finish()
    }
}
}
