import JSONRPC
public import Upstream

/// What one request may read from local files: which ones (`policy`) and how much (`budget`,
/// shared by all of the request's files).
public struct LocalReads: Sendable {
    public let policy: ReadPolicy
    public var budget: FileBudget

    public init(policy: ReadPolicy, budget: FileBudget) {
        self.policy = policy
        self.budget = budget
    }

    /// The local file `reference` names, checked (see `LocalFile`); errors name `field`.
    func file(_ reference: String, field: String) throws(ResponseError) -> LocalFile {
        try LocalFile(reference, field: field, maxBytes: budget.perFile, policy: policy)
    }
}

extension RequestContext {
    /// The reads this request may make with `settings`: its read policy, and the limits
    /// `max_file_bytes` and `max_request_file_bytes`.
    func localReads(_ settings: Settings) -> LocalReads {
        LocalReads(policy: readPolicy, budget: FileBudget(settings))
    }
}
