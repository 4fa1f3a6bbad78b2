import JSONRPC
import Server
import Testing

/// `ChatStreamAssembler`: rebuilding the `chat.completion` object from streamed chunks.
struct ChatStreamAssemblerTests {
    /// Assembles chunks given as JSON texts.
    static func assemble(_ chunks: [String]) throws -> ChatStreamAssembler {
        var assembler = ChatStreamAssembler()
        for chunk in chunks { assembler.add(try JSONParser.parse(chunk)) }
        return assembler
    }

    static func chunk(_ choices: String, extra: String = "") -> String {
        #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"gpt-x","#
            + extra + #""choices":["# + choices + "]}"
    }

    @Test func contentRoleFinishReasonAndUsage() throws {
        var assembler = ChatStreamAssembler()
        #expect(!assembler.hasOutput)
        #expect(!assembler.isFinished)
        let chunks = [
            Self.chunk(#"{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}"#, extra: #""usage":null,"#),
            Self.chunk(#"{"index":0,"delta":{"content":"Hel"},"finish_reason":null}"#, extra: #""system_fingerprint":"fp_1","#),
            Self.chunk(#"{"index":0,"delta":{"content":"lo, wörld"},"finish_reason":null}"#),
            Self.chunk(#"{"index":0,"delta":{},"finish_reason":"stop"}"#),
            Self.chunk("", extra: #""usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8},"#),
        ]
        for (position, chunk) in chunks.enumerated() {
            assembler.add(try JSONParser.parse(chunk))
            #expect(assembler.hasOutput)
            #expect(assembler.isFinished == (position >= 3))
        }
        #expect(assembler.result() == (try JSONParser.parse("""
            {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-x","system_fingerprint":"fp_1",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello, wörld"},"logprobs":null,"finish_reason":"stop"}],
             "usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}
            """)))
    }

    @Test func parallelToolCallsAreMergedByIndex() throws {
        let assembler = try Self.assemble([
            Self.chunk(#"{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]}}"#),
            Self.chunk(#"{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":""}}]}}"#),
            Self.chunk(#"{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}"#),
            Self.chunk(#"{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"tz\":"}}]}}"#),
            Self.chunk(#"{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"\"UTC\"}"}},{"index":0,"function":{"arguments":"\"Paris\"}"}}]}}"#),
            Self.chunk(#"{"index":0,"delta":{},"finish_reason":"tool_calls"}"#),
        ])
        let choice = try #require(assembler.result()["choices"]?.arrayValue?.first)
        #expect(choice["finish_reason"] == "tool_calls")
        #expect(choice["message"] == (try JSONParser.parse(#"""
            {"role":"assistant","content":null,"tool_calls":[
              {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
              {"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"tz\":\"UTC\"}"}}]}
            """#)))
    }

    @Test func toolCallNameRepeatedInEveryFragmentIsNotDoubled() throws {
        let assembler = try Self.assemble([
            Self.chunk(#"{"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"lookup","arguments":"{\"q\""}}]}}"#),
            Self.chunk(#"{"delta":{"tool_calls":[{"index":0,"id":"","function":{"name":"lookup","arguments":":1}"}}]}}"#),
        ])
        let call = try #require(assembler.result()["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue?.first)
        #expect(call == ["id": "c1", "type": "function", "function": ["name": "lookup", "arguments": "{\"q\":1}"]])
    }

    @Test func reasoningAndRefusalAreConcatenatedSeparately() throws {
        let assembler = try Self.assemble([
            Self.chunk(#"{"index":0,"delta":{"role":"assistant","reasoning_content":"Think"}}"#),
            Self.chunk(#"{"index":0,"delta":{"reasoning_content":"ing…"}}"#),
            Self.chunk(#"{"index":0,"delta":{"content":"Answer","refusal":null}}"#),
            Self.chunk(#"{"index":0,"delta":{"refusal":"I can"}}"#),
            Self.chunk(#"{"index":0,"delta":{"content":".","refusal":"not."},"finish_reason":"stop"}"#),
        ])
        #expect(assembler.result()["choices"]?.arrayValue?.first?["message"]
            == ["role": "assistant", "content": "Answer.", "reasoning_content": "Thinking…", "refusal": "I cannot."])
    }

    @Test func audioDataAndTranscriptAreConcatenatedWithIdAndExpiryKept() throws {
        let assembler = try Self.assemble([
            Self.chunk(#"{"index":0,"delta":{"role":"assistant","content":null,"refusal":null,"audio":{"id":"audio_1","transcript":"Hel"}}}"#),
            Self.chunk(#"{"index":0,"delta":{"audio":{"transcript":"lo."}}}"#),
            Self.chunk(#"{"index":0,"delta":{"audio":{"id":"audio_1","data":"UklG"}}}"#),
            Self.chunk(#"{"index":0,"delta":{"audio":{"data":"RiQA"}}}"#),
            Self.chunk(#"{"index":0,"delta":{"audio":{"id":"","expires_at":1729018505}},"finish_reason":"stop"}"#),
        ])
        #expect(assembler.result()["choices"]?[0]?["message"] == (try JSONParser.parse("""
            {"role":"assistant","content":null,"refusal":null,
             "audio":{"id":"audio_1","transcript":"Hello.","data":"UklGRiQA","expires_at":1729018505}}
            """)))
    }

    @Test func legacyFunctionCallAnnotationsAndReasoningAreKept() throws {
        let assembler = try Self.assemble([
            Self.chunk(#"{"index":0,"delta":{"role":"assistant","reasoning":"Look","function_call":{"name":"get_weather","arguments":""}}}"#),
            Self.chunk(#"{"index":0,"delta":{"reasoning":" it up.","function_call":{"arguments":"{\"city\":"}}}"#),
            Self.chunk(#"{"index":0,"delta":{"function_call":{"arguments":"\"Paris\"}"}}}"#),
            Self.chunk(#"{"index":0,"delta":{"annotations":[{"type":"url_citation","url_citation":{"url":"https://a.example","start_index":0,"end_index":3}}]}}"#),
            Self.chunk(#"{"index":0,"delta":{"annotations":[{"type":"url_citation","url_citation":{"url":"https://b.example","start_index":4,"end_index":9}}]},"finish_reason":"function_call"}"#),
        ])
        let message = try #require(assembler.result()["choices"]?[0]?["message"])
        #expect(message["reasoning"] == "Look it up.")
        #expect(message["function_call"] == ["name": "get_weather", "arguments": #"{"city":"Paris"}"#])
        #expect(message["annotations"]?.arrayValue?.compactMap { $0["url_citation"]?["url"]?.stringValue } == ["https://a.example", "https://b.example"])
        #expect(message["content"] == .null)
    }

    @Test func unknownFieldsMergeByTheSameRulesAndLogprobsAppend() throws {
        let assembler = try Self.assemble([
            Self.chunk(#"{"index":0,"delta":{"x_note":"a","x_meta":{"n":1,"parts":["p"]},"x_flag":null},"logprobs":{"content":[{"token":"a"}],"refusal":null}}"#),
            Self.chunk(#"{"index":0,"delta":{"x_note":"b","x_meta":{"n":2,"parts":["q","r"]},"x_flag":true},"logprobs":{"content":[{"token":"b"}]}}"#),
            Self.chunk(#"{"index":0,"delta":{"x_flag":null},"logprobs":null}"#),
        ])
        let choice = try #require(assembler.result()["choices"]?[0])
        #expect(choice["message"] == ["role": "assistant", "content": .null, "x_note": "ab", "x_meta": ["n": 2, "parts": ["p", "q", "r"]], "x_flag": true])
        #expect(choice["logprobs"] == ["content": [["token": "a"], ["token": "b"]], "refusal": .null])
    }

    @Test func textStaysTextWhenAServerSendsAStrayValueOfAnotherKind() throws {
        let assembler = try Self.assemble([
            Self.chunk(#"{"index":0,"delta":{"content":"ab","x_count":1}}"#),
            Self.chunk(#"{"index":0,"delta":{"content":5,"x_count":"one"}}"#),
            Self.chunk(#"{"index":0,"delta":{"content":{"odd":true}}}"#),
            Self.chunk(#"{"index":0,"delta":{"content":"c","x_count":2}}"#),
        ])
        #expect(assembler.result()["choices"]?[0]?["message"] == ["role": "assistant", "content": "abc", "x_count": "one"])
    }

    @Test func multipleChoicesAreAssembledSeparately() throws {
        var assembler = try Self.assemble([
            Self.chunk(#"{"index":0,"delta":{"role":"assistant","content":"A"}},{"index":1,"delta":{"role":"assistant","content":"X"}}"#),
            Self.chunk(#"{"index":1,"delta":{"content":"Y"}}"#),
            Self.chunk(#"{"index":0,"delta":{"content":"B"},"finish_reason":"length"}"#),
        ])
        #expect(!assembler.isFinished)
        assembler.add(try JSONParser.parse(Self.chunk(#"{"index":1,"delta":{"content":"Z"},"finish_reason":"stop"}"#)))
        #expect(assembler.isFinished)
        let choices = try #require(assembler.result()["choices"]?.arrayValue)
        #expect(choices.map { $0["index"] } == [0, 1])
        #expect(choices.map { $0["message"]?["content"] } == ["AB", "XYZ"])
        #expect(choices.map { $0["finish_reason"] } == ["length", "stop"])
    }

    @Test func choicesAreOrderedByIndex() throws {
        let assembler = try Self.assemble([
            Self.chunk(#"{"index":1,"delta":{"content":"second"}}"#),
            Self.chunk(#"{"index":0,"delta":{"content":"first"}}"#),
        ])
        #expect(assembler.result()["choices"]?.arrayValue?.map { $0["index"] } == [0, 1])
        #expect(assembler.result()["choices"]?.arrayValue?.map { $0["message"]?["content"] } == ["first", "second"])
    }

    @Test func chunksMissingFieldsAreHandledLeniently() throws {
        let assembler = try Self.assemble([
            #"{"choices":[{"delta":{"content":"par"}}]}"#,
            #""not a chunk""#,
            #"{"choices":[{"delta":{"content":"tial","tool_calls":[{"function":{"name":"f","arguments":"{}"}}]}}]}"#,
            #"{"choices":[{"delta":{}}],"model":"local-model"}"#,
        ])
        #expect(assembler.hasOutput)
        #expect(!assembler.isFinished)
        #expect(assembler.result() == (try JSONParser.parse("""
            {"id":"","object":"chat.completion","model":"local-model",
             "choices":[{"index":0,"message":{"role":"assistant","content":"partial",
               "tool_calls":[{"id":"","type":"function","function":{"name":"f","arguments":"{}"}}]},
               "logprobs":null,"finish_reason":null}]}
            """)))
    }

    @Test func nonChunkInputProducesNothing() throws {
        let assembler = try Self.assemble(["[]", "null", "\"data\"", "42"])
        #expect(!assembler.hasOutput)
        #expect(!assembler.isFinished)
        #expect(assembler.result() == ["id": "", "object": "chat.completion", "choices": []])
    }
}
