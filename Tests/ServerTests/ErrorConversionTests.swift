import Foundation
import JSONRPC
@testable import Server
import Testing
import HTTP
import Upstream

/// `ErrorConversion`: the one place thrown errors become JSON-RPC error objects.
struct ErrorConversionTests {
    static func convert(_ error: any Error, cancelReason: CancelReason? = nil, secrets: Secrets = Secrets(), attempts: Int? = 1) -> ResponseError {
        ErrorConversion.responseError(for: error, cancelReason: cancelReason, secrets: secrets, attempts: attempts)
    }

    static func http(_ status: Int, _ body: String, contentType: String? = "application/json", retryAfter: Double? = nil) -> UpstreamError {
        .http(status: status, contentType: contentType, body: Data(body.utf8), retryAfter: retryAfter)
    }

    static let openAIError = #"{"message":"The model `gpt-9` does not exist","type":"invalid_request_error","param":"model","code":"model_not_found"}"#

    @Test func httpErrorWithOpenAIBodyCarriesTheErrorObject() throws {
        let response = Self.convert(Self.http(404, #"{"error":"# + Self.openAIError + "}"))
        #expect(response.code == .upstreamHTTPError)
        #expect(response.code.rawValue == -32001)
        #expect(response.data?["status"] == 404)
        #expect(response.data?["error"] == (try JSONParser.parse(Self.openAIError)))
        #expect(response.data?["body"] == nil)
        #expect(response.message.contains("The model `gpt-9` does not exist"))
        #expect(response.message.contains("404"))
    }

    @Test func httpErrorWithHTMLBodyKeepsTheBodyAndNamesTheTitle() {
        let html = "<html>\n<head><title> 502 Bad Gateway </title></head>\n<body><center>cloudflare</center></body>\n</html>"
        let response = Self.convert(Self.http(502, html, contentType: "text/html"))
        #expect(response.code == .upstreamHTTPError)
        #expect(response.data?["status"] == 502)
        #expect(response.data?["body"] == .string(html))
        #expect(response.data?["error"] == nil)
        #expect(response.message.contains("502 Bad Gateway"))
        #expect(response.message.contains("text/html"))
    }

    @Test(arguments: [(20.0, "20"), (1.5, "1.5")] as [(Double, String)])
    func rateLimitCarriesRetryAfter(seconds: Double, shown: String) {
        let body = #"{"error":{"message":"Rate limit reached","type":"requests"}}"#
        let response = Self.convert(Self.http(429, body, retryAfter: seconds))
        #expect(response.code == .upstreamHTTPError)
        #expect(response.data?["status"] == 429)
        #expect(response.data?["retry_after"]?.doubleValue == seconds)
        #expect(response.message.contains("Rate limit reached"))
        #expect(response.message.contains("retry after \(shown) s"))
    }

    /// `Retry-After: 99999999999999999999` parses to 1e20 seconds: not waited for, so reported to the client.
    @Test func hugeRetryAfterIsReportedWithoutCrashing() async {
        await #expect(processExitsWith: .success) {
            let response = ErrorConversion.responseError(
                for: UpstreamError.http(status: 429, contentType: nil, body: Data(), retryAfter: 1e20),
                cancelReason: nil, secrets: Secrets())
            exit(response.code == .upstreamHTTPError && response.data?["retry_after"]?.doubleValue == 1e20 ? 0 : 1)
        }
    }

    @Test func rateLimitWithoutRetryAfterHasNoRetryAfter() {
        let response = Self.convert(Self.http(429, #"{"error":{"message":"slow down"}}"#))
        #expect(response.data?["retry_after"] == nil)
    }

    @Test func unreachableIsItsOwnCode() {
        let response = Self.convert(UpstreamError.unreachable(reason: "connection refused"))
        #expect(response.code.rawValue == -32002)
        #expect(response.data == ["reason": "connection refused", "attempts": 1])
        #expect(response.message.contains("connection refused"))
    }

    @Test(arguments: [(Timeouts.Kind.idle, 60.0), (.request, 600), (.firstByte, 300)] as [(Timeouts.Kind, Double)])
    func timeoutsCarryTheirKind(kind: Timeouts.Kind, seconds: Double) {
        let response = Self.convert(UpstreamError.timeout(kind, seconds: seconds))
        #expect(response.code.rawValue == -32003)
        #expect(response.data?["kind"] == .string(kind.rawValue))
        #expect(response.data?["timeout_seconds"]?.doubleValue == seconds)
        let field = switch kind {
        case .idle: "idle_timeout_seconds"
        case .firstByte: "first_byte_timeout_seconds"
        case .request: "(timeout_seconds)"
        }
        #expect(response.message.contains(field))
    }

    @Test func badResponseCarriesTheReasonAndAnyUpstreamError() {
        let plain = Self.convert(UpstreamError.badResponse(reason: "stream ended without [DONE]", upstreamError: nil))
        #expect(plain.code.rawValue == -32004)
        #expect(plain.data == ["reason": "stream ended without [DONE]", "attempts": 1])

        let withError = Self.convert(UpstreamError.badResponse(
            reason: "error event", upstreamError: Data(#"{"error":{"message":"overloaded","code":503}}"#.utf8)))
        #expect(withError.code.rawValue == -32004)
        #expect(withError.data == ["reason": "error event", "error": ["message": "overloaded", "code": 503], "attempts": 1])
    }

    static let partial: JSONValue = ["id": "c1", "object": "chat.completion", "choices": [["index": 0, "message": ["role": "assistant", "content": "Hal"]]]]

    @Test func partialOutputIsAddedToTheUnderlyingError() {
        let response = Self.convert(PartialOutputError(UpstreamError.timeout(.idle, seconds: 5), partial: Self.partial))
        #expect(response.code.rawValue == -32003)
        #expect(response.data?["kind"] == "idle")
        #expect(response.data?["partial"] == Self.partial)

        let withoutPartial = Self.convert(PartialOutputError(UpstreamError.unreachable(reason: "reset"), partial: nil))
        #expect(withoutPartial.code.rawValue == -32002)
        #expect(withoutPartial.data == ["reason": "reset", "attempts": 1])
    }

    // MARK: - What a failure cost

    @Test func everyUpstreamErrorSaysHowManyTimesTheRequestWasSent() {
        let errors: [any Error] = [
            Self.http(500, #"{"error":{"message":"image input is not supported"}}"#), UpstreamError.unreachable(reason: "refused"),
            UpstreamError.timeout(.request, seconds: 1), UpstreamError.badResponse(reason: "garbage", upstreamError: nil),
            ResponseError(.upstreamTaskFailed, "task failed", data: ["code": 24, "description": "banned"]),
        ]
        for error in errors {
            let response = Self.convert(error, attempts: 3)
            #expect(response.data?["attempts"] == 3, "\(response)")
            #expect(response.message.hasSuffix(" (sent 3 times)"), "\(response.message)")
            let once = Self.convert(error, attempts: 1)
            #expect(once.data?["attempts"] == 1)
            #expect(!once.message.contains("sent"), "\(once.message)")
        }
        #expect(Self.convert(UpstreamError.unreachable(reason: "refused"), attempts: nil).data?["attempts"] == 0)
    }

    @Test func errorsThatAreNotTheUpstreamsCarryNoAttempts() {
        let file = ResponseError(.fileError, "no such file", data: ["path": "/x", "reason": "not_found"])
        #expect(Self.convert(file, attempts: 2) == file)
        #expect(Self.convert(CancellationError(), attempts: 2).data?["attempts"] == nil)
    }

    @Test(arguments: [(nil, "cancelled"), (CancelReason.cancelled, "cancelled"), (.signal, "signal")] as [(CancelReason?, String)])
    func cancellationIsRequestCancelled(reason: CancelReason?, expected: String) {
        let underlying: any Error = reason == nil ? CancellationError() : UpstreamError.unreachable(reason: "aborted")
        for error in [underlying, PartialOutputError(underlying, partial: Self.partial)] as [any Error] {
            let response = Self.convert(error, cancelReason: reason)
            #expect(response.code == .requestCancelled)
            #expect(response.code.rawValue == -32800)
            #expect(response.data?["reason"] == .string(expected))
            let expectedPartial: JSONValue? = error is PartialOutputError ? .some(Self.partial) : .none
            #expect(response.data?["partial"] == expectedPartial)
        }
    }

    @Test func responseErrorsPassThroughAndOthersAreInternal() {
        let invalid = ResponseError.invalidParams(field: "model", "must be a string")
        #expect(Self.convert(invalid) == invalid)
        struct Oops: Error {}
        #expect(Self.convert(Oops()).code == .internalError)
    }

    // MARK: - Secrets

    static let key = "sk-proj-SECRETKEY-0123456789"

    /// Failures whose text or data contain the key, each in a different place.
    enum LeakyFailure: CaseIterable {
        case openAIErrorMessage, htmlTitle, plainBody, unreachableReason, badResponseError, partialOutput, dataKey

        var error: any Error {
            let key = ErrorConversionTests.key
            switch self {
            case .openAIErrorMessage:
                return ErrorConversionTests.http(401, #"{"error":{"message":"Incorrect API key provided: \#(key).","code":"invalid_api_key"}}"#)
            case .htmlTitle:
                return ErrorConversionTests.http(400, "<html><title>Bad key \(key)</title></html>", contentType: "text/html")
            case .plainBody:
                return ErrorConversionTests.http(500, "upstream said: \(key)", contentType: "text/plain")
            case .unreachableReason:
                return UpstreamError.unreachable(reason: "proxy rejected Bearer \(key)")
            case .badResponseError:
                return UpstreamError.badResponse(reason: "echoed \(key)", upstreamError: Data(#"{"error":{"message":"\#(key)"}}"#.utf8))
            case .partialOutput:
                return PartialOutputError(UpstreamError.timeout(.idle, seconds: 1), partial: ["content": .string("the key is \(key)")])
            case .dataKey:
                return ResponseError(.internalError, "oops \(key)", data: [key: .string(key)])
            }
        }
    }

    @Test(arguments: LeakyFailure.allCases)
    func registeredSecretsNeverAppear(failure: LeakyFailure) {
        let secrets = Secrets()
        secrets.register(Self.key)
        let response = Self.convert(failure.error, secrets: secrets)
        #expect(!response.json.jsonText.contains(Self.key))
        #expect(!response.message.contains(Self.key))
        #expect(response.json.jsonText.contains("[redacted]"))
    }

    /// A key cut in two by the message's or the body's length limit must not survive in part.
    @Test(arguments: [180, 1980])
    func truncationLeavesNoPartOfASecret(padding: Int) {
        let secrets = Secrets()
        secrets.register(Self.key)
        let body = String(repeating: "x", count: padding) + Self.key + " was refused"
        let response = Self.convert(Self.http(403, body, contentType: "text/plain"), secrets: secrets)
        #expect(!response.json.jsonText.contains("SECRETKEY"))
        #expect(response.json.jsonText.contains("[redacted]"))
    }

    /// The same for a 200 answer that is not JSON, whose start is quoted in the -32004 reason.
    @Test func nonJSONSuccessBodyCutLeavesNoPartOfASecret() throws {
        let secrets = Secrets()
        secrets.register(Self.key)
        let body = String(repeating: "x", count: 180) + Self.key + " was refused"
        let error = try #require(throws: UpstreamError.self) {
            try UpstreamJSON.parse(Data(body.utf8), contentType: "text/plain", secrets: secrets)
        }
        let response = Self.convert(error, secrets: secrets)
        #expect(response.code == .upstreamBadResponse)
        #expect(!response.json.jsonText.contains("SECRETKEY"))
    }
}
