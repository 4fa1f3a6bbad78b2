import Primitives
import FoundationEssentials
public import JSONRPC
import Transport

/// The secrets currently in use (API keys), so that logs and error messages can be scrubbed of them.
public final class Secrets: Sendable {
    /// Shorter strings are not treated as secrets: scrubbing them would mangle ordinary text.
    static let minimumLength = 6
    private let values = Locked<Set<String>>([])

    public init() {}

    public func register(_ secret: String) {
        guard secret.count >= Self.minimumLength else { return }
        values.withLock { _ = $0.insert(secret) }
    }

    /// `text` with every known secret replaced by `[redacted]` (longest first, so a secret that
    /// contains another is removed whole), and the password of every URL in it (`base_url` may
    /// hold one, of any length).
    public func scrub(_ text: String) -> String {
        let secrets = values.current
        var result = URLPassword.redacted(in: text)
        guard !secrets.isEmpty else { return result }
        for secret in secrets.sorted(by: { $0.count > $1.count }) where result.contains(secret) {
            result = result.replacing(secret, with: "[redacted]")
        }
        return result
    }

    /// At most `limit` characters of `text`, scrubbed before it is cut so that no part of a
    /// secret can survive the cut.
    public func excerpt(_ text: some StringProtocol, limit: Int) -> String {
        let clean = scrub(String(text))
        return clean.count > limit ? String(clean.prefix(limit)) + "…" : clean
    }

    /// `value` with every string (keys included) scrubbed.
    public func scrub(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let string): return .string(scrub(string))
        case .array(let array): return .array(array.map(scrub))
        case .object(let object):
            return .object(JSONObject(object.map { (scrub($0.key), scrub($0.value)) }))
        default: return value
        }
    }
}
