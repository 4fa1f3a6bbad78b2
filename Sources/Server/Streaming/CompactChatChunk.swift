import JSONRPC
import Primitives

/// A chunk of a chat completion stream in its most common shape, read without building a JSON
/// tree (`JSONCursor`): every member a scalar but `choices`, which holds one choice with an
/// `index`, a `delta` of only `content` text, and `finish_reason` and `logprobs` null or absent.
/// Nearly every chunk of an answer has it; the others (the first with its role, tool calls, the
/// finish, usage, errors, anything unusual) are not this shape and take the general path.
struct CompactChatChunk {
    /// The choice's index.
    let index: Int
    /// The delta's text, decoded.
    let content: String

    /// Reads `bytes` as a chunk of this shape; nil for any other. The members other than
    /// `choices` are collected, as they came, into `others` (emptied first): a caller that has
    /// seen the same bytes in a chunk the general path accepted knows what they hold.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, others: inout [UInt8]) -> CompactChatChunk? {
        others.removeAll(keepingCapacity: true)
        var cursor = JSONCursor(bytes)
        var chunk: CompactChatChunk?
        guard cursor.take(UInt8(ascii: "{")) else { return nil }
        repeat {
            guard let key = cursor.plainString(), cursor.take(UInt8(ascii: ":")) else { return nil }
            if key.equals("choices") {
                guard chunk == nil, let choice = readChoices(&cursor) else { return nil }
                chunk = choice
            } else {
                guard let value = cursor.skipScalar() else { return nil }
                others.append(contentsOf: key)
                others.append(UInt8(ascii: ":"))
                others.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[value]))
                others.append(UInt8(ascii: ","))
            }
        } while cursor.take(UInt8(ascii: ","))
        guard cursor.take(UInt8(ascii: "}")), cursor.atEnd() else { return nil }
        return chunk
    }

    /// `[{"index": n, "delta": {"content": "…"}, "finish_reason": null, "logprobs": null}]`,
    /// members in any order.
    private static func readChoices(_ cursor: inout JSONCursor) -> CompactChatChunk? {
        guard cursor.take(UInt8(ascii: "[")), cursor.take(UInt8(ascii: "{")) else { return nil }
        var index = 0
        var content: String?
        repeat {
            guard let key = cursor.plainString(), cursor.take(UInt8(ascii: ":")) else { return nil }
            if key.equals("index") {
                guard let value = cursor.integer() else { return nil }
                index = value
            } else if key.equals("delta") {
                guard cursor.take(UInt8(ascii: "{")), let member = cursor.plainString(), member.equals("content"),
                      cursor.take(UInt8(ascii: ":")), let text = cursor.string(), cursor.take(UInt8(ascii: "}")) else { return nil }
                content = text
            } else if key.equals("finish_reason") || key.equals("logprobs") {
                guard cursor.takeNull() else { return nil }
            } else {
                return nil
            }
        } while cursor.take(UInt8(ascii: ","))
        guard cursor.take(UInt8(ascii: "}")), cursor.take(UInt8(ascii: "]")), let content else { return nil }
        return CompactChatChunk(index: index, content: content)
    }
}
