public import Foundation

/// The TLS upstream of the end-to-end tests: `Tests/Fixtures/tls/tls_upstream.py`, run by the
/// system's Python, serving HTTP/1.1 over TLS on 127.0.0.1 with a self-signed certificate
/// (`certificatePath`) for 127.0.0.1. Every POST gets a one-delta chat stream whose text is
/// "over TLS".
public final class TLSUpstream: Sendable {
    public let port: Int
    private let process: Process
    private let input: FileHandle

    /// The folder of the fixture: its certificate, key and server script.
    public static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/tls")

    /// The certificate a client must trust (`SSL_CERT_FILE`).
    public static var certificatePath: String { fixtures.appendingPathComponent("cert.pem").path }

    /// Starts the server and waits for its port.
    public init() throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.fixtures.appendingPathComponent("tls_upstream.py").path]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        input = stdin.fileHandleForWriting
        var line: [UInt8] = []
        while let byte = try stdout.fileHandleForReading.read(upToCount: 1)?.first, byte != 0x0A { line.append(byte) }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw SocketError(message: "the TLS upstream did not start (is python3 installed?)")
        }
        self.port = port
    }

    /// `https://127.0.0.1:<port>/v1`.
    public var baseURL: String { "https://127.0.0.1:\(port)/v1" }

    /// Ends the server (it exits when its stdin closes).
    public func stop() {
        try? input.close()
        process.waitUntilExit()
    }
}
