import Foundation
import JSONRPC
import Store
import Testing

/// The store on a real SQLite file: creation, migrations, refusal of files that are not ours,
/// appends, listing, forks, renames, deletes, and changes seen from another connection.
@Suite struct ConversationStoreTests {
    @Test func aNewStoreIsPrivateMigratedAndKeepsWhatIsAppended() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        let store = try folder.open()
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let summary = try store.append([user("What is a monad?\nexplain"), assistant("A monoid.")], to: "c1", create: true, model: "m1")
        #expect(summary.title == "What is a monad?")
        #expect(summary.messageCount == 2)
        #expect(summary.model == "m1")
        try store.append([user("And in plain words?"), assistant("A pattern.")], to: "c1", model: "m2")
        let conversation = try store.conversation("c1")
        #expect(conversation.messages.map { $0.message["content"]?.stringValue } == ["What is a monad?\nexplain", "A monoid.", "And in plain words?", "A pattern."])
        #expect(conversation.summary.model == "m2")
        // Reopened: the schema is not applied twice and the data is there.
        #expect(try folder.open().conversation("c1").messages.count == 4)
        #expect(throws: StoreError.self) { try store.conversation("nope") }
        #expect((try? store.conversation("nope")) == nil)
    }

    @Test func fileThatIsNotOursIsRefusedAndLeftUntouched() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: (folder.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let garbage = Data("this is not a database, just some text that happens to be here\n".utf8) + Data(repeating: 7, count: 5000)
        try garbage.write(to: URL(fileURLWithPath: folder.path))
        let error = try #require(throws: StoreError.self) { try folder.open() }
        #expect(error.kind == .unusableFile)
        #expect(error.message.contains(folder.path))
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.path)) == garbage)
    }

    @Test func anotherProgramsDatabaseIsRefusedUntouched() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: (folder.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table notes(x)'); c.commit()", folder.path)
        let before = try Data(contentsOf: URL(fileURLWithPath: folder.path))
        let error = try #require(throws: StoreError.self) { try folder.open() }
        #expect(error.kind == .unusableFile)
        #expect(error.message.contains("not a Switchboard conversation store"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.path)) == before)
    }

    @Test func aConversationBelongsToTheFolderOfTheFirstEditorSessionThatWroteToIt() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        let store = try folder.open()
        try store.append([user("from a chat buffer")], to: "chat", create: true)
        try store.append([user("from Zed")], to: "zed", create: true, cwd: "/work/a")
        try store.append([user("elsewhere")], to: "other", create: true, cwd: "/work/b")
        // A later session in another folder does not move it; a chat's conversation taken up by a session joins its folder.
        try store.append([assistant("more")], to: "zed", cwd: "/work/b")
        #expect(try store.conversation("zed").summary.cwd == "/work/a")
        #expect(try store.list(limit: 10).map(\.id) == ["zed", "other", "chat"])
        #expect(try store.list(limit: 10, folders: .sessions).map(\.id) == ["zed", "other"])
        #expect(try store.list(limit: 10, folders: .folder("/work/a")).map(\.id) == ["zed"])
        #expect(try store.list(limit: 10, before: "zed", folders: .folder("/work/b")).map(\.id) == ["other"])
        try store.append([assistant("taken up")], to: "chat", cwd: "/work/a")
        #expect(try store.list(limit: 10, folders: .folder("/work/a")).map(\.id) == ["chat", "zed"])
        #expect(try store.fork("zed", newID: "zed2").cwd == "/work/a")
        // Search reads the columns after the summary's.
        let hit = try #require(try store.search("elsewhere", limit: 5).first)
        #expect((hit.conversation.id, hit.position, hit.role) == ("other", 0, "user"))
    }

    @Test func aVersion1StoreIsMigratedKeepingItsConversations() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: (folder.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try python("""
            import sqlite3,sys; c=sqlite3.connect(sys.argv[1])
            c.execute("create table conversations (id text primary key, title text not null, created_at integer not null, updated_at integer not null, model text, message_count integer not null default 0, forked_from text)")
            c.execute("create table messages (conversation_id text not null, position integer not null, role text not null, message text not null, text text not null, status text, created_at integer not null, unique (conversation_id, position))")
            c.execute("create table changes (seq integer primary key autoincrement, conversation_id text not null, origin text not null)")
            c.execute("insert into conversations values ('old', 'Old', 1, 1, 'm', 1, null)")
            c.execute("insert into messages values ('old', 0, 'user', '{\\"role\\":\\"user\\",\\"content\\":\\"hi\\"}', 'hi', null, 1)")
            c.execute('pragma application_id = 1398227524'); c.execute('pragma user_version = 1'); c.commit()
            """, folder.path)
        let store = try folder.open()
        #expect(try store.conversation("old").messages.map { $0.message["content"] } == ["hi"])
        #expect(try store.conversation("old").summary.cwd == nil)
        try store.append([assistant("hello")], to: "old", cwd: "/work/a")
        #expect(try store.list(limit: 5, folders: .folder("/work/a")).map(\.id) == ["old"])
    }

    @Test func aStoreFromANewerSchemaIsRefused() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        _ = try folder.open()
        try python("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('pragma user_version = 99'); c.commit()", folder.path)
        let error = try #require(throws: StoreError.self) { try folder.open() }
        #expect(error.message.contains("newer Switchboard"))
    }

    @Test func twoConnectionsAppendingToOneConversationLoseNothing() async throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        let first = try folder.open()
        let second = try folder.open()
        try first.append([user("start")], to: "shared", create: true)
        let rounds = 200
        await withTaskGroup(of: Void.self) { group in
            for (name, store) in [("a", first), ("b", second)] {
                group.addTask {
                    for index in 0..<rounds { _ = try? store.append([user("\(name)\(index)")], to: "shared") }
                }
            }
        }
        let messages = try first.conversation("shared").messages.compactMap { $0.message["content"]?.stringValue }
        #expect(messages.count == 1 + 2 * rounds)
        #expect(Set(messages).count == messages.count)
        #expect(try first.list(limit: 10).first?.messageCount == 1 + 2 * rounds)
        // Each connection's own order is kept.
        #expect(messages.filter { $0.hasPrefix("a") } == (0..<rounds).map { "a\($0)" })
    }

    @Test func listPagesMostRecentFirst() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        let store = try folder.open()
        for index in 0..<5 { try store.append([user("q\(index)")], to: "c\(index)", create: true) }
        try store.append([assistant("later")], to: "c1")
        let all = try store.list(limit: 10).map(\.id)
        #expect(all.first == "c1")
        #expect(Set(all) == ["c0", "c1", "c2", "c3", "c4"])
        let firstPage = try store.list(limit: 2)
        let secondPage = try store.list(limit: 10, before: firstPage.last?.id)
        #expect((firstPage + secondPage).map(\.id) == all)
        #expect(throws: StoreError.self) { try store.list(limit: 2, before: "gone") }
    }

    @Test func forkCopiesThePrefixAndLeavesTheOriginal() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        let store = try folder.open()
        try store.append([user("one"), assistant("two"), user("three"), assistant("four")], to: "c", create: true)
        let fork = try store.fork("c", at: 2, newID: "f")
        #expect(fork.messageCount == 2)
        #expect(fork.forkedFrom == "c")
        try store.append([user("other")], to: "f")
        #expect(try store.conversation("f").messages.map { $0.message["content"]?.stringValue } == ["one", "two", "other"])
        #expect(try store.conversation("c").messages.count == 4)
        #expect(try store.fork("c", newID: "g").messageCount == 4)
        let error = try #require(throws: StoreError.self) { try store.fork("c", at: 9, newID: "h") }
        #expect(error.kind == .outOfRange)
    }

    @Test func renameAndDelete() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        let store = try folder.open()
        try store.append([user("hello there")], to: "c", create: true)
        #expect(try store.rename("c", title: "Greetings").title == "Greetings")
        try store.delete("c")
        #expect(try store.list(limit: 10).isEmpty)
        #expect(try store.search("hello", limit: 10).isEmpty, "the index forgets deleted messages")
        #expect((try? store.delete("c")) == nil)
    }

    @Test func changesByAnotherConnectionAreReportedOnceAndOwnChangesNever() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        let mine = try folder.open()
        let theirs = try folder.open()
        try mine.append([user("mine")], to: "m", create: true)
        #expect(try mine.changedElsewhere() == [])
        try theirs.append([user("theirs")], to: "t", create: true)
        try theirs.append([user("again")], to: "t")
        try theirs.rename("m", title: "renamed")
        #expect(try mine.changedElsewhere() == ["t", "m"])
        #expect(try mine.changedElsewhere() == [])
        #expect(try theirs.changedElsewhere() == ["m"], "made after the other connection opened")
        #expect(try theirs.changedElsewhere() == [])
    }

    @Test func aLockHeldTooLongByAnotherProcessIsABoundedWaitThenBusy() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        try folder.open().append([user("first")], to: "c", create: true)
        let store = try ConversationStore(path: folder.path, busyTimeout: 0.3)
        let holder = Process()
        let output = Pipe()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('begin immediate'); print('locked', flush=True); time.sleep(3)
            """, folder.path]
        holder.standardOutput = output
        try holder.run()
        defer { holder.terminate(); holder.waitUntilExit() }
        #expect(String(decoding: output.fileHandleForReading.availableData, as: UTF8.self).hasPrefix("locked"))
        let started = Date()
        let error = try #require(throws: StoreError.self) { try store.append([user("second")], to: "c") }
        let waited = Date().timeIntervalSince(started)
        #expect(error.kind == .busy)
        #expect(waited >= 0.25 && waited < 2, "waited \(waited) s")
        #expect(try store.conversation("c").messages.count == 1, "reads go on while another process writes (WAL)")
    }

    /// Runs a Python snippet with the store's path (Python's sqlite3 module stands in for
    /// another program that writes SQLite files).
    private func python(_ code: String, _ path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", code, path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
