import Foundation
import JSONRPC
import Testing
import TestSupport

extension EndToEnd {
@Suite("configuration end to end")
struct ConfigurationTests {
    @Test func aMissingKeyIsAClearErrorThatSaysHowToSetIt() throws {
        let harness = try Harness(responses: [])
        _ = try harness.daemon.call("config.update", ["api_key": .null], id: 0)
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.errorCode == -32005)
        #expect(response["error"]?["message"]?.stringValue?.contains("OPENAI_API_KEY") == true)
        #expect(harness.upstream.requests.isEmpty)
    }

    /// An empty key set in the environment means "send no key", as `"api_key": ""` does in the
    /// config file: what a local server (llama.cpp, Ollama) wants.
    @Test(arguments: [["OPENAI_API_KEY": ""], ["SWITCHBOARD_API_KEY": ""]])
    func anEmptyKeyInTheEnvironmentSendsNoKey(environment: [String: String]) throws {
        let harness = try Harness(environment: environment, responses: [.chatCompletion("no key needed")])
        let (response, _) = try harness.daemon.call("chat.complete", chatParams())
        try harness.finish()
        #expect(response.answer == "no key needed")
        let request = try #require(harness.upstream.requests.first)
        #expect(request.header("authorization") == nil, "\(request.headers)")
    }

    @Test func configGetRedactsSecretsAndConfigUpdateAppliesToLaterRequests() throws {
        let harness = try Harness(responses: [.chatCompletion("via update")])
        let (view, _) = try harness.daemon.call("config.get")
        #expect(view["result"]?["api_key"] == "[redacted]")
        #expect(view["result"]?["base_url"]?.stringValue == harness.upstream.baseURL)
        let (updated, _) = try harness.daemon.call("config.update", ["default_model": "updated-model", "headers": ["X-Api-Key": "hidden-value-123", "X-Team": "blue"]], id: 2)
        #expect(updated["result"]?["default_model"] == "updated-model")
        #expect(updated["result"]?["headers"]?["X-Api-Key"] == "[redacted]")
        #expect(updated["result"]?["headers"]?["X-Team"] == "blue")
        let (response, _) = try harness.daemon.call("chat.complete", ["messages": [["role": "user", "content": "Hi"]]], id: 3)
        try harness.finish()
        #expect(response.answer == "via update")
        let request = try #require(harness.upstream.requests.first)
        #expect(request.json?["model"] == "updated-model")
        #expect(request.header("x-team") == "blue")
        #expect(request.header("x-api-key") == "hidden-value-123")
        #expect(!String(decoding: harness.daemon.stdoutBytes, as: UTF8.self).contains("hidden-value-123"))
    }

    @Test func configUpdateRejectsUnknownFieldsAndWrongTypes() throws {
        let harness = try Harness(responses: [])
        let (unknown, _) = try harness.daemon.call("config.update", ["base_ur": "http://x"])
        #expect(unknown.errorCode == -32602)
        #expect(unknown["error"]?["data"]?["field"] == "base_ur")
        let (wrongType, _) = try harness.daemon.call("config.update", ["profiles": ["local": ["timeout_seconds": "long"]]], id: 2)
        #expect(wrongType["error"]?["data"]?["field"] == "profiles.local.timeout_seconds")
        try harness.finish()
    }

    @Test func aProfileChosenPerRequestReachesItsOwnUpstream() throws {
        let other = try FakeUpstream { _ in .chatCompletion("from the local profile") }
        defer { other.stop() }
        let harness = try Harness(responses: [.chatCompletion("from the default upstream")])
        _ = try harness.daemon.call("initialize", ["config": ["profiles": ["local": ["base_url": .string(other.baseURL), "api_key": "", "default_model": "llama"]]]])
        let (local, _) = try harness.daemon.call("chat.complete", ["profile": "local", "messages": [["role": "user", "content": "Hi"]]], id: 2)
        let (remote, _) = try harness.daemon.call("chat.complete", chatParams(), id: 3)
        let (unknown, _) = try harness.daemon.call("chat.complete", ["profile": "nope", "messages": []], id: 4)
        try harness.finish()
        #expect(local.answer == "from the local profile")
        #expect(remote.answer == "from the default upstream")
        #expect(unknown.errorCode == -32005)
        #expect(other.requests.first?.json?["model"] == "llama")
        #expect(other.requests.first?.header("authorization") == nil, "an empty api_key sends no Authorization header")
        #expect(harness.upstream.requests.filter { $0.method == "POST" }.count == 1)
    }

    @Test func precedenceIsFileThenEnvironmentThenFlagsThenInitialize() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("config.json")
        try Data(#"{"default_model":"from-file","vision_model":"vision-from-file","max_retries":5,"timeout_seconds":99}"#.utf8).write(to: file)
        let harness = try Harness(arguments: ["--config", file.path, "--timeout", "42"],
                                  environment: ["SWITCHBOARD_MODEL": "from-env"], responses: [])
        let (view, _) = try harness.daemon.call("config.get")
        #expect(view["result"]?["vision_model"] == "vision-from-file")
        #expect(view["result"]?["default_model"] == "from-env")
        #expect(view["result"]?["timeout_seconds"] == 42)
        #expect(view["result"]?["max_retries"] == 2, "the harness's --max-retries flag beats the file")
        _ = try harness.daemon.call("initialize", ["config": ["default_model": "from-initialize"]], id: 2)
        let (after, _) = try harness.daemon.call("config.get", id: 3)
        #expect(after["result"]?["default_model"] == "from-initialize")
        try harness.finish()
    }

    @Test func apiKeyCommandIsRunOnceAndItsKeyIsUsedButNeverShown() throws {
        let commandKey = "sk-from-command-7f3a9c"
        let counter = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-keycount-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: counter) }
        let script = "echo run >> '\(counter.path)'; echo \(commandKey)"
        let harness = try Harness(responses: [.chatCompletion("one"), .chatCompletion("two")])
        _ = try harness.daemon.call("config.update", ["api_key": .null, "api_key_command": ["sh", "-c", .string(script)]])
        let (first, _) = try harness.daemon.call("chat.complete", chatParams(), id: 2)
        let (second, _) = try harness.daemon.call("chat.complete", chatParams(), id: 3)
        try harness.finish()
        #expect(first.answer == "one")
        #expect(second.answer == "two")
        #expect(harness.upstream.requests.map { $0.header("authorization") } == ["Bearer \(commandKey)", "Bearer \(commandKey)"])
        #expect(try String(contentsOf: counter, encoding: .utf8) == "run\n", "the command ran once")
        #expect(!harness.daemon.stderr.contains(commandKey))
    }

    @Test func initializeRejectsABadConfigNamingTheField() throws {
        let harness = try Harness(responses: [])
        let (response, _) = try harness.daemon.call("initialize", ["config": ["max_retries": -1]])
        try harness.finish()
        #expect(response.errorCode == -32602)
        #expect(response["error"]?["data"]?["field"] == "config.max_retries")
    }

    @Test func anInvalidConfigFileStopsStartupWithItsPath() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-bad-\(UUID().uuidString).json")
        try Data("{ not json".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let daemon = try DaemonProcess(arguments: ["--config", file.path])
        #expect(try daemon.waitForExit() == 2)
        #expect(daemon.stderr.contains(file.path))
    }
}
}
