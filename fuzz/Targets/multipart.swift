// modules: JSONRPC Upstream
// max_len: 8192
import Foundation
import Glibc
import Upstream

// Target `multipart`: the multipart/form-data encoder (Sources/Upstream/MultipartBody.swift).
//
// The input describes a form: a chunk size, then parts — text fields (name, value) and files
// (name, optional file name, optional content type, bytes), strings taken as UTF-8 with bad
// sequences replaced. The files are written to a scratch folder, the body is written with that
// chunk size, and the body is read back byte by byte against RFC 7578 and the encoder's
// documented layout:
// - the boundary is `switchboard-` and 32 hex digits; the body is `--boundary CRLF headers CRLF
//   CRLF bytes CRLF` per part in order, then `--boundary-- CRLF`, and `write` returns its size;
// - no header line holds a CR or LF (names cannot inject headers); the name and file name
//   unquote to the originals with CR and LF as `%0D` and `%0A`;
// - a file part's Content-Type is the one given, else `UploadContentType.sniff` of its first chunk;
// - each part's bytes are the value or the file, exactly.

private let scratch: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-fuzz-multipart-\(getpid())")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()

private let extensions = ["", ".mp3", ".wav", ".m4a", ".bin", ".OGG"]
/// Every file a form may name (`files[part][extension]`) and the body's file, made once: each
/// URL made from a path costs a `stat` on Linux.
private let files = (0..<8).map { part in extensions.map { scratch.appendingPathComponent("file\(part)\($0)") } }
private let bodyFile = scratch.appendingPathComponent("body")
private let contentTypes: [String?] = [nil, nil, "image/png", "audio/wav", "application/octet-stream"]

/// Reads the form description; an exhausted input reads as zeros and empty strings.
private struct FormReader {
    let bytes: [UInt8]
    var position = 0

    var atEnd: Bool { position >= bytes.count }

    mutating func byte() -> Int {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return Int(bytes[position])
    }

    /// Up to `length` bytes (fewer at the end of the input).
    mutating func take(_ length: Int) -> ArraySlice<UInt8> {
        let end = min(bytes.count, position + length)
        defer { position = end }
        return bytes[position..<end]
    }

    /// Bytes with a two-byte length.
    mutating func data(maxLength: Int) -> [UInt8] { Array(take(min(maxLength, byte() << 8 | byte()))) }

    /// A string with a one-byte length.
    mutating func string() -> String { String(decoding: take(byte()), as: UTF8.self) }
}

/// What a part should look like once written.
private struct ExpectedPart {
    var name: String
    var filename: String?
    var contentType: String?
    var body: [UInt8]
}

/// `text` as it must appear unquoted: CR and LF percent-encoded.
private func headerSafe(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    for byte in text.utf8 {
        switch byte {
        case 0x0D: bytes += Array("%0D".utf8)
        case 0x0A: bytes += Array("%0A".utf8)
        default: bytes.append(byte)
        }
    }
    return bytes
}

/// Reads the body back, trapping at the first difference from `expected`.
private struct BodyChecker {
    let body: [UInt8]
    var position = 0

    mutating func expect(_ literal: [UInt8], _ what: String) {
        let end = position + literal.count
        check(end <= body.count && sameBytes(body[position..<end], literal[...]),
              "expected \(what) \(String(decoding: literal, as: UTF8.self).debugDescription) at byte \(position), found \(String(decoding: body[min(position, body.count)..<min(end, body.count)], as: UTF8.self).debugDescription)")
        position = end
    }

    mutating func expect(_ literal: String, _ what: String) { expect(Array(literal.utf8), what) }

    /// A quoted string: `"`, bytes with `\x` escapes, `"`.
    mutating func expectQuoted(_ unquoted: [UInt8], _ what: String) {
        expect("\"", "the opening quote of \(what)")
        var value: [UInt8] = []
        while position < body.count, body[position] != UInt8(ascii: "\"") {
            if body[position] == UInt8(ascii: "\\"), position + 1 < body.count { position += 1 }
            value.append(body[position])
            position += 1
        }
        check(value == unquoted, "\(what) unquotes to \(String(decoding: value, as: UTF8.self).debugDescription), expected \(String(decoding: unquoted, as: UTF8.self).debugDescription)")
        expect("\"", "the closing quote of \(what)")
    }

