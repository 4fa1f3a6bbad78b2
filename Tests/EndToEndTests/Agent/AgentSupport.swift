import Foundation
import JSONRPC
import TestSupport

/// A function tool the client runs, as `agent.run`'s `tools` takes it.
func clientTool(_ name: String, description: String = "A tool the client runs") -> JSONValue {
    ["type": "function", "function": ["name": .string(name), "description": .string(description),
                                      "parameters": ["type": "object", "properties": ["city": ["type": "string"]]]]]
}

/// `agent.run` params: one user message, `extra` merged in.
func agentParams(_ text: String = "What is the weather in Paris?", stream: Bool = true, extra: JSONObject = [:]) -> JSONValue {
    var params: JSONObject = ["messages": [["role": "user", "content": .string(text)]], "stream": .bool(stream)]
    for (key, value) in extra { params[key] = value }
    return .object(params)
}

/// What a run wrote, read up to its response: the requests the daemon sent the client (each
/// answered by `answer`, or left unanswered when it returns nil), the notifications, the response.
struct AgentTranscript {
    var requests: [JSONValue] = []
    var notifications: [JSONValue] = []
    var response: JSONValue = .null

    /// The statuses `tool.call` announced for `callID`, in order.
    func statuses(of callID: String) -> [String] {
        notifications.filter { $0["method"] == "tool.call" && $0["params"]?["call_id"]?.stringValue == callID }
            .compactMap { $0["params"]?["status"]?.stringValue }
    }

    /// The text the `chat.delta` notifications carried.
    var streamedText: String {
        notifications.filter { $0["method"] == "chat.delta" }.compactMap { $0["params"]?["delta"]?["content"]?.stringValue }.joined()
    }
}

extension DaemonProcess {
    /// Sends `agent.run` (unless `send` is false) and reads until its response, answering each
    /// request of the daemon's with `answer` (nil: no answer).
    func agentRun(_ params: JSONValue, id: JSONValue = 1, send: Bool = true, timeout: Double = 20,
                  answer: (JSONValue) -> JSONValue? = { _ in nil }) throws -> AgentTranscript {
        if send { self.send(["jsonrpc": "2.0", "id": id, "method": "agent.run", "params": params]) }
        var transcript = AgentTranscript()
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let message = try next(timeout: max(0.01, deadline.timeIntervalSinceNow))
            if message["method"] == nil, message["id"] == id {
                transcript.response = message
                return transcript
            }
            if message["method"] != nil, let requestID = message["id"] {
                transcript.requests.append(message)
                if let reply = answer(message) {
                    var response: JSONObject = ["jsonrpc": "2.0", "id": requestID]
                    if let error = reply["error"] { response["error"] = error } else { response["result"] = reply }
                    self.send(.object(response))
                }
            } else {
                transcript.notifications.append(message)
            }
        }
    }
}
