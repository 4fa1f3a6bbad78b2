import JSONRPC

/// The `usage` of several model turns added up: every number summed, nested objects
/// (`prompt_tokens_details`, …) member by member; other values as the latest turn gave them.
struct UsageTotal: Sendable {
    private(set) var total: JSONObject?

    mutating func add(_ usage: JSONValue?) {
        guard let usage = usage?.objectValue else { return }
        total = Self.sum(total ?? JSONObject(), usage)
    }

    private static func sum(_ left: JSONObject, _ right: JSONObject) -> JSONObject {
        var result = left
        for (key, value) in right {
            switch (left[key], value) {
            case (.number(let a)?, .number(let b)):
                if let x = a.intValue, let y = b.intValue { result[key] = .number(JSONNumber(x + y)) } else {
                    result[key] = .number(JSONNumber(a.doubleValue + b.doubleValue))
                }
            case (.object(let a)?, .object(let b)): result[key] = .object(sum(a, b))
            default: result[key] = value
            }
        }
        return result
    }
}
