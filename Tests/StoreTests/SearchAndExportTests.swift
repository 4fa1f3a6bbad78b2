import Foundation
import JSONRPC
@testable import Store
import Testing

/// Full-text search and the two export formats.
@Suite struct SearchAndExportTests {
    @Test func searchFindsEveryWordInAnyOrderAndIgnoresQuerySyntax() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        let store = try folder.open()
        #expect(store.fullTextSearch, "the system SQLite has FTS5")
        try store.append([user("How do I sort a list in Python?"), assistant("Use sorted(items) or items.sort().")], to: "py", create: true)
        try store.append([user("Sorting in Rust"), assistant("Use v.sort_unstable().")], to: "rs", create: true)
        let hits = try store.search("python sort", limit: 10)
        #expect(hits.map(\.conversation.id) == ["py"])
        #expect(hits.first?.position == 0)
        #expect(hits.first?.snippet.contains("[Python]") == true)
        #expect(try store.search("items.sort()", limit: 10).map(\.position) == [1])
        #expect(try store.search("\"unbalanced AND NEAR(", limit: 10).isEmpty)
        #expect(try store.search("   ", limit: 10).isEmpty)
        #expect(try store.search("rust", limit: 10).map(\.conversation.id) == ["rs"])
    }

    @Test func withoutFTS5SearchScansWithLikeAndFindsTheSameMessages() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: (folder.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let store = try ConversationStore(path: folder.path, busyTimeout: 5, fullTextIndex: false)
        #expect(!store.fullTextSearch)
        try store.append([user("How do I sort a list in Python?"), assistant("Use sorted(items) or 100% items.sort().")], to: "py", create: true)
        try store.append([user("Sorting in Rust")], to: "rs", create: true)
        #expect(try store.search("python SORT", limit: 10).map(\.position) == [0])
        #expect(try store.search("sort", limit: 10).map(\.conversation.id) == ["rs", "py", "py"])
        #expect(try store.search("100%", limit: 10).map(\.position) == [1])
        #expect(try store.search("_", limit: 10).isEmpty, "LIKE's wildcards are matched as themselves")
        #expect(try store.search("sort", limit: 10).first?.snippet == "Sorting in Rust")
        #expect(!(try ConversationStore(path: folder.path).fullTextSearch), "a file keeps what it was made with")
    }

    @Test func markdownIsTheEditorsChatFormatWithCancelledAnswersMarked() throws {
        let folder = StoreFolder()
        defer { folder.remove() }
        let store = try folder.open()
        try store.append([
            StoredMessage(["role": "system", "content": "Be brief."]),
            user("Hello"), assistant("Hello! How can I help?"),
            StoredMessage(["role": "user", "content": [["type": "text", "text": "Show it in Python."],
                                                       ["type": "image_url", "image_url": ["url": "shots/screen.png"]]]]),
            StoredMessage(["role": "assistant", "content": "Here:\n```python\nfor i in range(1, 11):\n    pri"], status: .cancelled),
        ], to: "c", create: true)
        let conversation = try store.conversation("c")
        #expect(ConversationExport.markdown(conversation) == """
            ## System
            Be brief.

            ## You
            Hello

            ## Assistant
            Hello! How can I help?

            ## You
            Show it in Python.
            ![image](shots/screen.png)

            ## Assistant
            Here:
            ```python
            for i in range(1, 11):
                pri
            ```
            [cancelled]

            ## You

            """)
        let json = ConversationExport.json(conversation)
        #expect(json["id"] == "c")
        #expect(json["title"] == "Hello")
        #expect(json["messages"]?.arrayValue?.count == 5)
        #expect(json["messages"]?.arrayValue?.last?["status"] == "cancelled")
    }
}
