public import FoundationEssentials
public import JSONRPC

/// Where a relay's MidJourney endpoints live.
///
/// Relays (new-api, one-api and midjourney-proxy behind them) serve MidJourney at the host's root,
/// beside `/v1` rather than under it: `POST /mj/submit/imagine`, `GET /mj/task/{id}/fetch`. So the
/// configured `base_url` loses a final `/v1` segment for these paths (`https://relay.example/v1`
/// becomes `https://relay.example`; `https://relay.example/api/v1` becomes
/// `https://relay.example/api`; a base URL without `/v1` is used as it is). A submit mode adds the
/// prefix `/mj-<mode>`, which the relay reads to choose the account's speed: `/mj-fast/mj/...`.
public enum MidjourneyRoute {
    /// The submit modes a relay understands as a path prefix.
    public static let modes = ["fast", "relax", "turbo"]

    /// The base URL that MidJourney paths such as `mj/submit/imagine` are appended to.
    /// - Parameter mode: one of `modes`, or nil for the account's own default (no prefix).
    public static func base(for baseURL: URL, mode: String?) -> URL {
        var root = baseURL
        if root.lastPathComponent == "v1" { root = root.deletingLastPathComponent() }
        if let mode { root.appendPathComponent("mj-\(mode)") }
        return root
    }

    /// The `mode` param checked: nil when absent, else one of `modes` (-32602 otherwise).
    public static func mode(_ value: String?) throws(ResponseError) -> String? {
        guard let value else { return nil }
        guard modes.contains(value) else {
            throw .invalidParams(field: "mode", "must be \"fast\", \"relax\" or \"turbo\" (or absent for the account's default), got \"\(value)\"")
        }
        return value
    }
}
