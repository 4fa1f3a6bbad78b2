// modules: JSONRPC
// max_len: 8192
// dict: message
import JSONRPC

// Target `json`: the JSON parser and serializer (Sources/JSONRPC/JSONParser.swift,
// JSONSerializer.swift, JSONValue.swift).
//
// Any input the parser accepts must serialize to valid UTF-8 that parses back to an equal value
// with an equal hash, and serializing that again must give the same bytes. Every number's
// Int/Double views must be consistent: an integral Int view survives `JSONNumber(Int)`.

private func checkNumbers(_ value: JSONValue) {
    switch value {
    case .number(let number):
        _ = number.doubleValue
        if let integer = number.intValue {
            check(JSONNumber(integer).intValue == integer, "intValue \(integer) of \(number.literal) does not survive JSONNumber(Int)")
        }
    case .array(let elements):
        elements.forEach(checkNumbers)
    case .object(let object):
        for (_, member) in object { checkNumbers(member) }
    default:
        break
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard let value = try? JSONParser.parse(input) else { return 0 }
    checkRoundTrip(value, "input \(String(decoding: input.prefix(200), as: UTF8.self).debugDescription)")
    checkNumbers(value)
    return 0
}
