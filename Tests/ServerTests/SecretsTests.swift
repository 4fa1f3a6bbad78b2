import Testing
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
