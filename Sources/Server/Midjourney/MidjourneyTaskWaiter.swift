import Primitives
import FoundationEssentials
import JSONRPC
import Upstream

/// Waits for a submitted MidJourney task (`wait: true`): polls `GET /mj/task/{id}/fetch`, reports
/// each change of status or progress as a `$/progress` notification, and ends with the finished
/// task, a -32007 error for FAILURE or CANCEL, or -32003 when `timeout_seconds` (counted from the
/// start of the request) runs out.
///
/// A task in MODAL status waits for input from the user (a region's mask and prompt), which
/// `midjourney.modal` sends, so it ends the wait too, as a result. Any other error, cancellation included, carries the last task
/// object fetched as `partial` (or `{id}` when no fetch had answered yet), so the task can be
/// fetched again later.
struct MidjourneyTaskWaiter {
    /// The default and smallest `poll_interval_seconds`.
    static let defaultInterval = 2.0
    static let minimumInterval = 0.1

    let request: MidjourneyRequest
    let interval: Double
    let deadline: ContinuousClock.Instant

    /// The `poll_interval_seconds` param, checked.
    static func interval(_ params: Params) throws(ResponseError) -> Double {
        guard let value = params["poll_interval_seconds"], !value.isNull else { return defaultInterval }
        guard let seconds = value.doubleValue, seconds >= minimumInterval, seconds <= 3600 else {
            throw .invalidParams(field: "poll_interval_seconds", "must be a number of seconds from 0.1 to 3600")
        }
        return seconds
    }

    /// Polls until the task ends; the result is `{task_id, task}`.
    func wait(for taskID: String) async throws -> JSONValue {
        var last: JSONValue = ["id": .string(taskID)]
        var reported: (status: String, progress: Double)?
        do {
            while true {
                let remaining = deadline - .now
                guard remaining > .zero else { throw timeout(taskID, last: reported) }
                let task = try await request.send("GET", "mj/task/\(taskID)/fetch", timeout: seconds(remaining))
                guard let status = task["status"]?.stringValue else {
                    let answer = request.context.secrets.excerpt(task.jsonText, limit: 300)
                    throw UpstreamError.badResponse(reason: "the MidJourney task answer has no status: \(answer)", upstreamError: nil)
                }
                last = task
                let progress = Self.percent(task["progress"])
                if reported.map({ $0.status != status || $0.progress != progress }) ?? true {
                    reported = (status, progress)
                    notify(taskID: taskID, status: status, progress: progress)
                }
                switch status {
                case "SUCCESS", "MODAL": return ["task_id": .string(taskID), "task": task]
                case "FAILURE", "CANCEL": throw failed(taskID, status: status, task: task)
                default: break
                }
                let left = deadline - .now
                guard left > .zero else { throw timeout(taskID, last: reported) }
                try await Task.sleep(for: min(.milliseconds(Int(interval * 1000)), left))
            }
        } catch let error as ResponseError where error.code == .upstreamTaskFailed {
            throw error
        } catch {
            throw PartialOutputError(error, partial: last)
        }
    }

    /// `"37%"` (or a bare number) as 37, within 0...100; 0 when absent or unreadable.
    static func percent(_ value: JSONValue?) -> Double {
        let number = value?.doubleValue ?? value?.stringValue.flatMap { text in
            Double(text.trimmingWhitespace.replacing("%", with: ""))
        } ?? 0
        return min(100, max(0, number.isFinite ? number : 0))
    }

    private func notify(taskID: String, status: String, progress: Double) {
        request.context.notify("$/progress", .object(JSONObject([
            ("request_id", request.context.id.json), ("progress", .number(progress)), ("status", .string(status)),
            ("message", .string("task \(taskID)")),
        ])))
    }

    private func failed(_ taskID: String, status: String, task: JSONValue) -> ResponseError {
        let reason = task["failReason"]?.stringValue ?? ""
        let detail = reason.isEmpty ? "" : ": \(request.context.secrets.excerpt(reason, limit: 300))"
        let what = status == "CANCEL" ? "was cancelled by the relay" : "failed"
        return ResponseError(.upstreamTaskFailed, "MidJourney task \(taskID) \(what)\(detail)", data: .object(JSONObject([
            ("status", .string(status)), ("failReason", task["failReason"] ?? .null), ("task", task),
        ])))
    }

    private func timeout(_ taskID: String, last: (status: String, progress: Double)?) -> ResponseError {
        let limit = request.settings.timeoutSeconds
        let state = last.map { " (last seen: \($0.status), \(JSONNumber($0.progress).literal)%)" } ?? ""
        return ResponseError(.upstreamTimeout,
                             "MidJourney task \(taskID) did not finish within timeout_seconds (\(JSONNumber(limit).literal) s)\(state); "
                                 + "fetch it later with midjourney.fetch",
                             data: ["kind": "request", "timeout_seconds": .number(limit)])
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
