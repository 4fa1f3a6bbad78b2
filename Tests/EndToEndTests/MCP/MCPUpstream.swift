import Foundation
import JSONRPC
import TestSupport

/// The fake API the MCP tests run against: every endpoint a tool uses, answering by path.
///
/// Chat: a model named `unauthorized-model` gets a 401; a last user message containing `STALL`
/// gets a stream that stalls after its first delta; otherwise the answer is `echo: <text>` (plus
/// ` [N image(s)]` for vision requests), streamed in three-character pieces when asked.
/// Images: a small PNG, or one over the inline limit when the prompt contains `BIG`. MidJourney:
/// each imagine gets a new task `task-N`, which is NOT_START on its first fetch, IN_PROGRESS 40%
/// on the second and SUCCESS from then on.
enum MCPUpstream {
    static let bigPNG: [UInt8] = MediaFixtures.png + Array(repeating: 0x42, count: 800_000)

    static func start() throws -> FakeUpstream {
        let submits = Mailbox<Int>()
        let fetches = Mailbox<String>()
        return try FakeUpstream { request in
            let path = request.path
            let body = request.json
            switch (request.method, path) {
            case ("HEAD", _): return FakeResponse(steps: [])
            case ("GET", "/v1/models"):
                return .json(["object": "list", "data": [["id": "gpt-4o", "object": "model", "created": 1, "owned_by": "fake"],
                                                         ["id": "gpt-4o-mini", "object": "model", "created": 1, "owned_by": "fake"]]])
            case ("POST", "/v1/chat/completions"): return chat(body)
            case ("POST", "/v1/images/generations"), ("POST", "/v1/images/edits"):
                let big = String(decoding: request.body, as: UTF8.self).contains("BIG")
                return .json(["created": 1_700_000_000, "data": [["b64_json": .string(Data(big ? bigPNG : MediaFixtures.png).base64EncodedString()),
                                                                  "revised_prompt": "a revised prompt"]]])
            case ("POST", "/v1/audio/speech"): return .bytes(MediaFixtures.mp3, contentType: "audio/mpeg")
            case ("POST", "/v1/audio/transcriptions"): return .json(["text": "hello from the recording"])
            case ("POST", "/v1/embeddings"):
                let count = body?["input"]?.arrayValue?.count ?? 1
                return .json(["object": "list", "model": "text-embedding-3-small", "usage": ["prompt_tokens": 2, "total_tokens": 2],
                              "data": .array((0..<count).map { ["object": "embedding", "index": .number($0), "embedding": [0.5, -0.25, 0.125]] })])
            case ("POST", "/mj/submit/imagine"):
                submits.post(1)
                return MJ.submit(code: 1, result: .string("task-\(submits.count)"))
            case ("GET", _) where path.hasPrefix("/mj/task/task-"):
                let id = path.split(separator: "/")[2]
                fetches.post(String(id))
                let states = [("NOT_START", "0%"), ("IN_PROGRESS", "40%"), ("SUCCESS", "100%")]
                let (status, progress) = states[min(fetches.snapshot().filter { $0 == id }.count, states.count) - 1]
                var task = MJ.task(status, progress)
                task["id"] = .string(String(id))
                return .json(task)
            default:
                return .error(status: 404, message: "the MCP test upstream has no \(request.method) \(path)")
            }
        }
    }

    private static func chat(_ body: JSONValue?) -> FakeResponse {
        if body?["model"] == "unauthorized-model" {
            return .error(status: 401, message: "Incorrect API key provided", code: "invalid_api_key")
        }
        let last = body?["messages"]?.arrayValue?.last { $0["role"] == "user" }
        let parts = last?["content"]?.arrayValue ?? []
        let text = last?["content"]?.stringValue ?? parts.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }.joined(separator: " ")
        let images = parts.filter { $0["type"] == "image_url" }.count
        let reply = "echo: \(text)" + (images > 0 ? " [\(images) image\(images == 1 ? "" : "s")]" : "")
        let streaming = body?["stream"]?.boolValue == true
        if text.contains("STALL") {
            var response = FakeResponse.chatStream(["thinking"])
            response.steps = Array(response.steps.prefix(2)) + [.stall]
            return response
        }
        guard streaming else { return .chatCompletion(reply) }
        return .chatStream(stride(from: 0, to: reply.count, by: 3).map { offset in
            String(reply.dropFirst(offset).prefix(3))
        })
    }
}
