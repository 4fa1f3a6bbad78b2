public import JSONRPC

/// Checks JSON values against JSON Schema (draft 7) schemas, for tests.
///
/// It implements the subset that `protocol/switchboard.openrpc.json` uses: `type` (a name or a list
/// of names, `integer` included), `properties`, `required`, `additionalProperties` (a boolean or a
/// schema), `items` (a schema, or a list for tuples), `minItems`, `maxItems`, `enum`, `const`,
/// `oneOf`, `anyOf`, `allOf`, `not`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`,
/// `minLength`, `maxLength`, boolean schemas, and `$ref` to a JSON pointer into the root document
/// (`#/components/schemas/X`). Other keywords (`description`, `default`, `title`, `format`,
/// `pattern`, ...) are ignored, as draft 7 ignores unknown ones; as in draft 7, a schema with `$ref`
/// is that reference alone. Numbers compare by value (`1` equals `1.0`) and a number is an
/// `integer` when its value is integral.
public struct SchemaValidator: Sendable {
    /// The document `$ref`s are resolved against.
    public let root: JSONValue

    /// How deeply schemas may nest (through `$ref`s and combinators) before validation stops, so a
    /// reference cycle cannot recurse forever.
    public static let maxDepth = 256

    public init(root: JSONValue) {
        self.root = root
    }

    /// The problems that keep `value` from matching `schema`, empty when it matches. Each names the
    /// JSON path of the offending part, e.g. `$.choices[0].message: missing required property "role"`.
    public func validate(_ value: JSONValue, against schema: JSONValue) -> [String] {
        var problems: [String] = []
        check(value, schema, path: "$", depth: 0, problems: &problems)
        return problems
    }

