import JSONRPC
import Testing
import TestSupport
@testable import Server

@Suite("secrets")
struct SecretsTests {
    @Test func aSecretContainingAnotherIsRemovedWhole() {
        let secrets = Secrets()
        secrets.register("abcdef")
        secrets.register("abcdef123456")
        #expect(secrets.scrub("key=abcdef123456 short=abcdef") == "key=[redacted] short=[redacted]")
    }

    @Test func excerptsAreScrubbedBeforeTheyAreCut() {
        let secrets = Secrets()
        secrets.register("sk-0123456789")
        let text = String(repeating: "x", count: 15) + "sk-0123456789"
        let excerpt = secrets.excerpt(text, limit: 20)
        #expect(!excerpt.contains("sk-01"))
        #expect(excerpt == String(repeating: "x", count: 15) + "[reda…")
    }
}

/// `Secrets.redact`: the byte-level scrubbing of serialized messages and log lines.
@Suite("secrets redacted from bytes")
struct SecretRedactionTests {
    static func redacted(_ text: String, _ secrets: Secrets) -> String {
        var bytes = Array(text.utf8)
        secrets.redact(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func everyOccurrenceIsReplacedAndTheRestKept() {
        let secrets = Secrets()
        secrets.register("sk-live-123456")
        #expect(Self.redacted(#"{"a":"sk-live-123456 and sk-live-123456","b":"sk-live-12345"}"#, secrets)
            == #"{"a":"[redacted] and [redacted]","b":"sk-live-12345"}"#)
        #expect(Self.redacted("sk-live-123456", secrets) == "[redacted]")
        #expect(Self.redacted("ssssk-live-123456s", secrets) == "sss[redacted]s")
        #expect(Self.redacted("sk-live-12345", secrets) == "sk-live-12345")
    }

    @Test func aSecretIsFoundAsJSONWritesItAndTheMessageStaysJSON() throws {
        let secrets = Secrets()
        let secret = #"pa"ss\word-1"#
        secrets.register(secret)
        let message: JSONValue = ["result": ["text": .string("the key is \(secret).")]]
        var bytes = message.serialized()
        #expect(String(decoding: bytes, as: UTF8.self).contains(#"pa\"ss\\word-1"#))
        secrets.redact(&bytes)
        let parsed = try JSONParser.parse(bytes)
        #expect(parsed["result"]?["text"] == "the key is [redacted].")
    }

    @Test func secretsThatContainOthersAndSecretHeadersAreAllRemoved() {
        let secrets = Secrets()
        for secret in ["abcdef", "abcdef123456", "Cookie-session-999"] { secrets.register(secret) }
        #expect(Self.redacted("abcdef123456 abcdef Cookie-session-999", secrets) == "[redacted] [redacted] [redacted]")
    }

    @Test func withoutSecretsOrShortMessagesNothingChanges() {
        let none = Secrets()
        #expect(Self.redacted("sk-anything-at-all", none) == "sk-anything-at-all")
        let secrets = Secrets()
        secrets.register("sk-live-123456")
        #expect(Self.redacted("", secrets) == "")
        #expect(Self.redacted("sk-live", secrets) == "sk-live")
    }

    /// Every message on stdout passes through `redact`: a delta-sized message with two secrets
    /// known and absent costs a few hundred nanoseconds in a release build (the relay writes
    /// ~400,000 a second); this debug-build bound catches a slow path (a copy, a per-byte loop).
    /// A sanitizer's instrumentation costs more than the bound: it is stretched there.
    @Test func aMessageWithoutTheSecretCostsLittle() {
        let secrets = Secrets()
        secrets.register("sk-proj-0123456789abcdefghijklmnopqrstuvwxyz")
        secrets.register("session-cookie-value-0123456789")
        let message: JSONValue = ["jsonrpc": "2.0", "method": "chat.delta", "params": [
            "request_id": 1, "index": 0, "delta": ["content": "some streamed words, sk-like sss text"], "finish_reason": .null]]
        let delta = message.serialized()
        let rounds = 200_000
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<rounds {
                var bytes = delta
                secrets.redact(&bytes)
                precondition(bytes.count == delta.count)
            }
        }
        let perMessage = elapsed / rounds
        #expect(perMessage < .microseconds(10) * TestTiming.slack, "redact took \(perMessage) per \(delta.count)-byte message")
    }
}

/// `SecretPattern`: the search by the rarest byte finds every occurrence, at any place.
@Suite("secret patterns")
struct SecretPatternTests {
    @Test(arguments: ["sk-proj-0123456789", "abcdefgh", "A", "aaaaab", "\"quoted\\\\"])
    func everyOccurrenceIsFoundWhereverItIs(secret: String) {
        let pattern = SecretPattern(Array(secret.utf8))
        for prefix in ["", "x", "sk-proj-012345678", String(repeating: "a", count: 37)] {
            for suffix in ["", "y", "0123"] {
                let text = Array((prefix + secret + suffix).utf8)
                #expect(pattern.first(in: text, from: 0) == prefix.utf8.count, "\(prefix)|\(secret)|\(suffix)")
                #expect(pattern.first(in: text, from: prefix.utf8.count + 1) == nil || secret.count == 1 && suffix.contains(secret))
            }
        }
        #expect(pattern.first(in: Array(secret.utf8.dropLast()), from: 0) == nil)
        #expect(pattern.first(in: [], from: 0) == nil)
    }
}

/// A secret that a JSON escape's last letters seem to begin is not there: replacing it would
/// break the message.
@Suite("secrets next to JSON escapes")
struct SecretEscapeTests {
    @Test(arguments: ["\u{0F}b6dro-1", "\nabc123", "x\\\\fb6dro-1"])
    func aMatchStartingInsideAnEscapeIsLeftAndTheMessageStaysJSON(text: String) throws {
        let secrets = Secrets()
        secrets.register("fb6dro-1")
        secrets.register("nabc123")
        let message: JSONValue = ["result": ["text": .string(text)]]
        var bytes = message.serialized()
        secrets.redact(&bytes)
        let parsed = try JSONParser.parse(bytes)
        let expected = text.replacing("fb6dro-1", with: "[redacted]").replacing("nabc123", with: "[redacted]")
        #expect(parsed["result"]?["text"]?.stringValue == expected, "\(String(decoding: bytes, as: UTF8.self))")
    }
}
