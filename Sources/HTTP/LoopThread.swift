#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A detached POSIX thread running a closure that never returns (Foundation's `Thread` is not
/// used, so the engine needs only the standard library).
enum LoopThread {
    private final class Box {
        let body: () -> Never
        init(_ body: @escaping () -> Never) { self.body = body }
    }

    static func spawn(_ body: @escaping () -> Never) throws(HTTPError) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let created = pthread_create(&thread, nil, { argument in
            #if canImport(Glibc)
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            #else
            let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
            #endif
            box.body()
        }, box)
        guard created == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw .unavailable("cannot start the HTTP thread: \(String(cString: strerror(created)))")
        }
        #if canImport(Glibc)
        pthread_detach(thread)
        #else
        if let thread { pthread_detach(thread) }
        #endif
    }
}
