// modules: JSONRPC Transport Upstream Server
// max_len: 8192
// dict: message
// flags: -detect_leaks=0
import Dispatch
import Foundation
import Glibc
import HTTP
import JSONRPC
@testable import Server
import Transport
import Upstream

// Target `message`: what the daemon does with a parsed message before any upstream call.
//
// The input is parsed as JSON (a batch is taken member by member), then:
// - `IncomingMessage` must classify it consistently with its members (a request has a string
//   method and a string/number id, a notification has no id, ...), and the error response for an
//   invalid one must round-trip;
// - every `Params` getter, on every key, either answers or throws -32602 naming that key;
// - the params as a configuration patch (and `params.config`, as `initialize` takes it): the
//   merge patch must obey RFC 7396 (null deletes, objects merge, the rest replaces, applying twice
//   changes nothing); a patch `ConfigSchema.validate` accepts must apply, leave a configuration
//   that still validates, and give settings for every profile or a -32005; from those settings
//   the upstream requests (and MidJourney's routes) must be built for the configured host;
// - every method of `MethodRegistry` is called with the params, on a fresh configuration with no
//   API key (so nothing reaches the network: every upstream method stops at -32005 once its
//   params are decoded); the MidJourney submit bodies, decoded after the key, are built directly.
//   Any error must be -32602, -32005 or -32006 — never -32603 or another error type.
//
// Methods read the local files params name (relative to the working directory: run.sh runs
// this target in .build-fuzz/sandbox). Params with a path into `/dev`, `/proc`, `/sys` or `/run`
// (or a file: URL with %-escapes, which could hide one) skip the method calls, so a mutated path
// cannot block on a device. `api_key_command` is never run: no key is ever resolved. `initialize`
// runs with `preconnect` forced off, so it opens no connection to a fuzzed host either.
//
// `-detect_leaks=0`: libFuzzer checks for leaks after every input that adds coverage and ends with
// more allocations than frees, by scanning the whole heap. The methods run in a Task, whose memory
// is freed on a pool thread after the input has returned, so nearly every such input set it off and
// the scans took most of the time. LeakSanitizer still checks the whole process when it exits.

private let client = UpstreamClient()
private let writer = OutputWriter(fd: open("/dev/null", O_WRONLY))
private let submitMethods = MethodRegistry.all.compactMap { $0 as? any MidjourneySubmitMethod }

// MARK: - Classification

private func checkClassification(_ value: JSONValue) {
    let message = IncomingMessage(value)
    let object = value.objectValue
    switch message {
    case .request(let id, let method, let params):
        check(object?["method"] == .string(method), "a request's method is not the message's")
        check(object?["id"].flatMap(RequestID.init) == id, "a request's id is not the message's")
        check(params == object?["params"], "a request's params are not the message's")
        check(params == nil || params?.objectValue != nil || params?.arrayValue != nil, "params neither object nor array")
        check(object?["jsonrpc"] == nil || object?["jsonrpc"] == "2.0", "a request with jsonrpc other than 2.0")
        checkRoundTrip(OutgoingMessage.result(id: id, .null), "result response")
        exercise(params, checkMethods: true)
    case .notification(let method, let params):
        check(object?["id"] == nil, "a notification has an id")
        check(object?["method"] == .string(method), "a notification's method is not the message's")
        exercise(params, checkMethods: false)
    case .response:
        check(object?["method"] == nil && (object?["result"] != nil || object?["error"] != nil), "a response without result or error")
    case .invalid(let id, let error):
        check(error.code == .invalidRequest, "an invalid message answered with \(error.code)")
        check(id == nil || object?["id"].flatMap(RequestID.init) == id, "an invalid message's id is not the message's")
        checkRoundTrip(OutgoingMessage.error(id: id, error), "error response")
    }
}

// MARK: - Params

/// Runs one getter: it answers, or throws -32602 whose `data.field` is `key` or a path below it.
private func checkGetter(_ key: String, _ getter: (String) throws(ResponseError) -> Void) {
    do {
        try getter(key)
    } catch {
        check(error.code == .invalidParams, "getter for \(key) threw \(error.code)")
        let field = error.data?["field"]?.stringValue ?? ""
        check(field == key || field.hasPrefix(key + "."), "getter for \(key) blamed field \(field.debugDescription)")
        checkRoundTrip(error.json, "getter error")
    }
}

private func exercise(_ rawParams: JSONValue?, checkMethods: Bool) {
    let params: Params
    do {
        params = try Params(rawParams)
    } catch {
        check(error.code == .invalidParams, "Params(_:) threw \(error.code)")
        return
    }
    for key in params.object.keys {
        checkGetter(key) { key throws(ResponseError) in _ = try params.string(key) }
        checkGetter(key) { key throws(ResponseError) in _ = try params.requireString(key) }
        checkGetter(key) { key throws(ResponseError) in _ = try params.bool(key) }
        checkGetter(key) { key throws(ResponseError) in _ = try params.int(key) }
        checkGetter(key) { key throws(ResponseError) in _ = try params.array(key) }
        checkGetter(key) { key throws(ResponseError) in _ = try params.objectValue(key) }
        checkGetter(key) { key throws(ResponseError) in _ = try params.strings(key) }
    }
    checkConfigPatch(params.object, path: "")
    if let config = params["config"]?.objectValue { checkConfigPatch(config, path: "config.") }
    if checkMethods, !mentionsSpecialFiles(.object(params.object)) { callMethods(params) }
}

// MARK: - Configuration

