import Glibc

/// Why a socket operation failed, with the `errno` text.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    /// The call that failed and the system's explanation.
    public let description: String

    init(_ call: String, errno code: Int32 = errno) {
        description = "\(call): \(String(cString: strerror(code)))"
    }

    init(message: String) { description = message }
}

/// A thin wrapper over a TCP socket file descriptor: blocking calls, no ownership rules of its own.
///
/// Whoever creates a `Socket` decides when to `close()` it; every send uses `MSG_NOSIGNAL` so a
/// peer that went away gives `EPIPE` instead of killing the test process with SIGPIPE.
struct Socket: Sendable, Hashable {
    let fd: Int32

    /// A listening socket bound to 127.0.0.1 on an ephemeral port, with SO_REUSEADDR.
    static func listenOnLoopback(backlog: Int32 = 128) throws(SocketError) -> (socket: Socket, port: Int) {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let error = SocketError("bind")
            Glibc.close(fd)
            throw error
        }
        guard listen(fd, backlog) == 0 else {
            let error = SocketError("listen")
            Glibc.close(fd)
            throw error
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let error = SocketError("getsockname")
            Glibc.close(fd)
            throw error
        }
        return (Socket(fd: fd), Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A socket connected to 127.0.0.1:`port`.
    static func connectToLoopback(port: Int) throws(SocketError) -> Socket {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        var address = loopbackAddress(port: port)
        var result: Int32
        repeat {
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            let error = SocketError("connect")
            Glibc.close(fd)
            throw error
        }
        return Socket(fd: fd)
    }

    private static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// Accepts one connection; nil when the listener was shut down or failed.
    func accept() -> Socket? {
        while true {
            let client = Glibc.accept(fd, nil, nil)
            if client >= 0 {
                // Keep the connection out of processes the tests spawn, or closing it here would not end it.
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                return Socket(fd: client)
            }
            switch errno {
            case EINTR, ECONNABORTED, EAGAIN: continue
            default: return nil
            }
        }
    }

    /// Reads up to `maximum` bytes; empty at end of stream, nil on error.
    func receive(maximum: Int = 65_536) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: maximum)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, maximum, 0) }
            if count >= 0 { return Array(chunk[0..<count]) }
            if errno != EINTR { return nil }
        }
    }

    /// Writes every byte; false when the peer went away or the socket was shut down.
    func sendAll(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    /// Waits up to `milliseconds` (negative: forever) for the socket to be readable or hung up.
    /// Returns false on timeout.
    func waitReadable(milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return true }
            if ready == 0 { return false }
            if errno != EINTR { return true }
        }
    }

    /// Stops both directions: blocked `recv`, `send`, `accept` and `poll` calls on it return at once.
    func shutdown() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    /// Releases the descriptor. Call once, and only when no other thread can still use it.
    func close() { _ = Glibc.close(fd) }
}
