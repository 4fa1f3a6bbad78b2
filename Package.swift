// swift-tools-version: 6.0
import PackageDescription

/// Settings every target shares: Swift 6 language mode (complete concurrency checking) plus the
/// upcoming features that make intent explicit.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "switchboard",
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
    ],
    targets: [
        /// JSON values, JSON-RPC messages, error codes and framing: pure, no I/O.
        .target(name: "JSONRPC", swiftSettings: strict),
        /// stdin reader thread, single stdout writer, stdio protection.
        .target(name: "Transport", dependencies: ["JSONRPC"], swiftSettings: strict),
        /// The API client: one URLSession, SSE parser, retries, upstream errors.
        .target(name: "Upstream", dependencies: ["JSONRPC"], swiftSettings: strict),
        /// Dispatcher, cancellation table, configuration and one handler file per method.
        .target(name: "Server", dependencies: ["JSONRPC", "Transport", "Upstream"], swiftSettings: strict),
        /// The daemon: flags, stdout protection, start, exit.
        .executableTarget(name: "switchboard", dependencies: ["Server", "Transport"], swiftSettings: strict),
        /// Loopback fake upstream, daemon process driver and schema checks for the tests.
        .target(name: "TestSupport", dependencies: ["JSONRPC"], swiftSettings: strict),

        .testTarget(name: "JSONRPCTests", dependencies: ["JSONRPC", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "UpstreamTests", dependencies: ["Upstream", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ServerTests", dependencies: ["Server", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["switchboard", "TestSupport"], swiftSettings: strict),
    ]
)
