/// The names tools are offered to a model under: the API allows `^[a-zA-Z0-9_-]{1,64}$`, so an
/// MCP tool is `<server>__<tool>` with every other character replaced by `_`, cut to 64, and
/// made unique with a numbered suffix. The order is stable (prompt caches depend on it): the
/// client's tools as given, then each server's in name order, tools sorted by name.
enum ToolNames {
    static let maxLength = 64

    /// Whether `byte` may appear in a tool name.
    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"): true
        default: false
        }
    }

    /// Whether `name` is a valid tool name as it stands.
    static func isValid(_ name: String) -> Bool {
        (1...maxLength).contains(name.utf8.count) && name.utf8.allSatisfy(isAllowed)
    }

    /// `<server>__<tool>` with disallowed characters replaced, at most 64 characters.
    static func offered(server: String, tool: String) -> String {
        let bytes = Array("\(server)__\(tool)".utf8).map { isAllowed($0) ? $0 : UInt8(ascii: "_") }
        return String(decoding: bytes.prefix(maxLength), as: UTF8.self)
    }

    /// `name`, or when `taken` holds it, `name` with the first free suffix `_2`, `_3`, … (cut to
    /// fit in 64 characters).
    static func unique(_ name: String, taken: Set<String>) -> String {
        guard taken.contains(name) else { return name }
        var number = 2
        while true {
            let suffix = "_\(number)"
            let candidate = String(decoding: name.utf8.prefix(maxLength - suffix.utf8.count), as: UTF8.self) + suffix
            if !taken.contains(candidate) { return candidate }
            number += 1
        }
    }
}
