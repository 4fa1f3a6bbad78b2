import JSONRPC
import Upstream

/// A relay's answer to a MidJourney submit: `{code, description, result: taskId, properties}`.
///
/// Codes 1 (submitted), 21 (already exists) and 22 (queued) mean the task is under way; every
/// other code is a refusal, reported as -32007 with the relay's code and description.
struct MidjourneySubmitAnswer {
    static let acceptedCodes: Set<Int> = [1, 21, 22]

    /// What each refusal code means, for the error message.
    static let refusals: [Int: String] = [
        3: "not found, or no account available",
        4: "the relay refused the params",
        5: "unknown error",
        9: "system failure",
        23: "the queue is full, try again later",
        24: "banned prompt",
        30: "rate-limited",
    ]

    let code: Int
    let description: String
    let taskID: String?
    let properties: JSONObject

    /// - Throws: -32004 when the answer is not a submit answer (it has no `code`).
    init(_ answer: JSONValue, secrets: Secrets) throws {
        guard let code = answer["code"]?.intValue ?? answer["code"]?.stringValue.flatMap({ Int($0) }) else {
            throw UpstreamError.badResponse(
                reason: "the MidJourney submit answer has no code: \(secrets.excerpt(answer.jsonText, limit: 300))", upstreamError: nil)
        }
        self.code = code
        description = answer["description"]?.stringValue ?? ""
        taskID = answer["result"].flatMap { $0.stringValue ?? $0.numberValue?.literal }
        properties = answer["properties"]?.objectValue ?? JSONObject()
    }

    var isAccepted: Bool { Self.acceptedCodes.contains(code) }

    /// The id of an accepted task; -32004 when the relay sent none, or one that cannot be a task
    /// id (see `MidjourneyTaskID`: it is polled as a path segment).
    func acceptedTaskID(secrets: Secrets) throws -> String {
        guard let taskID, !taskID.isEmpty else {
            throw UpstreamError.badResponse(reason: "the relay accepted the task (code \(code)) but sent no task id in `result`",
                                            upstreamError: nil)
        }
        if let problem = MidjourneyTaskID.problem(taskID) {
            throw UpstreamError.badResponse(reason: "the relay accepted the task (code \(code)) but its task id "
                                            + "\"\(secrets.excerpt(taskID, limit: 100))\" cannot be polled: \(problem)", upstreamError: nil)
        }
        return taskID
    }

    /// The result of a submit without `wait`: `{task_id, code, description, properties, note?}`.
    func result(taskID: String) -> JSONValue {
        var result = JSONObject([("task_id", .string(taskID)), ("code", .number(code)), ("description", .string(description)),
                                 ("properties", .object(properties))])
        if let note { result["note"] = .string(note) }
        return .object(result)
    }

    /// What a client should know about codes 21 and 22.
    private var note: String? {
        switch code {
        case 21: return "already exists: task_id is the existing task's id (properties may hold its result)"
        case 22:
            let queued = properties["numberOfQueues"]?.intValue.map { "\($0) task(s) ahead of it" } ?? "behind other tasks"
            return "queued: \(queued)"
        default: return nil
        }
    }

    /// The -32007 error for a refusal, data `{code, description, properties?}`.
    func failure(secrets: Secrets) -> ResponseError {
        var data = JSONObject([("code", .number(code)), ("description", .string(description))])
        if !properties.isEmpty { data["properties"] = .object(properties) }
        let meaning = Self.refusals[code].map { ", \($0)" } ?? ""
        var detail = description.isEmpty ? "" : ": \(secrets.excerpt(description, limit: 300))"
        if code == 24, let word = properties["bannedWord"]?.stringValue { detail += " (banned word \"\(secrets.excerpt(word, limit: 100))\")" }
        return ResponseError(.upstreamTaskFailed, "MidJourney refused the task (code \(code)\(meaning))\(detail)", data: .object(data))
    }
}
