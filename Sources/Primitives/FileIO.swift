internal import CSystem

/// A failed system call: which one, and `errno`'s explanation.
public struct SystemCallError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let code: Int32

    /// - Parameter code: the error number; nil takes `errno` as the failed call left it.
    public init(_ call: String, code: Int32? = nil) {
        self.call = call
        self.code = code ?? errno
    }

    public var description: String { "\(call): \(ErrorNumber.text(code))" }
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

    /// Reads from `descriptor` to the end of the file.
    public static func readToEnd(_ descriptor: Int32) throws(SystemCallError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in Result { () throws(SystemCallError) in try read(descriptor, into: buffer) } }
            switch count {
            case .success(0): return bytes
            case .success(let count): bytes += chunk[0..<count]
            case .failure(let error): throw error
            }
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

    /// What `writeWithoutWaiting` did.
    public enum ImmediateWrite: Equatable, Sendable {
        /// This many bytes were written (for a pipe, all of at most `PIPE_BUF` or none).
        case wrote(Int)
        /// Nothing was written: the pipe or socket is full.
        case wouldBlock
        /// This descriptor (a terminal, some files) or platform cannot write without waiting.
        case unsupported
        /// Writing failed (the reader has gone: EPIPE); `errno` says why.
        case failed
    }

    /// Opens the file at `realPath` (a path with every symbolic link resolved) for reading,
    /// following no link in it: a link that appeared after the path was resolved fails with
    /// `ELOOP` (see `sb_open_real_path`). Returns the descriptor, or -1 with `errno`.
    public static func openRealPath(_ realPath: String) -> Int32 {
        sb_open_real_path(realPath)
    }

    /// Writes what it can of `bytes` at once and never waits for the reader, whatever the
    /// descriptor's `O_NONBLOCK` flag, which is left alone (stdout's flags are shared with the
    /// process at the other end).
    public static func writeWithoutWaiting(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> ImmediateWrite {
        while true {
            let written = sb_write_nowait(descriptor, bytes.baseAddress, bytes.count)
            if written >= 0 { return .wrote(written) }
            switch errno {
            case EINTR: continue
            case EAGAIN: return .wouldBlock
            case EOPNOTSUPP, ENOSYS, EINVAL, ESPIPE: return .unsupported
            default: return .failed
            }
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
