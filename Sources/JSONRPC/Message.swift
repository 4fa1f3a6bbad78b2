/// A message received from the client, classified per JSON-RPC 2.0.
public enum IncomingMessage: Sendable, Equatable {
    /// A call that expects a response.
    case request(id: RequestID, method: String, params: JSONValue?)
    /// A call without an id: no response is ever sent.
    case notification(method: String, params: JSONValue?)
    /// A response from the client, to a request the daemon sent it (`tool.approve`,
    /// `tool.execute`): its `result`, or its `error` (`{code, message, data?}` as sent).
    case response(id: RequestID?, result: JSONValue?, error: JSONValue?)
    /// Not a valid message; answered with `error` and the id when one could be read.
    case invalid(id: RequestID?, error: ResponseError)

    /// Classifies one (non-batch) JSON value.
    ///
    /// A missing `"jsonrpc"` member is tolerated so that hand-typed shell requests work; any other
    /// value than `"2.0"` is refused. `"params": null`, which some client libraries send, counts as
    /// no params.
    public init(_ value: JSONValue) {
        guard case .object(let object) = value else {
            self = .invalid(id: nil, error: .invalidRequest("a message must be a JSON object, got \(value.typeName)"))
            return
        }
        let rawID = object["id"]
        let id = rawID.flatMap(RequestID.init)
        if let version = object["jsonrpc"], version != "2.0" {
            self = .invalid(id: id, error: .invalidRequest("jsonrpc must be \"2.0\""))
            return
        }
        guard let methodValue = object["method"] else {
            if object["result"] != nil || object["error"] != nil {
                self = .response(id: id, result: object["result"], error: object["error"])
            } else {
                self = .invalid(id: id, error: .invalidRequest("missing method"))
            }
            return
        }
        guard case .string(let method) = methodValue else {
            self = .invalid(id: id, error: .invalidRequest("method must be a string"))
            return
        }
        let params = object["params"].flatMap { $0.isNull ? nil : $0 }
        if let params, params.objectValue == nil, params.arrayValue == nil {
            self = .invalid(id: id, error: .invalidRequest("params must be an object or an array"))
            return
        }
        switch rawID {
        case nil:
            self = .notification(method: method, params: params)
        case .some(let raw) where id == nil:
            self = .invalid(id: nil, error: .invalidRequest("id must be a string or a number, got \(raw.typeName)"))
        default:
            self = .request(id: id!, method: method, params: params)
        }
    }
}

/// Builders for the messages the daemon writes.
public enum OutgoingMessage {
    public static func result(id: RequestID, _ result: JSONValue) -> JSONValue {
        .object(JSONObject(distinctKeys: [("jsonrpc", "2.0"), ("id", id.json), ("result", result)]))
    }

    public static func error(id: RequestID?, _ error: ResponseError) -> JSONValue {
        .object(JSONObject(distinctKeys: [("jsonrpc", "2.0"), ("id", id?.json ?? .null), ("error", error.json)]))
    }

    public static func notification(_ method: String, _ params: JSONValue) -> JSONValue {
        .object(JSONObject(distinctKeys: [("jsonrpc", "2.0"), ("method", .string(method)), ("params", params)]))
    }

    /// A notification encoded without a tree: byte for byte `notification(method, params)
    /// .serialized()`, where `writeParams` appends the params' compact encoding (as `JSONValue
    /// .serialized` writes it). `capacity` is a hint for the whole message's size.
    public static func encodedNotification(_ method: String, capacity: Int, writeParams: (inout [UInt8]) -> Void) -> [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(capacity)
        message.append(contentsOf: #"{"jsonrpc":"2.0","method":"#.utf8)
        JSONValue.string(method).write(into: &message)
        message.append(contentsOf: #","params":"#.utf8)
        writeParams(&message)
        message.append(UInt8(ascii: "}"))
        return message
    }
}
