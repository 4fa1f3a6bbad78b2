import JSONRPC

/// The tools a session's model is offered from the editor's own capabilities: reading and
/// writing its files (through `fs/read_text_file` and `fs/write_text_file`, so that unsaved
/// buffers are seen and edits land in the editor), confined to the session's folders, and
/// running programs in its terminal (`terminal/*`).
enum EditorTools {
    static let read = "read_text_file"
    static let write = "write_text_file"
    static let run = "run_command"
    /// The most output of a command the editor keeps for the model (ACP's `outputByteLimit`).
    static let outputLimit = 64 * 1024

    /// The chat API `tools` for what the editor can do.
    static func definitions(for client: ClientCapabilities) -> [JSONValue] {
        var tools: [JSONValue] = []
        if client.readTextFile {
            tools.append(function(read, "Read a text file of the user's project as the editor has it (unsaved changes included).", [
                ("path", ["type": "string", "description": "The file: absolute, or relative to the working directory."]),
                ("line", ["type": "integer", "minimum": 1, "description": "The first line to read (1-based); default 1."]),
                ("limit", ["type": "integer", "minimum": 1, "description": "The most lines to read; default all."]),
            ], required: ["path"]))
        }
        if client.writeTextFile {
            tools.append(function(write, "Write a text file of the user's project (created or replaced whole); the user sees the change as a diff and may refuse it.", [
                ("path", ["type": "string", "description": "The file: absolute, or relative to the working directory."]),
                ("content", ["type": "string", "description": "The file's whole new content."]),
            ], required: ["path", "content"]))
        }
        if client.terminal {
            tools.append(function(run, "Run a program in the user's terminal (the user sees it and approves it) and get its output and exit status.", [
                ("command", ["type": "string", "description": "The program, e.g. \"swift\" or \"npm\"; for a shell command line use \"sh\" with args [\"-c\", line]."]),
                ("args", ["type": "array", "items": ["type": "string"], "description": "Its arguments."]),
                ("cwd", ["type": "string", "description": "Where it runs: absolute, or relative to the working directory; default the working directory."]),
            ], required: ["command"]))
        }
        return tools
    }

    /// Whether the requester gives the call's content itself (a diff, a terminal), which its end
    /// keeps rather than replacing with the result's text.
    static func showsOwnContent(_ name: String) -> Bool { name == write || name == run }

    /// ACP's `kind` of a tool, for the editor's icons.
    static func kind(of name: String) -> String {
        switch name {
        case read: "read"
        case write: "edit"
        case run: "execute"
        default: "other"
        }
    }

    /// A short title for a call: "Read src/a.swift", or the tool's name (and its server's).
    static func title(name: String, server: String?, arguments: JSONValue?) -> String {
        let path = arguments?["path"]?.stringValue
        switch (name, path) {
        case (read, let path?): return "Read \(path)"
        case (write, let path?): return "Write \(path)"
        case (run, _) where arguments?["command"]?.stringValue != nil:
            let words = [arguments?["command"]?.stringValue ?? ""] + (arguments?["args"]?.arrayValue ?? []).compactMap(\.stringValue)
            return "Run \(words.joined(separator: " "))"
        default: return server.map { "\(name) (\($0))" } ?? name
        }
    }

    private static func function(_ name: String, _ description: String, _ properties: [(String, JSONValue)],
                                 required: [String]) -> JSONValue {
        .object(JSONObject([
            ("type", "function"),
            ("function", .object(JSONObject([
                ("name", .string(name)), ("description", .string(description)),
                ("parameters", .object(JSONObject([
                    ("type", "object"), ("properties", .object(JSONObject(properties))),
                    ("required", .array(required.map(JSONValue.string))), ("additionalProperties", false),
                ]))),
            ]))),
        ]))
    }
}
