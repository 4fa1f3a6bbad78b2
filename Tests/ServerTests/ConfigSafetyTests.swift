import Foundation
import JSONRPC
import Primitives
@testable import Server
import Testing

/// What the configuration refuses or hides because it would leak or inject credentials: control
/// characters in the key and in headers, headers only the HTTP engine sets, a config file that
/// other users could change, and the password in `base_url`.
struct ConfigSafetyTests {
    // MARK: - Line breaks in the key and in headers

    @Test(arguments: ["sk-line-break-77aa\r\nX-Evil: 1", "sk-line-feed-77aa\n", "sk-nul-77aa\0", "sk-tab-77aa\tx"])
    func aKeyWithAControlCharacterIsRefusedWithoutBeingQuoted(key: String) throws {
        for (patch, field) in [(["api_key": JSONValue.string(key)] as JSONObject, "api_key"),
                               (["profiles": ["p": ["api_key": .string(key)]]], "profiles.p.api_key")] {
            let error = try #require(throws: ResponseError.self) { try ConfigSchema.validate(patch) }
            #expect(error.data?["field"] == .string(field))
            #expect(error.message.contains("control character"))
            #expect(!error.message.contains("77aa"))
        }
    }

    @Test(arguments: [
        (#"{"headers":{"X-Team":"blue\r\nX-Injected: 1"}}"#, "headers.X-Team", "CR, LF or NUL"),
        (#"{"headers":{"X-Team":"blue\u0000"}}"#, "headers.X-Team", "CR, LF or NUL"),
        (#"{"headers":{"X-Team\r\nX-Injected":"1"}}"#, "headers.X-Team\r\nX-Injected", "not a valid header name"),
        (#"{"headers":{"X Team":"1"}}"#, "headers.X Team", "not a valid header name"),
        (#"{"headers":{"Host":"evil.example"}}"#, "headers.Host", "HTTP engine sets it"),
        (#"{"headers":{"content-length":"0"}}"#, "headers.content-length", "HTTP engine sets it"),
        (#"{"headers":{"Transfer-Encoding":"chunked"}}"#, "headers.Transfer-Encoding", "HTTP engine sets it"),
        (#"{"profiles":{"p":{"headers":{"HOST":"evil.example"}}}}"#, "profiles.p.headers.HOST", "HTTP engine sets it"),
    ] as [(String, String, String)])
    func aHeaderThatWouldInjectOrRedirectIsRefused(patch: String, field: String, problem: String) throws {
        let object = try #require(try JSONParser.parse(patch).objectValue)
        let error = try #require(throws: ResponseError.self) { try ConfigSchema.validate(object) }
        #expect(error.data?["field"] == .string(field))
        #expect(error.message.contains(problem), "\(error.message)")
        let store = ConfigStore(startup: [:], secrets: Secrets())
        #expect(throws: ResponseError.self) { try store.apply(object) }
    }

    @Test func ordinaryHeadersAndDeletingAHostHeaderAreAccepted() throws {
        let patch = try #require(try JSONParser.parse(#"{"headers":{"X-Title":"a\tb","OpenAI-Beta":"assistants=v2","Host":null}}"#).objectValue)
        #expect(throws: Never.self) { try ConfigSchema.validate(patch) }
    }

    /// A key from the environment is not validated as it is read: it is refused where it is used.
    @Test func aKeyWithALineBreakFromTheEnvironmentIsRefusedWhenUsed() throws {
        let store = ConfigStore(startup: StartupConfig.environmentLayer(["OPENAI_API_KEY": "sk-env-77aa\nX-Evil: 1"]), secrets: Secrets())
        let error = try #require(throws: ResponseError.self) { try store.settings(profile: nil) }
        #expect(error.code == .configError)
        #expect(error.data?["field"] == "api_key")
        #expect(!error.message.contains("77aa"))
    }

    // MARK: - base_url's password

    @Test(arguments: [
        ("http://user:s3cret-pw@relay.example/v1", "http://user:[redacted]@relay.example/v1"),
        ("https://user:p@ss@relay.example:8443/v1?x=1", "https://user:[redacted]@relay.example:8443/v1?x=1"),
        ("http://relay.example:8080/v1", "http://relay.example:8080/v1"),
        ("http://user@relay.example/v1", "http://user@relay.example/v1"),
        ("http://user:@relay.example/v1", "http://user:@relay.example/v1"),
        ("failed: GET http://a:pw@h/v1/models, then \"https://b:pw2@h2\"", "failed: GET http://a:[redacted]@h/v1/models, then \"https://b:[redacted]@h2\""),
        ("no url here: a:b@c", "no url here: a:b@c"),
    ])
    func urlPasswordsAreRedacted(text: String, expected: String) {
        #expect(URLPassword.redacted(in: text) == expected)
        #expect(Secrets().scrub(text) == expected, "errors and logs are scrubbed of them, however short")
    }

    @Test func configGetShowsBaseURLWithoutItsPassword() throws {
        let store = ConfigStore(startup: ["base_url": "http://me:pw@relay.example/v1",
                                          "profiles": ["p": ["base_url": "https://me2:pw2@other.example/v1"]]],
                                secrets: Secrets(), lockedOverTheWire: true)
        let view = try store.view(profile: nil)
        #expect(view["base_url"] == "http://me:[redacted]@relay.example/v1")
        #expect(view["profiles"]?["p"]?["base_url"] == "https://me2:[redacted]@other.example/v1")
        #expect(try store.view(profile: "p")["base_url"] == "https://me2:[redacted]@other.example/v1")
        #expect(try store.settings(profile: nil).baseURL.absoluteString == "http://me:pw@relay.example/v1", "requests still use it")
    }

    // MARK: - Who may change the config file

    /// A config file in a new folder of its own; `mode` and `owner` applied to the file.
    static func configFile(mode: Int, owner: uid_t? = nil, folderMode: Int = 0o755) throws -> (path: String, folder: ConfigTests.TemporaryDirectory) {
        let folder = try ConfigTests.TemporaryDirectory()
        let path = try folder.file("config.json", #"{"api_key_command":["echo","sk-from-file"]}"#)
        #expect(chmod(path, mode_t(mode)) == 0)
        if let owner { #expect(chown(path, owner, gid_t(owner)) == 0) }
        #expect(chmod(folder.url.path, mode_t(folderMode)) == 0)
        return (path, folder)
    }

    @Test(arguments: [(0o666, "every user (mode 0666)"), (0o646, "every user (mode 0646)"), (0o664, "its group (mode 0664)")])
    func aConfigFileOthersCanWriteIsRefusedNamingTheFix(mode: Int, who: String) throws {
        let (path, folder) = try Self.configFile(mode: mode)
        _ = folder
        let failure = try #require(throws: StartupConfig.Failure.self) { try StartupConfig.fileLayer(path: path, required: false) }
        #expect(failure.description.contains("writable by \(who)"), "\(failure.description)")
        #expect(failure.description.contains("chmod go-w \(path)"))
    }

    @Test func aConfigFileOfAnotherUserIsRefused() throws {
        // Only root can give a file away; as another user the case cannot be set up.
        guard getuid() == 0 else { return }
        let (path, folder) = try Self.configFile(mode: 0o644, owner: 4242)
        _ = folder
        let failure = try #require(throws: StartupConfig.Failure.self) { try StartupConfig.fileLayer(path: path, required: true) }
        #expect(failure.description.contains("owned by another user (uid 4242)"), "\(failure.description)")
    }

    @Test func aFolderEveryoneCanWriteIsRefusedUnlessItIsSticky() throws {
        let (path, folder) = try Self.configFile(mode: 0o600, folderMode: 0o777)
        let failure = try #require(throws: StartupConfig.Failure.self) { try StartupConfig.fileLayer(path: path, required: true) }
        #expect(failure.description.contains("chmod o-w \(folder.url.path)"), "\(failure.description)")
        #expect(chmod(folder.url.path, 0o1777) == 0)
        #expect(try StartupConfig.fileLayer(path: path, required: true)["api_key_command"] != nil)
    }

    @Test(arguments: [0o600, 0o644, 0o640, 0o400])
    func aConfigFileOnlyItsOwnerCanWriteIsRead(mode: Int) throws {
        let (path, folder) = try Self.configFile(mode: mode)
        _ = folder
        #expect(try StartupConfig.fileLayer(path: path, required: true)["api_key_command"] != nil)
    }
}