private func checkConfigPatch(_ patch: JSONObject, path: String) {
    let merged = ConfigSchema.defaults.merging(patch)
    for (key, value) in patch {
        switch value {
        case .null: check(merged[key] == nil, "merge patch: null did not delete \(key)")
        case .object: check(merged[key]?.objectValue != nil, "merge patch: object \(key) did not stay an object")
        default: check(merged[key] == value, "merge patch: \(key) was not replaced")
        }
    }
    check(merged.merging(patch) == merged, "merge patch: applying it twice changed the result")
    checkRoundTrip(.object(merged), "merged configuration")

    do {
        try ConfigSchema.validate(patch, path: path)
    } catch {
        check(error.code == .invalidParams, "validate threw \(error.code)")
        check(error.data?["field"]?.stringValue?.hasPrefix(path) == true, "validate blamed a field outside \(path.debugDescription)")
        return
    }
    let store = ConfigStore(startup: JSONObject(), secrets: Secrets())
    do {
        try store.apply(patch, path: path)
        try ConfigSchema.validate(store.current)
    } catch {
        fatalError("fuzz invariant failed: a patch validate accepts did not apply, or left an invalid configuration: \(error)")
    }
    let profiles = store.current["profiles"]?.objectValue?.keys ?? []
    for profile in [nil] + profiles.map(Optional.some) {
        do {
            checkRequests(try store.settings(profile: profile))
            checkRoundTrip(try store.view(profile: profile), "config view")
        } catch {
            check(error.code == .configError, "settings for profile \(profile ?? "(none)") threw \(error.code): \(error.message)")
        }
    }
}

/// Builds requests as `RequestContext.target` would, with a stand-in key (a real one would come
/// from `KeyResolver`, which may run `api_key_command`: never from fuzzed input).
private func checkRequests(_ settings: Settings) {
    let target = UpstreamTarget(baseURL: settings.baseURL, apiKey: "k", headers: settings.headers,
                                timeouts: Timeouts(request: settings.timeoutSeconds, idle: settings.idleTimeoutSeconds),
                                retry: RetryPolicy(maxRetries: settings.maxRetries))
    let host = settings.baseURL.host
    for path in ["chat/completions", "audio/speech", "mj/task/1/fetch"] {
        check(URL(string: target.request("POST", path, body: Data("{}".utf8)).url)?.host == host, "a request for \(path) left \(host ?? "nil")")
    }
    check(URL(string: target.upload("images/edits", contentType: "multipart/form-data", file: "/nonexistent", size: 1).url)?.host == host, "an upload left the host")
    for mode in [nil] + MidjourneyRoute.modes {
        check(MidjourneyRoute.base(for: settings.baseURL, mode: mode).host == host, "MidJourney's route left the host")
    }
}

// MARK: - Methods

private let specialFolders: Set<Substring> = ["dev", "proc", "sys", "run"]

/// Whether a string in `value` could lead a method to a device or a kernel file: a path with a
/// `dev`, `proc`, `sys` or `run` component, or a file: URL with %-escapes (which could hide one).
private func mentionsSpecialFiles(_ value: JSONValue) -> Bool {
    switch value {
    case .string(let text):
        if text.lowercased().hasPrefix("file:") && text.contains("%") { return true }
        return text.split(separator: "/").contains { specialFolders.contains($0) }
    case .array(let elements):
        return elements.contains(where: mentionsSpecialFiles)
    case .object(let object):
        return object.contains { mentionsSpecialFiles(.string($0.key)) || mentionsSpecialFiles($0.value) }
    default:
        return false
    }
}

private func checkMethodError(_ error: any Error, _ name: String, secrets: Secrets) {
    let converted = ErrorConversion.responseError(for: error, cancelReason: nil, secrets: secrets)
    check([.invalidParams, .configError, .fileError].contains(converted.code),
          "\(name) failed with \(converted.code) before any upstream call: \(converted.message)")
    checkRoundTrip(OutgoingMessage.error(id: .number(JSONNumber(1)), converted), "\(name) error response")
}

/// `params` with `config.preconnect` set to false, for `initialize`.
private func withoutPreconnect(_ params: Params) -> Params {
    var object = params.object
    guard var config = object["config"]?.objectValue else { return params }
    config["preconnect"] = false
    object["config"] = .object(config)
    return (try? Params(.object(object))) ?? params
}

private func callMethods(_ params: Params) {
    let done = DispatchSemaphore(value: 0)
    Task {
        for method in MethodRegistry.all where type(of: method).name != RPCDiscover.name {
            let secrets = Secrets()
            let log = try! Log(level: .error, secrets: secrets)
            let context = RequestContext(id: .number(JSONNumber(1)), client: client,
                                         config: ConfigStore(startup: ["preconnect": false], secrets: secrets), log: log,
                                         secrets: secrets, keys: KeyResolver(secrets: secrets), writer: writer,
                                         lifecycle: Lifecycle())
            do {
                let callParams = type(of: method).name == Initialize.name ? withoutPreconnect(params) : params
                checkRoundTrip(try await method.call(callParams, context: context), "\(type(of: method).name) result")
            } catch {
                checkMethodError(error, type(of: method).name, secrets: secrets)
            }
        }
        let settings = try! Settings(ConfigSchema.defaults, profile: nil)
        for method in submitMethods {
            do {
                _ = try MidjourneyRoute.mode(try params.string("mode"))
                _ = try MidjourneyTaskWaiter.interval(params)
                let body = try method.body(params, passthrough: MidjourneyRequest.passthrough(params), settings: settings)
                checkRoundTrip(.object(body), "\(type(of: method).name) body")
            } catch {
                checkMethodError(error, type(of: method).name, secrets: Secrets())
            }
        }
        done.signal()
    }
    done.wait()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let value = try? JSONParser.parse(fuzzInput(data, size)) else { return 0 }
    if let batch = value.arrayValue {
        batch.forEach(checkClassification)
    } else {
        checkClassification(value)
    }
    return 0
}
