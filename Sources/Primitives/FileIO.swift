#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: which one, and `errno`'s explanation.
public struct SystemCallError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let code: Int32

    /// - Parameter code: the error number; nil takes `errno` as the failed call left it.
    public init(_ call: String, code: Int32? = nil) {
        self.call = call
        self.code = code ?? errno
    }

    public var description: String { "\(call): \(String(cString: strerror(code)))" }
}

/// Reading and writing whole buffers through a file descriptor, retrying after signals.
public enum FileIO {
    /// Reads once into `buffer`; returns the bytes read, 0 at the end of the file.
    public static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> Int {
        while true {
            let count = systemRead(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw SystemCallError("read") }
        }
    }

    /// Writes every byte of `bytes`.
    public static func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemCallError("write")
            }
            offset += written
        }
    }
}

#if canImport(Glibc)
private let systemRead = Glibc.read
private let systemWrite = Glibc.write
#else
private let systemRead = Darwin.read
private let systemWrite = Darwin.write
#endif
