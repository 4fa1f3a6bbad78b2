import FoundationEssentials

/// A JSON value, as exchanged with clients and with the upstream API.
///
/// Numbers keep their literal text so that values pass through the daemon unchanged
/// (`1.0` stays `1.0`, a 64-bit seed stays exact), and objects keep their keys' order so that
/// what a client sees reads like what the upstream sent.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON number held as its literal text (already validated against the JSON grammar).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal, e.g. `42`, `-0.5`, `1e3`.
    public let literal: String

    /// Wraps a literal the parser has validated; use the typed initialisers elsewhere.
    init(validatedLiteral: String) { literal = validatedLiteral }

    public init(_ value: Int) { literal = String(value) }

    public init(_ value: Double) {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            literal = String(Int64(value))
        } else if value.isFinite {
            literal = String(value)
        } else {
            literal = "0"
        }
    }

    /// The value as a Double (every JSON number has one, possibly rounded).
    public var doubleValue: Double { Double(literal) ?? 0 }

    /// The value as an Int when it is integral and fits.
    public var intValue: Int? {
        if let exact = Int(literal) { return exact }
        guard let double = Double(literal), double == double.rounded(),
              double >= -9.007_199_254_740_992e15, double <= 9.007_199_254_740_992e15 else { return nil }
        return Int(double)
    }

    public var description: String { literal }
}

/// A JSON object that remembers the order its keys were first set in.
///
/// Stored as an array of entries: most objects on the wire have a handful of keys, which a
/// linear scan finds faster than hashing. Past `indexThreshold` keys a dictionary index is kept
/// too, so hostile inputs with many keys stay linear to build. Equality ignores order, as JSON does.
public struct JSONObject: Sendable, Hashable, Sequence {
    public typealias Entry = (key: String, value: JSONValue)

    static let indexThreshold = 12

    private var entries: [Entry] = []
    private var index: [String: Int]?

    public init() {}

    public init(_ pairs: [(String, JSONValue)]) {
        entries.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// An object of `pairs` whose keys the caller knows to be distinct (messages the daemon
    /// builds, a few keys each): no key is looked for. Debug builds check the keys.
    public init(distinctKeys pairs: [(String, JSONValue)]) {
        assert(Set(pairs.map(\.0)).count == pairs.count, "JSONObject(distinctKeys:) given a repeated key")
        if pairs.count > Self.indexThreshold {
            self.init(pairs)
        } else {
            self.init()
            entries = pairs.map { (key: $0.0, value: $0.1) }
        }
    }

    /// Room for `count` members without growing (the parser reserves a few for every object).
    mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
    }

    /// The keys, in insertion order.
    public var keys: [String] { entries.map(\.key) }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return entries.firstIndex { $0.key == key }
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { entries[$0].value } }
        set {
            switch (position(of: key), newValue) {
            case (let found?, let value?):
                entries[found].value = value
            case (let found?, nil):
                entries.remove(at: found)
                if index != nil { rebuildIndex() }
            case (nil, let value?):
                entries.append((key, value))
                if index != nil {
                    index![key] = entries.count - 1
                } else if entries.count > Self.indexThreshold {
                    rebuildIndex()
                }
            case (nil, nil):
                break
            }
        }
    }

    /// Removes every member whose key is in `keys`, keeping the others' order: one pass over the
    /// members, where removing them one by one would shift the rest (and rebuild the index) each time.
    public mutating func removeValues(forKeys keys: Set<String>) {
        guard !keys.isEmpty else { return }
        entries.removeAll { keys.contains($0.key) }
        if index != nil { rebuildIndex() }
    }

    private mutating func rebuildIndex() {
        var built = [String: Int](minimumCapacity: entries.count)
        for (position, entry) in entries.enumerated() { built[entry.key] = position }
        index = built
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.entries.allSatisfy { rhs[$0.key] == $0.value }
    }

    /// Order-insensitive: the entries' hashes are summed.
    public func hash(into hasher: inout Hasher) {
        var sum = 0
        for entry in entries {
            var entryHasher = Hasher()
            entryHasher.combine(entry.key)
            entryHasher.combine(entry.value)
            sum &+= entryHasher.finalize()
        }
        hasher.combine(count)
        hasher.combine(sum)
    }
}

// MARK: - Accessors

extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        get { if case .object(let object) = self { object[key] } else { nil } }
        set {
            guard case .object(var object) = self else { return }
            object[key] = newValue
            self = .object(object)
        }
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var numberValue: JSONNumber? { if case .number(let n) = self { n } else { nil } }
    public var intValue: Int? { numberValue?.intValue }
    public var doubleValue: Double? { numberValue?.doubleValue }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { o } else { nil } }
    public var isNull: Bool { self == .null }

    /// The JSON type's name, for error messages ("expected a string, got a number").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Builds an object value from pairs, keeping their order.
    public static func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(JSONObject(pairs.map { ($0.key, $0.value) }))
    }

    public static func number(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
    public static func number(_ value: Double) -> JSONValue { .number(JSONNumber(value)) }
}

// MARK: - Literals

// Deliberately not ExpressibleByNilLiteral: `nil` must always mean a missing value, never JSON null.

extension JSONValue: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}

extension JSONValue {
    /// The element at `index` of an array value; nil for other values or out of range.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let array) = self, array.indices.contains(index) else { return nil }
        return array[index]
    }
}
