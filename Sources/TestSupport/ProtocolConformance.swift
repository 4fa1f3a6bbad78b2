public import JSONRPC

/// Checks messages the daemon wrote against `protocol/switchboard.openrpc.json`: a result
/// against its method's result schema, an error's code against `components.errors` and its
/// `data` against that error's data schema, a notification's params against `x-notifications`, a
/// request of the daemon's own (`tool.approve`, `tool.execute`) against `x-client-requests`.
public struct ProtocolConformance: Sendable {
    /// What the document specifies that this build of the daemon does not serve yet: the agent
    /// loop's methods and notification (issue 18). The tests comparing the document with the
    /// daemon's capabilities leave these out; the set empties as the daemon serves them.
    public static let specifiedNotServed: Set<String> = []

    private let document: JSONValue
    private let validator: SchemaValidator

    public init(document: JSONValue) {
        self.document = document
        validator = SchemaValidator(root: document)
    }

    /// The problems with one message (empty when it conforms).
    /// - Parameter method: the method of the request this message answers, when it is a response.
    public func problems(in message: JSONValue, answering method: String?) -> [String] {
        if let name = message["method"]?.stringValue, message["id"] != nil {
            guard let schema = document["x-client-requests"]?[name]?["params"] else { return ["undocumented request \(name)"] }
            return validator.validate(message["params"] ?? .null, against: schema).map { "\(name) params: \($0)" }
        }
        if let name = message["method"]?.stringValue {
            guard let schema = document["x-notifications"]?[name]?["params"] else { return ["undocumented notification \(name)"] }
            return validator.validate(message["params"] ?? .null, against: schema).map { "\(name) params: \($0)" }
        }
        if let error = message["error"] {
            let code = error["code"]?.intValue
            let entry = (document["components"]?["errors"]?.objectValue ?? JSONObject()).first { $0.value["code"]?.intValue == code }
            guard let entry else { return ["undocumented error code \(code.map(String.init) ?? "?")"] }
            guard let data = error["data"], let schema = entry.value["data"] else { return [] }
            return validator.validate(data, against: schema).map { "error \(entry.key) data: \($0)" }
        }
        guard let method, let result = message["result"] else { return [] }
        let entry = document["methods"]?.arrayValue?.first { $0["name"]?.stringValue == method }
        guard let schema = entry?["result"]?["schema"] else { return ["undocumented method \(method)"] }
        return validator.validate(result, against: schema).map { "\(method) result: \($0)" }
    }
}
