public import JSONRPC

extension JSONObject {
    /// Applies an RFC 7396 JSON merge patch: objects merge recursively, `null` deletes a member,
    /// anything else replaces it. Deleted members are removed together at the end, in one pass
    /// (a patch deleting all of 40,000 headers one at a time took 40 s), which leaves the same
    /// order: a patch names each key once, so none it deletes is one it adds.
    public func merging(_ patch: JSONObject) -> JSONObject {
        var result = self
        var deleted: Set<String> = []
        for (key, value) in patch {
            switch value {
            case .null:
                deleted.insert(key)
            case .object(let nested):
                result[key] = .object((result[key]?.objectValue ?? JSONObject()).merging(nested))
            default:
                result[key] = value
            }
        }
        result.removeValues(forKeys: deleted)
        return result
    }
}
