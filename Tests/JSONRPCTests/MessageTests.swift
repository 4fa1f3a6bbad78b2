import JSONRPC
import Testing

/// `IncomingMessage` classification, `Params` typed access and `OutgoingMessage` shapes.
struct MessageTests {
    static func message(_ text: String) throws -> IncomingMessage {
        IncomingMessage(try JSONParser.parse(text))
    }

    // MARK: - Classification

    @Test(arguments: [
        (#"{"jsonrpc":"2.0","id":1,"method":"models.list"}"#,
         IncomingMessage.request(id: .number(JSONNumber(1)), method: "models.list", params: nil)),
        (#"{"jsonrpc":"2.0","id":"abc","method":"chat.complete","params":{"model":"m"}}"#,
         .request(id: .string("abc"), method: "chat.complete", params: ["model": "m"])),
        (#"{"jsonrpc":"2.0","id":0,"method":"m","params":[1,2]}"#,
         .request(id: .number(JSONNumber(0)), method: "m", params: [1, 2])),
        (#"{"id":2,"method":"config.get"}"#,
         .request(id: .number(JSONNumber(2)), method: "config.get", params: nil)),
        (#"{"jsonrpc":"2.0","id":9,"method":"m","params":null}"#,
         .request(id: .number(JSONNumber(9)), method: "m", params: nil)),
        (#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}"#,
         .notification(method: "$/cancelRequest", params: ["id": 1])),
        (#"{"jsonrpc":"2.0","method":"initialized"}"#,
         .notification(method: "initialized", params: nil)),
        (#"{"jsonrpc":"2.0","id":5,"result":null}"#, .response(id: .number(JSONNumber(5)), result: .null, error: nil)),
        (#"{"jsonrpc":"2.0","id":"x","error":{"code":1,"message":"m"}}"#, .response(id: .string("x"), result: nil, error: ["code": 1, "message": "m"])),
        (#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"m"}}"#, .response(id: nil, result: nil, error: ["code": -32700, "message": "m"])),
    ] as [(String, IncomingMessage)])
    func classifiesValidMessages(text: String, expected: IncomingMessage) throws {
        #expect(try Self.message(text) == expected)
    }

    @Test func requestIDKeepsItsLiteral() throws {
        guard case .request(let id, _, _) = try Self.message(#"{"jsonrpc":"2.0","id":1.0,"method":"m"}"#) else {
            Issue.record("not classified as a request")
            return
        }
        #expect(id.description == "1.0")
        #expect(OutgoingMessage.result(id: id, .null).jsonText == #"{"jsonrpc":"2.0","id":1.0,"result":null}"#)
    }

    @Test(arguments: [
        ("1", "1.0"), ("1", "10e-1"), ("1", "0.1e1"), ("100", "1e2"), ("100", "1E+2"), ("0", "-0.0"),
        ("-12.5", "-125e-1"), ("12345678901234567890", "1.234567890123456789e19"),
    ])
    func numericIDsCompareByValue(left: String, right: String) throws {
        let a = try #require(RequestID(try JSONParser.parse(left)))
        let b = try #require(RequestID(try JSONParser.parse(right)))
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(Set([a, b]).count == 1)
        #expect(b.description == right, "the id keeps its literal for the response")
    }

    @Test(arguments: [("1", "2"), ("1", "\"1\""), ("1", "1.5"), ("12345678901234567890", "12345678901234567891"), ("10", "1")])
    func differentIDsStayDifferent(left: String, right: String) throws {
        let a = try #require(RequestID(try JSONParser.parse(left)))
        let b = try #require(RequestID(try JSONParser.parse(right)))
        #expect(a != b)
    }

    @Test(arguments: [
        ("[1]", nil), ("42", nil), ("\"text\"", nil), ("null", nil),
        (#"{"jsonrpc":"1.0","id":5,"method":"m"}"#, .number(JSONNumber(5))),
        (#"{"jsonrpc":2.0,"id":"a","method":"m"}"#, .string("a")),
        (#"{"jsonrpc":"2.0","id":7}"#, .number(JSONNumber(7))),
        (#"{"jsonrpc":"2.0","id":"q","params":{}}"#, .string("q")),
        (#"{"jsonrpc":"2.0","id":7,"method":3}"#, .number(JSONNumber(7))),
        (#"{"jsonrpc":"2.0","id":8,"method":null}"#, .number(JSONNumber(8))),
        (#"{"jsonrpc":"2.0","id":9,"method":"m","params":"x"}"#, .number(JSONNumber(9))),
        (#"{"jsonrpc":"2.0","id":9,"method":"m","params":5}"#, .number(JSONNumber(9))),
        (#"{"jsonrpc":"2.0","method":"m","params":true}"#, nil),
        (#"{"jsonrpc":"2.0","id":true,"method":"m"}"#, nil),
        (#"{"jsonrpc":"2.0","id":[1],"method":"m"}"#, nil),
        (#"{"jsonrpc":"2.0","id":{"n":1},"method":"m"}"#, nil),
    ] as [(String, RequestID?)])
    func classifiesInvalidMessagesEchoingReadableIDs(text: String, expectedID: RequestID?) throws {
        guard case .invalid(let id, let error) = try Self.message(text) else {
            Issue.record("\(text) was not classified as invalid")
            return
        }
        #expect(id == expectedID)
        #expect(error.code == .invalidRequest)
        #expect(error.json["code"] == -32600)
        #expect(error.message.hasPrefix("invalid request: "))
    }

    // MARK: - Params

    enum Getter: String, CaseIterable, Sendable {
        case string, requireString, bool, int, array, object, strings

        func read(_ params: Params, _ key: String) throws(ResponseError) {
            switch self {
            case .string: _ = try params.string(key)
            case .requireString: _ = try params.requireString(key)
            case .bool: _ = try params.bool(key)
            case .int: _ = try params.int(key)
            case .array: _ = try params.array(key)
            case .object: _ = try params.objectValue(key)
            case .strings: _ = try params.strings(key)
            }
        }
    }

    @Test(arguments: [
        (Getter.string, JSONValue.number(5), "max_tokens"),
        (.requireString, [], "model"),
        (.bool, "yes", "stream"),
        (.int, 1.5, "max_tokens"),
        (.int, "3", "n"),
        (.array, ["k": 1], "messages"),
        (.object, [1], "response_format"),
        (.strings, 5, "images"),
        (.strings, ["a.png", 2], "images.1"),
    ] as [(Getter, JSONValue, String)])
    func wrongTypesAreInvalidParamsNamingTheField(getter: Getter, value: JSONValue, field: String) throws {
        let key = String(field.prefix { $0 != "." })
        let params = try Params(["other": "fine", key: value])
        let error = try #require(throws: ResponseError.self) { try getter.read(params, key) }
        #expect(error.code == .invalidParams)
        #expect(error.data?["field"] == .string(field))
        #expect(error.message.contains(field))
    }

    @Test func typedGettersReturnValuesAndNilForMissingOrNull() throws {
        let params = try Params(["s": "text", "b": true, "i": 3, "a": [1], "o": ["k": "v"], "list": ["x", "y"], "gone": .null])
        #expect(try params.string("s") == "text")
        #expect(try params.requireString("s") == "text")
        #expect(try params.bool("b") == true)
        #expect(try params.int("i") == 3)
        #expect(try params.array("a") == [1])
        #expect(try params.objectValue("o") == ["k": "v"])
        #expect(try params.strings("list") == ["x", "y"])
        #expect(try params.string("missing") == nil)
        #expect(try params.int("gone") == nil)
        #expect(try params.strings("gone") == nil)
    }

    @Test func requiredStringMissingNamesTheField() throws {
        let error = try #require(throws: ResponseError.self) { try Params(nil).requireString("prompt") }
        #expect(error.code == .invalidParams)
        #expect(error.data == ["field": "prompt"])
    }

    @Test(arguments: [nil, JSONValue.null, .object(JSONObject())] as [JSONValue?])
    func absentParamsAreEmpty(value: JSONValue?) throws {
        #expect(try Params(value).object.isEmpty)
    }

    @Test(arguments: [[1, 2], "x", 3] as [JSONValue])
    func positionalOrScalarParamsAreRefused(value: JSONValue) throws {
        let error = try #require(throws: ResponseError.self) { try Params(value) }
        #expect(error.code == .invalidParams)
    }

    // MARK: - Outgoing

    @Test func outgoingMessageShapes() {
        #expect(OutgoingMessage.result(id: .string("r1"), ["ok": true]).jsonText
            == #"{"jsonrpc":"2.0","id":"r1","result":{"ok":true}}"#)
        #expect(OutgoingMessage.error(id: .number(JSONNumber(3)), .methodNotFound("nope")).jsonText
            == #"{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"method not found: nope","data":{"method":"nope"}}}"#)
        #expect(OutgoingMessage.error(id: nil, .invalidRequest("bad")).jsonText
            == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: bad"}}"#)
        #expect(OutgoingMessage.error(id: nil, .parseError("x")).jsonText
            == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error: x"}}"#)
        #expect(OutgoingMessage.notification("chat.delta", ["request_id": 1, "index": 0]).jsonText
            == #"{"jsonrpc":"2.0","method":"chat.delta","params":{"request_id":1,"index":0}}"#)
    }

    @Test(arguments: [
        ("chat.delta", ["request_id": 1, "index": 0, "delta": ["content": "a \"q\" \\ \n é 😀"], "finish_reason": .null]),
        ("odd \"method\"\u{1}", ["a": [1, 2.5, true, .null], "b": [:]]),
        ("x", .array([])),
    ] as [(String, JSONValue)])
    func anEncodedNotificationIsTheSerializedOne(method: String, params: JSONValue) {
        let encoded = OutgoingMessage.encodedNotification(method, capacity: 8) { params.write(into: &$0) }
        #expect(encoded == OutgoingMessage.notification(method, params).serialized())
    }

    @Test func invalidParamsErrorCarriesTheField() {
        #expect(ResponseError.invalidParams(field: "messages.0.content", "must be a string").json
            == ["code": -32602, "message": "invalid params: messages.0.content must be a string", "data": ["field": "messages.0.content"]])
    }
}
