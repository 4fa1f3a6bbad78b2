import JSONRPC

/// One MCP tool: how `tools/list` describes it and what `tools/call` does. Each tool calls one or
/// more of the daemon's methods (`MethodRunner`), so the API logic lives in one place.
protocol Tool: Sendable {
    /// The wire name, e.g. `generate_image`.
    var name: String { get }
    /// A display name for people (2025-06-18 and later).
    var title: String { get }
    /// What the tool does, written for the model that chooses it.
    var summary: String { get }
    var annotations: ToolAnnotations { get }
    /// The arguments, derived from the method's params schema.
    func inputSchema(_ schemas: MethodSchemas) -> ObjectSchema
    /// The `structuredContent`, derived from the method's result schema (an object at the root).
    func outputSchema(_ schemas: MethodSchemas) -> JSONValue
    /// Runs the tool. A thrown `ResponseError` (bad arguments, upstream failure) becomes a result
    /// with `isError: true` whose text is the error's message.
    func call(_ arguments: Params, context: ToolContext) async throws(ResponseError) -> ToolResult
}

/// Hints about a tool's effects, as `tools/list` gives them. They are set truthfully: a host may
/// let a read-only tool run without asking.
struct ToolAnnotations: Sendable {
    /// Changes nothing in the user's environment (no file written, nothing created upstream).
    var readOnly: Bool
    /// Talks to the configured API, a system outside the host.
    var openWorld = true

    var json: JSONValue {
        var hints: JSONObject = ["readOnlyHint": .bool(readOnly)]
        if !readOnly {
            // Writes only new files (never replacing one) or creates new upstream tasks.
            hints["destructiveHint"] = false
            hints["idempotentHint"] = false
        }
        hints["openWorldHint"] = .bool(openWorld)
        return .object(hints)
    }
}
