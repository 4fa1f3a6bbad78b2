import JSONRPC
import Primitives
import Server

/// One ACP session: its folders (what its file tools may touch), its MCP servers (as a
/// configuration layer for its prompts), the model and reasoning effort chosen in the editor,
/// the tools the user allowed "always", and the prompt running now. The conversation itself is
/// kept by a `SessionHistory`.
final class ACPSession: Sendable {
    let id: String
    /// The working directory: relative paths start here.
    let cwd: String
    /// `cwd` and the additional directories: the file tools reach nothing outside them.
    let fileAccess: ReadPolicy
    /// `{"mcp_servers": {…}}` for the session's own servers; nil when it has none.
    let overlay: JSONObject?
    /// The upstream's models, for the model picker (the default model first when it is not listed).
    let models: [String]

    private struct State {
        var model: String
        var effort: String?
        var alwaysAllowed: Set<String> = []
        var prompt: RequestID?
        var cancelRequested = false
    }

    private let state: Locked<State>

    init(id: String, cwd: String, folders: [String], overlay: JSONObject?, models: [String], model: String) {
        self.id = id
        self.cwd = cwd
        fileAccess = ReadPolicy.confined(to: [cwd] + folders)
        self.overlay = overlay
        self.models = models.contains(model) ? models : [model] + models
        state = Locked(State(model: model))
    }

    var model: String { state.withLock { $0.model } }
    var effort: String? { state.withLock { $0.effort } }

    // MARK: - Config options

    /// The config option ids.
    static let modelOption = "model"
    static let effortOption = "reasoning_effort"
    /// The effort value that sends none (the model's own default).
    static let defaultEffort = "default"

    /// `configOptions`: the model picker, and the reasoning effort where the model's family takes one.
    var configOptions: JSONValue {
        let (model, effort) = state.withLock { ($0.model, $0.effort) }
        var options: [JSONValue] = [Self.select(Self.modelOption, name: "Model", category: "model", current: model,
                                                values: models.map { ($0, $0) })]
        if let levels = ReasoningEffort.levels(for: model) {
            options.append(Self.select(Self.effortOption, name: "Reasoning effort", category: "thought_level",
                                       current: effort ?? Self.defaultEffort,
                                       values: [(Self.defaultEffort, "Model default")] + levels.map { ($0, $0.prefix(1).uppercased() + $0.dropFirst()) }))
        }
        return .array(options)
    }

    /// Sets option `id` to `value` (`session/set_config_option`).
    func set(_ id: String, to value: JSONValue?) throws(ResponseError) {
        guard let value = value?.stringValue else { throw .invalidParams(field: "value", "must be one of the option's values (a string)") }
        switch id {
        case Self.modelOption:
            guard models.contains(value) else { throw .invalidParams(field: "value", "\"\(value)\" is not one of the models offered") }
            state.withLock { state in
                state.model = value
                // An effort the new model does not take is dropped.
                if let effort = state.effort, !(ReasoningEffort.levels(for: value) ?? []).contains(effort) { state.effort = nil }
            }
        case Self.effortOption:
            guard let levels = ReasoningEffort.levels(for: model) else {
                throw .invalidParams(field: "configId", "the model \(model) takes no reasoning effort")
            }
            guard value == Self.defaultEffort || levels.contains(value) else {
                throw .invalidParams(field: "value", "must be \(([Self.defaultEffort] + levels).joined(separator: ", "))")
            }
            state.withLock { $0.effort = value == Self.defaultEffort ? nil : value }
        default:
            throw .invalidParams(field: "configId", "\"\(id)\" is not an option of this session (\(Self.modelOption), \(Self.effortOption))")
        }
    }

    private static func select(_ id: String, name: String, category: String, current: String,
                               values: [(value: String, name: String)]) -> JSONValue {
        .object(JSONObject([
            ("id", .string(id)), ("name", .string(name)), ("category", .string(category)), ("type", "select"),
            ("currentValue", .string(current)),
            ("options", .array(values.map { ["value": .string($0.value), "name": .string($0.name)] })),
        ]))
    }

    // MARK: - Permissions

    /// Whether the user chose "always" for tool `name` in this session.
    func isAlwaysAllowed(_ name: String) -> Bool { state.withLock { $0.alwaysAllowed.contains(name) } }

    func allowAlways(_ name: String) { state.withLock { _ = $0.alwaysAllowed.insert(name) } }

    // MARK: - The running prompt

    /// Records `id` as the running prompt; false when one is running already.
    func begin(_ id: RequestID) -> Bool {
        state.withLock { state in
            guard state.prompt == nil else { return false }
            state.prompt = id
            state.cancelRequested = false
            return true
        }
    }

    /// Ends the running prompt; returns whether `session/cancel` came for it.
    func end() -> Bool {
        state.withLock { state in
            state.prompt = nil
            return state.cancelRequested
        }
    }

    /// `session/cancel`: marks the running prompt cancelled and returns its id (nil when none runs).
    func cancel() -> RequestID? {
        state.withLock { state in
            guard let prompt = state.prompt else { return nil }
            state.cancelRequested = true
            return prompt
        }
    }
}
