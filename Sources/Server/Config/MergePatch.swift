public import JSONRPC

extension JSONObject {
    /// Applies an RFC 7396 JSON merge patch: objects merge recursively, `null` deletes a member,
    /// anything else replaces it.
    public func merging(_ patch: JSONObject) -> JSONObject {
        var result = self
        for (key, value) in patch {
            switch value {
            case .null:
                result[key] = nil
            case .object(let nested):
                result[key] = .object((result[key]?.objectValue ?? JSONObject()).merging(nested))
            default:
                result[key] = value
            }
        }
        return result
    }
}