    /// The part's header block, up to its blank line, holds CR and LF only as CRLF line ends.
    func checkHeaderLines() {
        var end = position
        while end + 3 < body.count, body[end..<end + 4] != [0x0D, 0x0A, 0x0D, 0x0A] { end += 1 }
        check(end + 3 < body.count, "no blank line after the headers at byte \(position)")
        for index in position..<end where body[index] == 0x0D || body[index] == 0x0A {
            let crOfCRLF = body[index] == 0x0D && body[index + 1] == 0x0A
            let lfOfCRLF = body[index] == 0x0A && index > position && body[index - 1] == 0x0D
            check(crOfCRLF || lfOfCRLF, "a bare CR or LF in a part's headers at byte \(index)")
        }
    }
}

private func checkBody(_ body: [UInt8], size: Int, boundary: String, parts: [ExpectedPart]) {
    check(size == body.count, "write returned \(size), the file holds \(body.count) bytes")
    let hex = boundary.dropFirst("switchboard-".count)
    check(boundary.hasPrefix("switchboard-") && hex.count == 32 && hex.allSatisfy(\.isHexDigit), "boundary \(boundary)")
    var reader = BodyChecker(body: body)
    for (number, part) in parts.enumerated() {
        reader.expect("--\(boundary)\r\n", "part \(number)'s delimiter")
        reader.checkHeaderLines()
        reader.expect("Content-Disposition: form-data; name=", "part \(number)'s Content-Disposition")
        reader.expectQuoted(headerSafe(part.name), "part \(number)'s name")
        if let filename = part.filename {
            reader.expect("; filename=", "part \(number)'s filename parameter")
            reader.expectQuoted(headerSafe(filename), "part \(number)'s filename")
            reader.expect("\r\nContent-Type: \(part.contentType!)", "part \(number)'s Content-Type")
        }
        reader.expect("\r\n\r\n", "the end of part \(number)'s headers")
        reader.expect(part.body, "part \(number)'s bytes")
        reader.expect("\r\n", "the CRLF after part \(number)")
    }
    reader.expect("--\(boundary)--\r\n", "the closing delimiter")
    check(reader.position == body.count, "\(body.count - reader.position) bytes after the closing delimiter")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var reader = FormReader(bytes: fuzzInput(data, size))
    let chunkSize = 1 + reader.byte() * 7
    var body = MultipartBody()
    var expected: [ExpectedPart] = []
    while !reader.atEnd && expected.count < 8 {
        let kind = reader.byte()
        let name = reader.string()
        if kind % 2 == 0 {
            let value = reader.string()
            body.append(name: name, value: value)
            expected.append(ExpectedPart(name: name, body: Array(value.utf8)))
            continue
        }
        let filename: String? = kind & 2 == 0 ? nil : reader.string()
        let contentType = contentTypes[(kind >> 2) % contentTypes.count]
        let file = files[expected.count][(kind >> 4) % extensions.count]
        // A file is copied in chunks of `chunkSize` bytes, each a read and a write: tiny chunks
        // get small files (at most 64 chunks), so that one run costs at most a few hundred calls.
        let content = reader.data(maxLength: min(4096, chunkSize * 64))
        try! Data(content).write(to: file)
        body.appendFile(name: name, path: file.path, filename: filename, contentType: contentType)
        let shownName = filename ?? file.lastPathComponent
        expected.append(ExpectedPart(name: name, filename: shownName,
                                     contentType: contentType ?? UploadContentType.sniff(content.prefix(chunkSize), filename: shownName),
                                     body: content))
    }
    let written = try! body.write(to: bodyFile, chunkSize: chunkSize)
    checkBody(Array(try! Data(contentsOf: bodyFile)), size: written, boundary: body.boundary, parts: expected)
    return 0
}
