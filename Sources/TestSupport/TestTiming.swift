import Foundation

/// How much longer a timed expectation may take in this run: 1 normally, 10 under a sanitizer
/// (`scripts/sanitize.sh` sets `SWITCHBOARD_SANITIZED`), which slows every thread, the daemon's
/// and the test's, many times over on two busy cores. A limit the product promises (a cancel
/// closes the stream within 3 s) is checked as it stands in the plain run.
public enum TestTiming {
    public static let slack: Double = ProcessInfo.processInfo.environment["SWITCHBOARD_SANITIZED"] == nil ? 1 : 10

    /// `seconds`, stretched by `slack`.
    public static func seconds(_ seconds: Double) -> Double { seconds * slack }
}
