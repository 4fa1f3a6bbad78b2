import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The one session-level delegate of the shared URLSession: routes each callback to the sink of
/// its task by task identifier. (On Linux a delegate set on a task receives nothing.)
///
/// `@unchecked Sendable` is safe: the sink table is only touched under `lock`.
final class SessionRouter: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var sinks: [Int: TaskSink] = [:]

    func register(_ sink: TaskSink, for task: URLSessionTask) {
        lock.withLock { sinks[task.taskIdentifier] = sink }
    }

    /// Drops the sink of a task that will never run.
    func forget(_ task: URLSessionTask) {
        lock.withLock { _ = sinks.removeValue(forKey: task.taskIdentifier) }
    }

    private func sink(for task: URLSessionTask) -> TaskSink? {
        lock.withLock { sinks[task.taskIdentifier] }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse {
            sink(for: dataTask)?.receive(response: http)
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        sink(for: dataTask)?.receive(data: data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let sink = lock.withLock { sinks.removeValue(forKey: task.taskIdentifier) }
        sink?.complete(error: error)
    }
}

/// The shared URLSession, created once on first use.
///
/// `@unchecked Sendable` is safe: `session` is only read and written under `lock`.
final class LazySession: @unchecked Sendable {
    private let lock = NSLock()
    private var session: URLSession?

    func get(_ make: () -> URLSession) -> URLSession {
        lock.withLock {
            if let session { return session }
            let made = make()
            session = made
            return made
        }
    }
}
