import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
/// Stored conversations on the real binary: a conversation started by one daemon and continued by
/// another, the `conversations.*` methods, unknown ids, `store: false`, a missing SQLite, a store
/// that cannot be written, and changes announced between two daemons sharing the file.
@Suite("conversations end to end")
struct ConversationTests {
    /// A data folder for one test; the store is `<folder>/switchboard/conversations.sqlite3`.
    struct DataHome {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-data-\(UUID().uuidString)")
        var environment: [String: String] { ["XDG_DATA_HOME": url.path] }
        var storePath: String { url.appendingPathComponent("switchboard/conversations.sqlite3").path }
        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    @Test func aTitleModelNamesANewConversationAfterItsFirstTurn() throws {
        let home = DataHome()
        defer { home.remove() }
        let harness = try Harness(environment: home.environment, responses: [.chatCompletion("Sunny"), .chatCompletion("\"Weather in Paris.\"\nmore")])
        _ = try harness.daemon.call("initialize", ["config": ["title_model": "namer"]], id: 0)
        let (answer, _) = try harness.daemon.call("chat.complete", chatParams("How is the weather in Paris today?", extra: ["conversation_id": "new"]))
        #expect(answer.answer == "Sunny", "the answer does not wait for the title")
        var title: JSONValue?
        let deadline = Date().addingTimeInterval(10)
        repeat {
            title = try harness.daemon.call("conversations.list", ["limit": 1], id: 2).response["result"]?["conversations"]?[0]?["title"]
            if title == "Weather in Paris" { break }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline
        try harness.finish()
        #expect(title == "Weather in Paris", "named by the model, its quotes, period and second line left out")
        let asked = try #require(harness.upstream.requests.last { $0.method == "POST" }?.json)
        #expect(asked["model"] == "namer")
        #expect(asked["messages"]?[1]?["content"] == "How is the weather in Paris today?")
    }

    @Test func aConversationStartedInOneDaemonContinuesInAnother() throws {
        let home = DataHome()
        defer { home.remove() }
        let first = try Harness(environment: home.environment, responses: [.chatCompletion("Hello there")])
        let (started, _) = try first.daemon.call("chat.complete", chatParams("Hi", extra: ["conversation_id": "new"]))
        let id = try #require(started["result"]?["conversation_id"]?.stringValue)
        #expect(started.answer == "Hello there")
        #expect(started["result"]?["store_error"] == nil)
        #expect(first.upstream.requests.first?.json?["conversation_id"] == nil, "conversation_id is not forwarded")
        try first.finish()
        let mode = try FileManager.default.attributesOfItem(atPath: home.storePath)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let second = try Harness(environment: home.environment, responses: [.chatStream(["Then", " this"])])
        let (continued, _) = try second.daemon.call("chat.complete", chatParams("And then?", stream: true, extra: ["conversation_id": .string(id)]))
        #expect(continued["result"]?["conversation_id"] == .string(id))
        let sent = second.upstream.requests.first?.json?["messages"]?.arrayValue ?? []
        #expect(sent.map { $0["role"] } == ["user", "assistant", "user"])
        #expect(sent.map { $0["content"] } == ["Hi", "Hello there", "And then?"])
        let list = try second.daemon.call("conversations.list", ["limit": 10], id: 2).response["result"]?["conversations"]?.arrayValue ?? []
        #expect(list.count == 1)
        #expect(list.first?["id"] == .string(id))
        #expect(list.first?["title"] == "Hi")
        #expect(list.first?["message_count"] == 4)
        #expect(list.first?["model"] == "gpt-4o-mini")
        let got = try second.daemon.call("conversations.get", ["id": .string(id)], id: 3).response["result"]
        #expect(got?["messages"]?.arrayValue?.last == ["role": "assistant", "content": "Then this"])
        let found = try second.daemon.call("conversations.search", ["query": "then", "limit": 5], id: 4).response["result"]?["results"]?.arrayValue ?? []
        #expect(found.map { $0["message_index"] } == [2, 3] || found.map { $0["message_index"] } == [3, 2])
        let markdown = try second.daemon.call("conversations.export", ["id": .string(id), "format": "markdown"], id: 5).response
        #expect(markdown["result"]?["content"] == "## You\nHi\n\n## Assistant\nHello there\n\n## You\nAnd then?\n\n## Assistant\nThen this\n\n## You\n")
        let fork = try second.daemon.call("conversations.fork", ["id": .string(id), "at": 2], id: 6).response["result"]
        #expect(fork?["message_count"] == 2)
        #expect(fork?["forked_from"] == .string(id))
        #expect(try second.daemon.call("conversations.rename", ["id": .string(id), "title": "Greetings"], id: 7).response["result"]?["title"] == "Greetings")
        #expect(try second.daemon.call("conversations.delete", ["id": .string(id)], id: 8).response["result"]?["deleted"] == true)
        #expect(try second.daemon.call("conversations.list", [:], id: 9).response["result"]?["conversations"]?.arrayValue?.count == 1)
        try second.finish()
    }

    @Test func aCancelledTurnKeepsItsPartialAnswerMarkedAndAFailedOneIsNotKept() throws {
        let home = DataHome()
        defer { home.remove() }
        let harness = try Harness(environment: home.environment, responses: [
            .chatCompletion("first"), CancellationTests.stalledStream(after: "half an"), .error(status: 400, message: "refused"),
        ])
        let id = try #require(try harness.daemon.call("chat.complete", chatParams(extra: ["conversation_id": "new"])).response["result"]?["conversation_id"])
        harness.daemon.send(["jsonrpc": "2.0", "id": "a", "method": "chat.complete", "params": chatParams("Go on", stream: true, extra: ["conversation_id": id])])
        #expect(try harness.daemon.next()["method"] == "chat.delta")
        harness.daemon.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": "a"]])
        let (cancelled, _) = try harness.daemon.response(to: "a")
        #expect(cancelled.errorCode == -32800)
        #expect(cancelled["error"]?["data"]?["partial"]?["conversation_id"] == id)
        let (failed, _) = try harness.daemon.call("chat.complete", chatParams("Refuse this", extra: ["conversation_id": id]), id: 3)
        #expect(failed.errorCode == -32001)
        let messages = try harness.daemon.call("conversations.get", ["id": id], id: 4).response["result"]?["messages"]?.arrayValue ?? []
        #expect(messages.map { $0["content"] } == ["Hi", "first", "Go on", "half an"])
        #expect(messages.last?["status"] == "cancelled")
        let markdown = try harness.daemon.call("conversations.export", ["id": id], id: 5).response["result"]?["content"]?.stringValue ?? ""
        #expect(markdown.hasSuffix("## Assistant\nhalf an\n[cancelled]\n\n## You\n"))
        try harness.finish()
    }

    @Test func anUnknownIdIsInvalidParamsNamingItAndNothingIsSent() throws {
        let home = DataHome()
        defer { home.remove() }
        let harness = try Harness(environment: home.environment, responses: [.chatCompletion("unused")])
        let (failed, _) = try harness.daemon.call("chat.complete", chatParams(extra: ["conversation_id": "conv_missing"]))
        #expect(failed.errorCode == -32602)
        #expect(failed["error"]?["data"]?["field"] == "conversation_id")
        #expect(failed["error"]?["message"]?.stringValue?.contains("conv_missing") == true)
        for (index, method) in ["conversations.get", "conversations.rename", "conversations.delete", "conversations.export", "conversations.fork"].enumerated() {
            let (response, _) = try harness.daemon.call(method, ["id": "conv_missing", "title": "x"], id: .number(JSONNumber(index + 2)))
            #expect(response.errorCode == -32602, "\(method)")
            #expect(response["error"]?["message"]?.stringValue?.contains("conv_missing") == true, "\(method)")
        }
        try harness.finish()
        #expect(harness.upstream.requests.filter { $0.method == "POST" }.isEmpty)
    }

    @Test func storeFalseKeepsNothingAndSaysSo() throws {
        let home = DataHome()
        defer { home.remove() }
        let harness = try Harness(environment: home.environment, responses: [.chatCompletion("plain")])
        _ = try harness.daemon.call("initialize", ["config": ["store": false]], id: 1)
        let (refused, _) = try harness.daemon.call("chat.complete", chatParams(extra: ["conversation_id": "new"]), id: 2)
        #expect(refused.errorCode == -32008)
        #expect(refused["error"]?["data"]?["reason"] == "disabled")
        #expect(try harness.daemon.call("conversations.list", [:], id: 3).response["error"]?["data"]?["reason"] == "disabled")
        #expect(try harness.daemon.call("chat.complete", chatParams(), id: 4).response.answer == "plain")
        try harness.finish()
        #expect(!FileManager.default.fileExists(atPath: home.storePath))
    }

    @Test func withoutSQLiteTheConversationMethodsNameTheLibraryAndTheRestWorks() throws {
        let home = DataHome()
        defer { home.remove() }
        let folder = try MissingLibcurlTests.fakeLibraryFolder("libsqlite3.so.0")
        defer { try? FileManager.default.removeItem(at: folder) }
        var environment = home.environment
        environment["LD_LIBRARY_PATH"] = folder.path
        let harness = try Harness(environment: environment, responses: [.chatCompletion("still here")])
        let (failed, _) = try harness.daemon.call("conversations.list", [:], id: 1)
        #expect(failed.errorCode == -32008)
        #expect(failed["error"]?["data"]?["reason"] == "library_missing")
        let message = failed["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("libsqlite3.so.0") && message.contains("sqlite3_"), "\(message)")
        #expect(try harness.daemon.call("chat.complete", chatParams(), id: 2).response.answer == "still here")
        try harness.finish()
    }

    @Test func aFileThatIsNotAStoreIsAClearErrorAndLeftUntouched() throws {
        let home = DataHome()
        defer { home.remove() }
        try FileManager.default.createDirectory(atPath: (home.storePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let contents = Data("notes, not a database\n".utf8) + Data(repeating: 1, count: 4096)
        try contents.write(to: URL(fileURLWithPath: home.storePath))
        let harness = try Harness(environment: home.environment, responses: [.chatCompletion("unused")])
        let (failed, _) = try harness.daemon.call("chat.complete", chatParams(extra: ["conversation_id": "new"]))
        #expect(failed.errorCode == -32008)
        #expect(failed["error"]?["data"]?["reason"] == "unusable_file")
        #expect(failed["error"]?["message"]?.stringValue?.contains(home.storePath) == true)
        #expect(try harness.daemon.call("conversations.list", [:], id: 2).response.errorCode == -32008)
        try harness.finish()
        #expect(try Data(contentsOf: URL(fileURLWithPath: home.storePath)) == contents)
        #expect(harness.upstream.requests.filter { $0.method == "POST" }.isEmpty)
    }

    @Test func aStoreThatCannotBeWrittenStillAnswersWithStoreError() throws {
        let home = DataHome()
        defer { home.remove() }
        let harness = try Harness(environment: home.environment, responses: [.chatCompletion("first"), .chatCompletion("second")])
        let id = try #require(try harness.daemon.call("chat.complete", chatParams(extra: ["conversation_id": "new"])).response["result"]?["conversation_id"])
        // Every write now fails, as on a full disk: another program adds a trigger that refuses them.
        try python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"create trigger full before insert on messages begin select raise(fail, 'database or disk is full'); end\"); c.commit()",
                   home.storePath)
        let (response, _) = try harness.daemon.call("chat.complete", chatParams("again", extra: ["conversation_id": id]), id: 2)
        #expect(response.answer == "second")
        #expect(response["result"]?["conversation_id"] == id)
        #expect(response["result"]?["store_error"]?.stringValue?.contains("disk is full") == true)
        let log = (try? String(contentsOf: harness.logFile, encoding: .utf8)) ?? ""
        #expect(log.contains("not stored"))
        #expect(try harness.daemon.call("conversations.get", ["id": id], id: 3).response["result"]?["message_count"] == 2)
        try harness.finish()
    }

    @Test func aChangeByAnotherDaemonIsAnnouncedWhenTheStoreIsNextUsed() throws {
        let home = DataHome()
        defer { home.remove() }
        let watcher = try Harness(environment: home.environment, responses: [])
        #expect(try watcher.daemon.call("conversations.list", [:], id: 1).response["result"]?["conversations"] == [])
        let writer = try Harness(environment: home.environment, responses: [.chatCompletion("hi")])
        let id = try #require(try writer.daemon.call("chat.complete", chatParams(extra: ["conversation_id": "new"])).response["result"]?["conversation_id"])
        try writer.finish()
        let (listed, before) = try watcher.daemon.call("conversations.list", [:], id: 2)
        #expect(before.map { $0["method"] } == ["conversations.changed"])
        #expect(before.first?["params"] == ["id": id])
        #expect(listed["result"]?["conversations"]?.arrayValue?.count == 1)
        #expect(try watcher.daemon.call("conversations.list", [:], id: 3).before.isEmpty, "announced once")
        try watcher.finish()
    }

    /// Runs Python's sqlite3 on the store: another program writing the same file.
    private func python(_ code: String, _ path: String) throws {
        let outcome = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-c", code, path],
                                           environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"], timeout: 60)
        try #require(outcome.succeeded, "python3 failed: \(outcome.output)")
    }
}
}
