/// Starts a detached POSIX thread (Foundation's `Thread` is not used, so the daemon needs only
/// the standard library and FoundationEssentials).
public enum DetachedThread {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Runs `body` on a new thread with a stack of `stackSize` bytes.
    /// - Parameter name: the thread's name as debuggers and `top -H` show it (`sb-…`, at most
    ///   15 bytes on Linux).
    /// - Returns: false when the system refused to start the thread.
    @discardableResult
    public static func start(name: String, stackSize: Int = 1 << 20, _ body: @escaping () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Box {
            nameCurrentThread(name)
            body()
        }).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let created = pthread_create(&thread, &attributes, { argument in
            #if canImport(Glibc)
            Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue().body()
            #else
            Unmanaged<Box>.fromOpaque(argument).takeRetainedValue().body()
            #endif
            return nil
        }, box)
        guard created == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        return true
    }

    /// Names the calling thread.
    public static func nameCurrentThread(_ name: String) {
        let name = String(decoding: name.utf8.prefix(15), as: UTF8.self)
        #if canImport(Darwin)
        pthread_setname_np(name)
        #else
        _ = linuxSetThreadName(pthread_self(), name)
        #endif
    }
}

#if !canImport(Darwin)
/// glibc's `pthread_setname_np`, which its Swift module leaves out (a GNU extension, declared only
/// under `_GNU_SOURCE`): a plain C function of a thread handle and a C string.
@_silgen_name("pthread_setname_np")
private func linuxSetThreadName(_ thread: pthread_t, _ name: UnsafePointer<CChar>) -> Int32
#endif
