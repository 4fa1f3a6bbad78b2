import Foundation
import JSONRPC
import Upstream

/// Sends one chat completion request upstream and produces its `chat.completion` result,
/// relaying a stream as `chat.delta` notifications on the way.
struct ChatRunner {
    let context: RequestContext
    let target: UpstreamTarget

    /// - Parameter body: the request body as the API expects it (model, messages, ...).
    /// - Parameter relayWholeAnswer: send a non-streamed answer as `chat.delta` notifications too,
    ///   for a client that asked for a stream the model cannot give (see `ModelFamilyRules`).
    func run(_ body: JSONObject, relayWholeAnswer: Bool = false) async throws -> JSONValue {
        var body = body
        let streaming = body["stream"]?.boolValue == true
        if streaming, body["stream_options"]?["include_usage"] == nil {
            var options = body["stream_options"]?.objectValue ?? JSONObject()
            options["include_usage"] = true
            body["stream_options"] = .object(options)
        }
        let payload = Data(JSONValue.object(body).serialized())
        let call = try await context.send(
            { target.request("POST", "chat/completions", body: payload, accept: streaming ? "text/event-stream" : "application/json") },
            target: target, streaming: streaming)
        let isEventStream = call.contentType?.lowercased().contains("text/event-stream") ?? false
        guard streaming, isEventStream else {
            let completion = try await UpstreamJSON.read(call, secrets: context.secrets)
            if streaming || relayWholeAnswer { relayWhole(completion) }
            return completion
        }
        return try await relayStream(call)
    }

    /// Relays an SSE stream; on any failure the error carries what was assembled so far.
    private func relayStream(_ call: UpstreamCall) async throws -> JSONValue {
        var parser = SSEParser()
        var assembler = ChatStreamAssembler()
        do {
            for try await chunk in call.body {
                for event in chunk.withUnsafeBytes({ parser.push($0) }) where try relay(event, into: &assembler) {
                    call.finish()
                    return assembler.result()
                }
                if parser.isOverflowed {
                    call.cancel()
                    throw UpstreamError.badResponse(
                        reason: "the stream sent an event larger than \(parser.maxEventBytes) bytes (a line without end?)", upstreamError: nil)
                }
            }
            try Task.checkCancellation()
            for event in parser.finish() where try relay(event, into: &assembler) {
                return assembler.result()
            }
            // Some servers end without [DONE]; a stream whose choices all finished is complete.
            if assembler.isFinished { return assembler.result() }
            throw UpstreamError.badResponse(reason: "the stream ended before it was complete (no [DONE])", upstreamError: nil)
        } catch {
            throw PartialOutputError(error, partial: assembler.hasOutput ? assembler.result() : nil)
        }
    }

    /// Handles one event; returns true at `[DONE]`.
    private func relay(_ event: SSEEvent, into assembler: inout ChatStreamAssembler) throws -> Bool {
        if event.data == "[DONE]" { return true }
        let chunk: JSONValue
        do {
            chunk = try JSONParser.parse(Array(event.data.utf8))
        } catch {
            throw UpstreamError.badResponse(reason: "the stream sent an event that is not JSON: \(context.secrets.excerpt(event.data, limit: 200))",
                                            upstreamError: nil)
        }
        if event.event == "error" || chunk["error"].map({ !$0.isNull }) == true {
            let message = chunk["error"]?["message"]?.stringValue ?? chunk["error"]?.stringValue ?? event.data
            throw UpstreamError.badResponse(reason: "the stream sent an error: \(context.secrets.excerpt(message, limit: 500))",
                                            upstreamError: Data(event.data.utf8))
        }
        assembler.add(chunk)
        for choice in chunk["choices"]?.arrayValue ?? [] {
            notifyDelta(index: choice["index"] ?? 0, delta: choice["delta"] ?? [:], finishReason: choice["finish_reason"] ?? .null)
        }
        return false
    }

    /// A server that ignored `stream: true` and answered with one JSON object: relay each
    /// choice's message as a single delta so streaming clients still see the text.
    private func relayWhole(_ completion: JSONValue) {
        for choice in completion["choices"]?.arrayValue ?? [] {
            notifyDelta(index: choice["index"] ?? 0, delta: choice["message"] ?? [:], finishReason: choice["finish_reason"] ?? .null)
        }
    }

    private func notifyDelta(index: JSONValue, delta: JSONValue, finishReason: JSONValue) {
        context.notify("chat.delta", .object(JSONObject([
            ("request_id", context.id.json), ("index", index), ("delta", delta), ("finish_reason", finishReason),
        ])))
    }
}
