import Foundation
import JSONRPC
import Store

/// A fresh folder for one test's store, removed by `remove()`.
struct StoreFolder {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-store-\(UUID().uuidString)")
    var path: String { url.appendingPathComponent("nested/conversations.sqlite3").path }

    func open() throws -> ConversationStore { try ConversationStore(path: path) }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

func user(_ text: String) -> StoredMessage { StoredMessage(["role": "user", "content": .string(text)]) }
func assistant(_ text: String) -> StoredMessage { StoredMessage(["role": "assistant", "content": .string(text)]) }
