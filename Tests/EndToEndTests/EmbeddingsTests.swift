import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("embeddings.create end to end")
struct EmbeddingsTests {
    static let answer: JSONValue = [
        "object": "list",
        "data": [["object": "embedding", "index": 0, "embedding": [0.0023064255, -0.009327292, 0.015797347]]],
        "model": "text-embedding-3-small",
        "usage": ["prompt_tokens": 5, "total_tokens": 5],
    ]

    @Test func everyFieldPassesThroughTheModelIsDefaultedAndTheAnswerIsUnchanged() throws {
        let harness = try Harness(responses: [.json(Self.answer)])
        let params: JSONValue = ["input": "The food was delicious", "encoding_format": "base64", "dimensions": 256, "user": "u-1",
                                 "future_field": ["nested": true]]
        let (response, _) = try harness.daemon.call("embeddings.create", params)
        try harness.finish()
        #expect(response["result"] == Self.answer)
        let request = try #require(harness.upstream.requests.first)
        #expect(harness.upstream.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/embeddings")
        #expect(request.header("authorization") == "Bearer \(testKey)")
        #expect(request.header("content-type") == "application/json")
        #expect(request.json == ["input": "The food was delicious", "encoding_format": "base64", "dimensions": 256, "user": "u-1",
                                 "future_field": ["nested": true], "model": "text-embedding-3-small"])
    }

    @Test(arguments: [
        ["first", "second"],
        [1212, 318, 257, 1332, 13],
        [[1212, 318], [257, 1332, 13]],
        "",
    ] as [JSONValue])
    func everyInputShapeIsSentAsItIs(input: JSONValue) throws {
        let harness = try Harness(responses: [.json(Self.answer)])
        let (response, _) = try harness.daemon.call("embeddings.create", ["model": "text-embedding-3-large", "input": input])
        try harness.finish()
        #expect(response["result"] == Self.answer)
        #expect(harness.upstream.requests.first?.json == ["model": "text-embedding-3-large", "input": input])
    }

    @Test func badInputsAreRefusedNamingTheField() throws {
        let harness = try Harness(responses: [])
        let cases: [(JSONValue?, String)] = [
            (nil, "input"), (.null, "input"), (42, "input"), (["text": "x"], "input"),
            ([["a"]], "input.0"), (["a", 1], "input.1"), ([1, 2.5], "input.1"), ([[1], [2, "x"]], "input.1"), ([1, [2]], "input.1"),
        ]
        for (index, (input, field)) in cases.enumerated() {
            var params: JSONObject = ["model": "text-embedding-3-small"]
            if let input { params["input"] = input }
            let (response, _) = try harness.daemon.call("embeddings.create", .object(params), id: .number(index + 1))
            #expect(response.errorCode == -32602, "\(String(describing: input))")
            #expect(response["error"]?["data"]?["field"] == .string(field), "\(String(describing: input))")
        }
        try harness.finish()
        #expect(harness.upstream.requests.isEmpty)
    }

    @Test func theUpstreamsRefusalIsReadable() throws {
        let refusal = FakeResponse.error(status: 400, message: "'$.input' is invalid. Please check the API reference.", code: nil)
        let harness = try Harness(responses: [refusal])
        let (response, _) = try harness.daemon.call("embeddings.create", ["input": ["ok", ""]])
        try harness.finish()
        #expect(response.errorCode == -32001)
        #expect(response["error"]?["message"] == "upstream HTTP 400: '$.input' is invalid. Please check the API reference.")
        #expect(response["error"]?["data"]?["status"] == 400)
        #expect(response["error"]?["data"]?["error"]?["type"] == "invalid_request_error")
    }
}
}
