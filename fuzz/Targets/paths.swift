// modules: JSONRPC Transport Upstream Server
// max_len: 1024
import Glibc
import JSONRPC
@testable import Server

// Target `paths`: what decides which files are read and where requests go
// (Sources/Server/Files/ReadPolicy.swift, Passthrough/APIPath.swift, Midjourney/MidjourneyTaskID.swift)
// and the scrubbing of secrets from every message written (Sources/Server/Support/Secrets.swift).
//
// The input's first line is a path, its second a secret, the rest text. Must hold:
// - RealPath.normalized gives an absolute path without `.`, `..` or empty components, and is
//   idempotent; ReadPolicy.refusal of it: the daemon's own /proc entries are refused by every
//   policy, a confined policy allows only paths under its root and never /proc, /sys or /dev.
// - ReadPolicy.check of the path (on the real file system; the run's folder holds links into
//   /proc/self and out of the root): a path it returns is absolute, normalized, and allowed.
// - A path api.request accepts has no segment that is empty, `.` or `..` once `;parameters` are
//   dropped, and no `%`, `?`, `#`, `\` or control character; a task id MidjourneyTaskID accepts is
//   one path segment.
// - Secrets.redact leaves no occurrence of a registered secret (letters, digits, `-` and `_`, one
//   digit at least, as keys are) in the strings of a serialized message that holds it, leaves it
//   JSON, and changes nothing in one that does not.

/// Links in the run's folder (fuzz/run.sh runs targets in .build-fuzz/sandbox): into the
/// daemon's own /proc entry, and out of the root.
private let links: Void = {
    _ = symlink("/proc/self/environ", "environ-link")
    _ = symlink("/etc", "etc-link")
    _ = mkdir("root", 0o755)
    _ = symlink("../dir", "root/up-link")
}()

private func checkNormalized(_ path: String) {
    check(path.utf8.first == UInt8(ascii: "/"), "normalized path \(path.debugDescription) is not absolute")
    let components = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst()
    check(path == "/" || !components.contains { $0.isEmpty || $0.elementsEqual(".".utf8) || $0.elementsEqual("..".utf8) },
          "normalized path \(path.debugDescription) keeps ., .. or an empty component")
    check(RealPath.normalized(path, appending: []) == path, "normalizing \(path.debugDescription) again changes it")
}

private func checkPolicies(_ path: String, root: String) {
    let confined = ReadPolicy.confined(to: [root])
    let roots = confined.roots ?? []
    for policy in [ReadPolicy.trusted, confined] {
        let refusal = policy.refusal(of: path)
        if ["/proc/self", "/proc/thread-self", "/proc/\(getpid())"].contains(where: { ReadPolicy.path(path, isInside: $0) }) {
            check(refusal == .ownProcess, "\(path.debugDescription): the daemon's own process files allowed (\(String(describing: refusal)))")
        }
    }
    if confined.refusal(of: path) == nil {
        check(roots.contains { ReadPolicy.path(path, isInside: $0) }, "\(path.debugDescription) allowed outside the roots \(roots)")
        check(!ReadPolicy.systemFolders.contains { ReadPolicy.path(path, isInside: $0) }, "\(path.debugDescription) allowed in a system folder")
    }
}

private func checkFileSystem(_ path: String, random: inout InputRandom) {
    let policy = random.below(2) == 0 ? ReadPolicy.trusted : ReadPolicy.confined(to: ["root", "dir"])
    guard let real = try? policy.check(path, field: "file") else { return }
    checkNormalized(real)
    check(policy.refusal(of: real) == nil, "check allowed \(path.debugDescription) as \(real.debugDescription), which the policy refuses")
    check(!ProcessFiles.isOwn(real), "\(path.debugDescription) reaches the daemon's own process files as \(real.debugDescription)")
}

private func checkAPIPath(_ path: String) {
    guard let relative = try? APIPath.relative(path) else { return }
    for segment in relative.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
        let name = segment.prefix { $0 != UInt8(ascii: ";") }
        check(!name.isEmpty && !name.elementsEqual(".".utf8) && !name.elementsEqual("..".utf8),
              "api.request path \(path.debugDescription) accepted with segment \(String(decoding: segment, as: UTF8.self).debugDescription)")
    }
    check(!relative.utf8.contains { "%?#\\".utf8.contains($0) } && !relative.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F },
          "api.request path \(path.debugDescription) accepted with a reserved character")
}

private func checkTaskID(_ id: String) {
    guard MidjourneyTaskID.problem(id) == nil else { return }
    check(!id.utf8.contains(UInt8(ascii: "/")) && !id.utf8.elementsEqual(".".utf8) && !id.utf8.elementsEqual("..".utf8),
          "task id \(id.debugDescription) is not one path segment")
}

private func checkRedaction(secret: String, text: String) {
    let keyCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
    guard secret.count >= Secrets.minimumLength, secret.allSatisfy(keyCharacters.contains), secret.contains(where: \.isNumber) else { return }
    let secrets = Secrets()
    let plain: JSONValue = ["jsonrpc": "2.0", "method": "chat.delta", "params": ["delta": ["content": .string(text)]]]
    var untouched = plain.serialized()
    let before = untouched
    if !String(decoding: before, as: UTF8.self).contains(secret) {
        secrets.register(secret)
        secrets.redact(&untouched)
        check(untouched == before, "redact changed a message without the secret")
    } else {
        secrets.register(secret)
    }
    let holding: JSONValue = ["jsonrpc": "2.0", "id": 1, "result": ["text": .string(text + secret + text), "key": .string(secret)]]
    var bytes = holding.serialized()
    secrets.redact(&bytes)
    guard let parsed = try? JSONParser.parse(bytes) else { return check(false, "redact left a message that is not JSON") }
    check(!strings(in: parsed).contains { $0.utf8.firstRange(of: secret.utf8) != nil },
          "the secret survived redact: \(String(decoding: bytes, as: UTF8.self).prefix(300))")
}

/// Every string in `value`, keys included.
private func strings(in value: JSONValue) -> [String] {
    switch value {
    case .string(let text): [text]
    case .array(let elements): elements.flatMap(strings(in:))
    case .object(let object): object.flatMap { [$0.key] + strings(in: $0.value) }
    default: []
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = links
    let input = fuzzInput(data, size)
    var random = InputRandom(seed: input)
    let lines = String(decoding: input, as: UTF8.self).split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
    let path = lines[0]
    guard !path.contains("\0") else { return 0 }
    let normalized = RealPath.normalized("/", appending: path.split(separator: "/", omittingEmptySubsequences: false))
    checkNormalized(normalized)
    checkPolicies(normalized, root: ["/tmp", "/home", "/", "/proc"][random.below(4)])
    checkFileSystem(path, random: &random)
    checkAPIPath(path)
    checkTaskID(path)
    if lines.count > 1 { checkRedaction(secret: lines[1], text: lines.count > 2 ? lines[2] : "") }
    return 0
}