    /// The value a `$ref` such as `#/components/schemas/Config` points at in `root`, or nil.
    public func resolve(_ reference: String) -> JSONValue? {
        guard reference.first == "#" else { return nil }
        let pointer = reference.dropFirst()
        if pointer.isEmpty { return root }
        guard pointer.first == "/" else { return nil }
        var current = root
        for rawToken in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let token = Self.decodePointerToken(rawToken) else { return nil }
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let array):
                guard let index = Int(token), array.indices.contains(index) else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }

    // MARK: - Checking

    private func check(_ value: JSONValue, _ schema: JSONValue, path: String, depth: Int, problems: inout [String]) {
        guard depth < Self.maxDepth else {
            problems.append("\(path): schema nesting deeper than \(Self.maxDepth) (a $ref cycle?)")
            return
        }
        let keywords: JSONObject
        switch schema {
        case .bool(true):
            return
        case .bool(false):
            problems.append("\(path): no value is allowed here")
            return
        case .object(let object):
            keywords = object
        default:
            problems.append("\(path): the schema is \(schema.typeName), not an object or a boolean")
            return
        }

        if let reference = keywords["$ref"] {
            guard let text = reference.stringValue, let target = resolve(text) else {
                problems.append("\(path): cannot resolve $ref \(reference.jsonText)")
                return
            }
            check(value, target, path: path, depth: depth + 1, problems: &problems)
            return
        }

        if let type = keywords["type"] {
            checkType(value, type, path: path, problems: &problems)
        }
        if let allowed = keywords["enum"]?.arrayValue, !allowed.contains(where: { Self.equal($0, value) }) {
            let list = allowed.map(\.jsonText).joined(separator: ", ")
            problems.append("\(path): \(Self.shortText(value)) is not one of [\(list)]")
        }
        if let constant = keywords["const"], !Self.equal(constant, value) {
            problems.append("\(path): \(Self.shortText(value)) is not \(constant.jsonText)")
        }

        switch value {
        case .object(let object):
            checkObject(object, keywords, path: path, depth: depth, problems: &problems)
        case .array(let array):
            checkArray(array, keywords, path: path, depth: depth, problems: &problems)
        case .number(let number):
            checkNumber(number, keywords, path: path, problems: &problems)
        case .string(let string):
            checkString(string, keywords, path: path, problems: &problems)
        case .null, .bool:
            break
        }

        checkCombinators(value, keywords, path: path, depth: depth, problems: &problems)
    }

    private func checkType(_ value: JSONValue, _ type: JSONValue, path: String, problems: inout [String]) {
        let names: [String]
        switch type {
        case .string(let name): names = [name]
        case .array(let list): names = list.compactMap(\.stringValue)
        default: return
        }
        guard !names.contains(where: { Self.hasType(value, $0) }) else { return }
        let expected = names.count == 1 ? names[0] : "one of " + names.joined(separator: ", ")
        problems.append("\(path): expected \(expected), got \(value.typeName)")
    }

    private func checkObject(
        _ object: JSONObject, _ keywords: JSONObject, path: String, depth: Int, problems: inout [String]
    ) {
        if let required = keywords["required"]?.arrayValue {
            for name in required.compactMap(\.stringValue) where object[name] == nil {
                problems.append("\(path): missing required property \(JSONValue.string(name).jsonText)")
            }
        }
        let properties = keywords["properties"]?.objectValue ?? JSONObject()
        let additional = keywords["additionalProperties"]
        for (key, member) in object {
            let memberPath = Self.memberPath(path, key)
            if let propertySchema = properties[key] {
                check(member, propertySchema, path: memberPath, depth: depth + 1, problems: &problems)
            } else if let additional {
                if additional == .bool(false) {
                    problems.append("\(memberPath): property not allowed here")
                } else {
                    check(member, additional, path: memberPath, depth: depth + 1, problems: &problems)
                }
            }
        }
    }

    private func checkArray(
        _ array: [JSONValue], _ keywords: JSONObject, path: String, depth: Int, problems: inout [String]
    ) {
        if let minimum = keywords["minItems"]?.intValue, array.count < minimum {
            problems.append("\(path): \(array.count) items, fewer than minItems \(minimum)")
        }
        if let maximum = keywords["maxItems"]?.intValue, array.count > maximum {
            problems.append("\(path): \(array.count) items, more than maxItems \(maximum)")
        }
        switch keywords["items"] {
        case .array(let tuple)?:
            for (index, element) in array.enumerated() where index < tuple.count {
                check(element, tuple[index], path: "\(path)[\(index)]", depth: depth + 1, problems: &problems)
            }
        case let itemSchema?:
            for (index, element) in array.enumerated() {
                check(element, itemSchema, path: "\(path)[\(index)]", depth: depth + 1, problems: &problems)
            }
        case nil:
            break
        }
    }

    private func checkNumber(_ value: JSONNumber, _ keywords: JSONObject, path: String, problems: inout [String]) {
        let number = value.doubleValue
        let text = value.literal
        if let minimum = keywords["minimum"]?.doubleValue, number < minimum {
            problems.append("\(path): \(text) is less than the minimum \(Self.bound(keywords["minimum"]))")
        }
        if let maximum = keywords["maximum"]?.doubleValue, number > maximum {
            problems.append("\(path): \(text) is greater than the maximum \(Self.bound(keywords["maximum"]))")
        }
        if let minimum = keywords["exclusiveMinimum"]?.doubleValue, number <= minimum {
            problems.append("\(path): \(text) is not greater than \(Self.bound(keywords["exclusiveMinimum"]))")
        }
        if let maximum = keywords["exclusiveMaximum"]?.doubleValue, number >= maximum {
            problems.append("\(path): \(text) is not less than \(Self.bound(keywords["exclusiveMaximum"]))")
        }
    }

    private func checkString(_ string: String, _ keywords: JSONObject, path: String, problems: inout [String]) {
        // JSON Schema counts code points.
        let length = string.unicodeScalars.count
        if let minimum = keywords["minLength"]?.intValue, length < minimum {
            problems.append("\(path): \(length) characters, fewer than minLength \(minimum)")
        }
        if let maximum = keywords["maxLength"]?.intValue, length > maximum {
            problems.append("\(path): \(length) characters, more than maxLength \(maximum)")
        }
    }

    private func checkCombinators(
        _ value: JSONValue, _ keywords: JSONObject, path: String, depth: Int, problems: inout [String]
    ) {
        if let schemas = keywords["allOf"]?.arrayValue {
            for schema in schemas {
                check(value, schema, path: path, depth: depth + 1, problems: &problems)
            }
        }
        if let schemas = keywords["anyOf"]?.arrayValue {
            let outcomes = schemas.map { branchProblems(value, $0, path: path, depth: depth) }
            if !outcomes.contains(where: \.isEmpty) {
                problems.append("\(path): matches none of the anyOf schemas (\(Self.summary(outcomes)))")
            }
        }
        if let schemas = keywords["oneOf"]?.arrayValue {
            let outcomes = schemas.map { branchProblems(value, $0, path: path, depth: depth) }
            let matching = outcomes.indices.filter { outcomes[$0].isEmpty }
            if matching.isEmpty {
                problems.append("\(path): matches none of the oneOf schemas (\(Self.summary(outcomes)))")
            } else if matching.count > 1 {
                let list = matching.map { String($0 + 1) }.joined(separator: ", ")
                problems.append("\(path): matches oneOf schemas \(list), but must match exactly one")
            }
        }
        if let schema = keywords["not"], branchProblems(value, schema, path: path, depth: depth).isEmpty {
            problems.append("\(path): \(Self.shortText(value)) matches a schema it must not (not)")
        }
    }

    private func branchProblems(_ value: JSONValue, _ schema: JSONValue, path: String, depth: Int) -> [String] {
        var problems: [String] = []
        check(value, schema, path: path, depth: depth + 1, problems: &problems)
        return problems
    }

    // MARK: - Helpers

    private static func hasType(_ value: JSONValue, _ name: String) -> Bool {
        switch (name, value) {
        case ("null", .null), ("boolean", .bool), ("object", .object), ("array", .array),
             ("string", .string), ("number", .number):
            return true
        case ("integer", .number(let number)):
            return isIntegral(number)
        default:
            return false
        }
    }

    private static func isIntegral(_ number: JSONNumber) -> Bool {
        if !number.literal.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return true }
        let double = number.doubleValue
        return double.isFinite && double == double.rounded()
    }

    /// JSON equality as JSON Schema defines it: numbers by value, objects ignoring key order.
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)):
            if a.literal == b.literal { return true }
            if let x = Int(a.literal), let y = Int(b.literal) { return x == y }
            return a.doubleValue == b.doubleValue
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            return a.allSatisfy { key, value in b[key].map { equal(value, $0) } ?? false }
        default:
            return lhs == rhs
        }
    }

    private static func decodePointerToken(_ token: Substring) -> String? {
        // A URI fragment: percent-decode, then undo the JSON pointer escapes (~1 is "/", ~0 is "~").
        var bytes: [UInt8] = []
        var utf8 = token.utf8[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard let high = utf8.popFirst().flatMap(hexValue), let low = utf8.popFirst().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return text.replacing("~1", with: "/").replacing("~0", with: "~")
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `$.a`, or `$["x-y"]` when the key is not a plain identifier.
    private static func memberPath(_ path: String, _ key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy { scalar in
            scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || ("0"..."9").contains(scalar)
        } && !("0"..."9").contains(key.unicodeScalars.first!)
        return plain ? "\(path).\(key)" : "\(path)[\(JSONValue.string(key).jsonText)]"
    }

    /// The value's JSON text, shortened for messages.
    private static func shortText(_ value: JSONValue) -> String {
        let text = value.jsonText
        return text.count <= 60 ? text : String(text.prefix(57)) + "..."
    }

    private static func bound(_ value: JSONValue?) -> String {
        value?.jsonText ?? "?"
    }

    /// Each branch's first problem, so a failed anyOf/oneOf says why each alternative did not fit.
    private static func summary(_ outcomes: [[String]]) -> String {
        outcomes.enumerated().map { index, problems in
            "\(index + 1): \(problems.first ?? "matches")"
        }.joined(separator: "; ")
    }
}
