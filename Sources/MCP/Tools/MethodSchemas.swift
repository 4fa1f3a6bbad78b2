import JSONRPC
import Server

/// The tools' JSON Schemas, derived at run time from the OpenRPC document built into the binary
/// (protocol/switchboard.openrpc.json): one source of truth for what each method takes and gives.
///
/// A method's `x-params-schema` (or result schema) is taken as it is, adapted by the tool
/// (`ObjectSchema`), then made self-contained: every `#/components/schemas/X` reference becomes
/// `#/$defs/X` and X, with whatever it references in turn, is copied into the schema's `$defs`.
struct MethodSchemas: Sendable {
    static let prefix = "#/components/schemas/"
    let document: JSONValue

    init(document: JSONValue = MethodRunner.document) {
        self.document = document
    }

    /// The params schema of `method`, its top-level reference resolved.
    func params(_ method: String) -> ObjectSchema {
        ObjectSchema(resolve(entry(method)?["x-params-schema"]).objectValue ?? ["type": "object"])
    }

    /// The result schema of `method` (usually a reference to a component).
    func result(_ method: String) -> JSONValue {
        entry(method)?["result"]?["schema"] ?? ["type": "object"]
    }

    /// `schema`, or the component it references when it is a reference alone (its `title` dropped).
    func inlined(_ schema: JSONValue) -> JSONValue {
        guard var object = resolve(schema).objectValue else { return schema }
        object["title"] = nil
        return .object(object)
    }

    /// A reference to component `name`, for building schemas out of several.
    func component(_ name: String) -> JSONValue {
        ["$ref": .string(Self.prefix + name)]
    }

    /// `schema` with its component references moved to `$defs`, which it then carries.
    func bundle(_ schema: JSONValue) -> JSONValue {
        var defs = JSONObject()
        var pending = [String]()
        let rewritten = rewrite(schema, found: &pending)
        while let name = pending.popLast() {
            guard defs[name] == nil, let component = document["components"]?["schemas"]?[name] else { continue }
            defs[name] = .null
            defs[name] = rewrite(component, found: &pending)
        }
        guard !defs.isEmpty, var object = rewritten.objectValue else { return rewritten }
        object["$defs"] = .object(JSONObject(defs.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        return .object(object)
    }

    private func entry(_ method: String) -> JSONValue? {
        document["methods"]?.arrayValue?.first { $0["name"]?.stringValue == method }
    }

    /// A `{"$ref": "#/components/schemas/X"}` replaced by X itself (other values unchanged).
    private func resolve(_ value: JSONValue?) -> JSONValue {
        guard let reference = value?["$ref"]?.stringValue, reference.hasPrefix(Self.prefix) else { return value ?? .null }
        return document["components"]?["schemas"]?[String(reference.dropFirst(Self.prefix.count))] ?? .null
    }

    private func rewrite(_ value: JSONValue, found: inout [String]) -> JSONValue {
        switch value {
        case .object(let object):
            var result = JSONObject()
            for (key, member) in object {
                if key == "$ref", let reference = member.stringValue, reference.hasPrefix(Self.prefix) {
                    let name = String(reference.dropFirst(Self.prefix.count))
                    found.append(name)
                    result[key] = .string("#/$defs/" + name)
                } else {
                    result[key] = rewrite(member, found: &found)
                }
            }
            return .object(result)
        case .array(let items):
            return .array(items.map { rewrite($0, found: &found) })
        default:
            return value
        }
    }
}
