public import JSONRPC

/// One object rebuilt from the fragments a stream sends of it: a chat message from its deltas,
/// a text completion's choice from its chunks. The rules make the result equal to the object a
/// non-streamed answer holds, for fields the daemon knows and for fields it has never heard of:
///
/// - Strings are concatenated. Identifiers (`MergedObject.replacedKeys`: `id`, `type`, `role`,
///   `finish_reason`, …) are replaced instead, the last non-empty value winning; a `name` is
///   appended unless a fragment repeats the whole name so far (servers that send a tool call's
///   name in every fragment).
/// - Numbers and booleans: the last value wins.
/// - Objects are merged key by key by the same rules (`audio`: `data` and `transcript`
///   concatenated, `id` and `expires_at` kept).
/// - Arrays are appended (`annotations`, logprobs' `content`), except `tool_calls` and arrays of
///   objects that all carry an integer `index`: each element is merged into the element with its
///   index (its position when it has none), in first-seen order, and `index` is left out of the
///   result.
/// - `null` never overwrites a value; a key only ever sent as `null` is `null` in the result.
/// - Text stays text: once a field holds text, a value of another kind (from a misbehaving
///   server) does not replace it; otherwise a value of another kind replaces the field's value.
///
/// Keys keep the order they first arrived in. Text grows in place (amortised doubling), so a long
/// answer is never copied whole per fragment.
public struct MergedObject: Sendable {
    /// String fields that identify rather than accumulate.
    public static let replacedKeys: Set<String> = [
        "id", "type", "role", "object", "model", "finish_reason", "status", "system_fingerprint", "format",
    ]

    private var keys: [String] = []
    private var fields: [String: Field] = [:]

    public init() {}

    /// True when no fragment has set anything.
    public var isEmpty: Bool { keys.isEmpty }

    /// Merges one fragment's members.
    public mutating func merge(_ fragment: JSONObject) {
        for (key, value) in fragment { merge(key, value) }
    }

    /// Merges one member.
    public mutating func merge(_ key: String, _ value: JSONValue) {
        guard let position = fields.index(forKey: key) else {
            keys.append(key)
            var field = Field.null
            field.merge(value, key: key)
            fields[key] = field
            return
        }
        fields.values[position].merge(value, key: key)  // in place: its text stays uniquely held
    }

    /// The value assembled for `key`, if one arrived.
    public subscript(key: String) -> JSONValue? { fields[key]?.json }

    /// The object assembled so far.
    public var json: JSONObject {
        JSONObject(keys.map { ($0, fields[$0]?.json ?? .null) })
    }

    fileprivate enum Field: Sendable {
        case null
        case scalar(JSONValue)
        case text(String)
        case object(MergedObject)
        case list([JSONValue])
        case indexed(elements: [MergedObject], positions: [Int: Int])

        // Each case that grows moves its payload out of `self` first (`self = .null`), so that
        // the payload is uniquely referenced and is extended in place rather than copied.
        mutating func merge(_ value: JSONValue, key: String) {
            // Text stays text: a stray value of another kind does not wipe what arrived.
            if case .text = self, value.stringValue == nil { return }
            switch value {
            case .null:
                return
            case .string(let piece) where !MergedObject.replacedKeys.contains(key):
                guard case .text(var text) = self else { return self = .text(piece) }
                self = .null
                if !(key == "name" && text == piece) { text.append(piece) }
                self = .text(text)
            case .string(let piece):
                if piece.isEmpty, case .scalar(.string(let kept)) = self, !kept.isEmpty { return }
                self = .scalar(value)
            case .object(let members):
                var merged = MergedObject()
                if case .object(let existing) = self {
                    merged = existing
                    self = .null
                }
                merged.merge(members)
                self = .object(merged)
            case .array(let items) where key == "tool_calls" || Self.isIndexed(items):
                var (elements, positions) = ([MergedObject](), [Int: Int]())
                if case .indexed(let existingElements, let existingPositions) = self {
                    (elements, positions) = (existingElements, existingPositions)
                    self = .null
                }
                for (offset, item) in items.enumerated() {
                    guard let object = item.objectValue else { continue }
                    let index = object["index"]?.intValue ?? offset
                    if positions[index] == nil {
                        positions[index] = elements.count
                        elements.append(MergedObject())
                    }
                    for (member, memberValue) in object where member != "index" { elements[positions[index]!].merge(member, memberValue) }
                }
                self = .indexed(elements: elements, positions: positions)
            case .array(let items):
                guard case .list(var list) = self else { return self = .list(items) }
                self = .null
                list.append(contentsOf: items)
                self = .list(list)
            case .bool, .number:
                self = .scalar(value)
            }
        }

        /// Objects that each carry an integer `index`: fragments of elements to merge by it.
        static func isIndexed(_ items: [JSONValue]) -> Bool {
            !items.isEmpty && items.allSatisfy { $0["index"]?.intValue != nil }
        }

        var json: JSONValue {
            switch self {
            case .null: .null
            case .scalar(let value): value
            case .text(let text): .string(text)
            case .object(let object): .object(object.json)
            case .list(let items): .array(items)
            case .indexed(let elements, _): .array(elements.map { .object($0.json) })
            }
        }
    }
}
