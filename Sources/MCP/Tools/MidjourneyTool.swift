import Primitives
import FoundationEssentials
import JSONRPC
import Transport

/// `midjourney`: the twelve `midjourney.*` methods behind one tool, chosen by `operation`. The
/// arguments are the union of those methods' params (each says which operations use it); the
/// method checks its own. Submits wait for the task by default (`wait: true`), reporting the
/// relay's progress as `notifications/progress` (percent of 100) when the call has a token.
struct MidjourneyTool: Tool {
    let name = "midjourney"
    let title = "MidJourney"
    let summary = """
        Create and manage MidJourney images through the relay. `operation` says what to do: `imagine` (a \
        `prompt`, with MidJourney parameters such as --ar 16:9), `action` (press a finished task's button: \
        `taskId` and the button's `customId`), `change` (UPSCALE, VARIATION or REROLL of image `index` 1-4 \
        of task `taskId`), `blend` (2-5 local `images`), `describe` (a local `image` to prompts), `fetch` (a \
        task by `id`), `list` (tasks by `ids`), `modal` (continue task `taskId` that stopped at MODAL with a \
        `prompt` and a local `mask`), `simple_change` (`content` such as "<taskId> U2"), `shorten` (a \
        `prompt` into shorter ones), `swap_face` (the face of local image `source` onto `target`) or \
        `upload_images` (local `images` to URLs usable in a prompt). Submits wait until the task is done \
        unless `wait` is false; the finished task has `imageUrl` and `buttons` whose customId the `action` \
        operation takes.
        """
    let annotations = ToolAnnotations(readOnly: false)

    /// Each operation and its method, in the order the schema lists them.
    static let operations: [(name: String, method: String, submits: Bool)] = [
        ("imagine", "midjourney.imagine", true), ("action", "midjourney.action", true), ("change", "midjourney.change", true),
        ("blend", "midjourney.blend", true), ("describe", "midjourney.describe", true), ("fetch", "midjourney.fetch", false),
        ("list", "midjourney.list", false), ("modal", "midjourney.modal", true), ("simple_change", "midjourney.simpleChange", true),
        ("shorten", "midjourney.shorten", true), ("swap_face", "midjourney.swapFace", true), ("upload_images", "midjourney.uploadImages", false),
    ]

    func inputSchema(_ schemas: MethodSchemas) -> ObjectSchema {
        var users: [String: [String]] = [:]
        var union = JSONObject()
        for operation in Self.operations {
            for (property, schema) in schemas.params(operation.method).properties {
                if union[property] == nil { union[property] = schema }
                users[property, default: []].append(operation.name)
            }
        }
        var schema = ObjectSchema(["type": "object", "additionalProperties": true])
            .adding("operation", ["type": "string", "enum": .array(Self.operations.map { .string($0.name) }), "description": "What to do."])
        for (property, propertySchema) in union {
            var described = propertySchema
            let names = users[property] ?? []
            if names.count < Self.operations.count, var fields = described.objectValue {
                let said = fields["description"]?.stringValue.map { $0 + " " } ?? ""
                fields["description"] = .string(said + "Operations: \(names.joined(separator: ", ")).")
                described = .object(fields)
            }
            schema = schema.adding(property, described)
        }
        return schema.requiring(["operation"])
            .defaulting("wait", to: true, because: "Here the default is true: the result is the finished task.")
    }

    func outputSchema(_ schemas: MethodSchemas) -> JSONValue {
        ["type": "object", "anyOf": [
            schemas.component("MidjourneySubmitResult"), schemas.component("MidjourneyWaitResult"), schemas.component("MidjourneyTask"),
            ["type": "object", "required": ["tasks"], "properties": ["tasks": schemas.component("MidjourneyTaskList")]],
            schemas.component("MidjourneyUploadResult"),
        ]]
    }

    func call(_ arguments: Params, context: ToolContext) async throws(ResponseError) -> ToolResult {
        let requested = try arguments.requireString("operation")
        guard let operation = Self.operations.first(where: { $0.name == requested }) else {
            throw .invalidParams(field: "operation", "must be one of \(Self.operations.map(\.name).joined(separator: ", ")), got \"\(requested)\"")
        }
        var params = arguments.object
        params["operation"] = nil
        if operation.submits, params["wait"] == nil { params["wait"] = true }
        let progress = TaskProgress(context.progress)
        let result = try await context.call(operation.method, params, onNotification: progress.relay)
        if let tasks = result.arrayValue {
            let lines = tasks.map(Self.describe)
            return ToolResult([.text(lines.isEmpty ? "No such tasks." : lines.joined(separator: "\n\n"))], structured: ["tasks": result])
        }
        if let urls = result["urls"]?.arrayValue {
            let lines = urls.compactMap(\.stringValue)
            return ToolResult([.text("Uploaded \(lines.count) image(s):\n" + lines.joined(separator: "\n"))], structured: result)
        }
        if let task = result["task"] { return ToolResult([.text(Self.describe(task))], structured: result) }
        if let taskID = result["task_id"]?.stringValue {
            var text = "Submitted: task \(taskID) (\(result["description"]?.stringValue ?? "accepted"))."
            if let note = result["note"]?.stringValue { text += " \(note)." }
            text += " Follow it with operation fetch, id \(taskID)."
            return ToolResult([.text(text)], structured: result)
        }
        return ToolResult([.text(Self.describe(result))], structured: result)
    }

    /// A task as a model should read it: what, how far, the image and the buttons it can press.
    static func describe(_ task: JSONValue) -> String {
        var lines = ["Task \(task["id"]?.stringValue ?? "?"): \(task["action"]?.stringValue ?? "task") \(task["status"]?.stringValue ?? "") "
            + (task["progress"]?.stringValue ?? "")]
        if let prompt = task["prompt"]?.stringValue, !prompt.isEmpty { lines.append("prompt: \(prompt)") }
        if let image = task["imageUrl"]?.stringValue, !image.isEmpty { lines.append("image: \(image)") }
        if let reason = task["failReason"]?.stringValue, !reason.isEmpty { lines.append("failed: \(reason)") }
        if let text = task["description"]?.stringValue, !text.isEmpty, task["action"] == "DESCRIBE" { lines.append(text) }
        let buttons = (task["buttons"]?.arrayValue ?? []).compactMap { button -> String? in
            guard let id = button["customId"]?.stringValue else { return nil }
            let label = [button["emoji"]?.stringValue, button["label"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return "\(label.isEmpty ? "button" : label): \(id)"
        }
        if !buttons.isEmpty { lines.append("buttons (customId for operation action): " + buttons.joined(separator: "; ")) }
        return lines.map(\.trimmingWhitespace).joined(separator: "\n")
    }
}

/// A MidJourney task's `$/progress` as MCP progress: percent done out of 100, the message the
/// task's status and id.
struct TaskProgress: Sendable {
    let reporter: ProgressReporter?

    init(_ reporter: ProgressReporter?) {
        self.reporter = reporter
    }

    func relay(_ method: String, _ params: JSONValue) {
        guard let reporter, method == "$/progress", let percent = params["progress"]?.doubleValue else { return }
        let status = params["status"]?.stringValue ?? "IN_PROGRESS"
        reporter.report(percent, total: 100, message: "\(status) (\(params["message"]?.stringValue ?? "task"))")
    }
}
