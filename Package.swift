// swift-tools-version: 6.0
// SPDX-License-Identifier: Apache-2.0
import PackageDescription

/// In a release build on Linux the Swift runtime and Foundation are linked statically, as
/// `--static-swift-stdlib` does (every module compiled for it, the executable linked with it) and
/// as `scripts/install` and the `.deb` ship the daemon: the dynamic loader then maps three
/// libraries instead of sixteen, which was most of the start-up.
let staticRuntime = (flags: ["-static-stdlib"], condition: BuildSettingCondition.when(platforms: [.linux], configuration: .release))

/// Settings every target shares: Swift 6 language mode (complete concurrency checking) plus the
/// upcoming features that make intent explicit, and `staticRuntime`.
let shared: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .unsafeFlags(staticRuntime.flags, staticRuntime.condition),
]

let package = Package(
    name: "switchboard",
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
    ],
    targets: [
        /// The platform's C library (imported here once, re-exported), locks, conditions, threads,
        /// the blocking-I/O executor and file helpers (standard library only, no Foundation).
        .target(name: "Primitives", dependencies: ["CSystem"], swiftSettings: shared),
        /// System calls the platform's Swift module does not show (a write that never waits).
        .target(name: "CSystem"),
        /// JSON values, JSON-RPC messages, error codes and framing: pure, no I/O.
        .target(name: "JSONRPC", dependencies: ["Primitives"], swiftSettings: shared),
        /// stdin reader thread, single stdout writer, stdio protection.
        .target(name: "Transport", dependencies: ["JSONRPC", "Primitives"], swiftSettings: shared),
        /// Loading a system library with dlopen, each function looked up by name (for CCurl and CSQLite).
        .target(name: "CLibraryLoader", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        /// The part of libcurl's C API the HTTP engine uses, declared here and loaded at run time
        /// with dlopen (no curl headers needed to build; see Sources/CCurl/include/CCurl.h).
        .target(name: "CCurl", dependencies: ["CLibraryLoader"]),
        /// The part of SQLite's C API the conversation store uses, declared here and loaded at run
        /// time with dlopen as libcurl is (see Sources/CSQLite/include/CSQLite.h).
        .target(name: "CSQLite", dependencies: ["CLibraryLoader"]),
        /// The conversation store: SQLite in WAL mode shared by every daemon of the user,
        /// migrations, full-text search, forks, exports, changes made by other processes.
        .target(name: "Store", dependencies: ["CSQLite", "JSONRPC", "Primitives"], swiftSettings: shared),
        /// The HTTP engine: one event loop thread on libcurl's multi interface, bounded buffers
        /// with backpressure, time limits, non-blocking cancellation. Standard library only.
        .target(name: "HTTP", dependencies: ["CCurl", "Primitives"], swiftSettings: shared),
        /// The API client: requests, redirects, SSE parser, retries, upstream errors.
        .target(name: "Upstream", dependencies: ["JSONRPC", "Primitives", "HTTP"], swiftSettings: shared),
        /// The MCP client the agent loop uses: stdio and Streamable HTTP servers, both protocol eras.
        .target(name: "MCPClient", dependencies: ["JSONRPC", "Primitives", "HTTP", "Upstream"], swiftSettings: shared),
        /// Dispatcher, cancellation table, configuration and one handler file per method.
        .target(name: "Server", dependencies: ["JSONRPC", "Primitives", "Transport", "HTTP", "Upstream", "MCPClient", "Store"], swiftSettings: shared),
        /// MCP server mode (`--mcp`): the methods as Model Context Protocol tools over stdio.
        .target(name: "MCP", dependencies: ["JSONRPC", "Primitives", "Transport", "Server"], swiftSettings: shared),
        /// ACP agent mode (`--acp`): editors' sessions and prompts run the agent loop.
        .target(name: "ACP", dependencies: ["JSONRPC", "Primitives", "Transport", "Server", "Store"], swiftSettings: shared),
        /// The daemon: flags, stdout protection, start, exit.
        .executableTarget(name: "switchboard", dependencies: ["Primitives", "HTTP", "Server", "MCP", "ACP", "MCPClient", "Transport"], swiftSettings: shared,
                          linkerSettings: [.unsafeFlags(staticRuntime.flags, staticRuntime.condition)]),
        /// Loopback fake upstream, daemon process driver and schema checks for the tests.
        .target(name: "TestSupport", dependencies: ["JSONRPC"], swiftSettings: shared),
        /// Stub methods and an in-process rig (writer on a pipe, runner) for the front ends' tests.
        .target(name: "DispatchTestSupport", dependencies: ["JSONRPC", "Primitives", "Transport", "Upstream", "Server", "TestSupport"],
                swiftSettings: shared),

        .testTarget(name: "JSONRPCTests", dependencies: ["JSONRPC", "TestSupport"], swiftSettings: shared),
        .testTarget(name: "TransportTests", dependencies: ["Primitives", "Transport", "TestSupport"], swiftSettings: shared),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "TestSupport"], swiftSettings: shared),
        .testTarget(name: "UpstreamTests", dependencies: ["Upstream", "HTTP", "TestSupport"], swiftSettings: shared),
        .testTarget(name: "ServerTests", dependencies: ["Server", "HTTP", "TestSupport", "DispatchTestSupport", "JSONRPC", "Transport", "MCPClient"], swiftSettings: shared),
        .testTarget(name: "StoreTests", dependencies: ["Store", "JSONRPC", "Primitives"], swiftSettings: shared),
        .testTarget(name: "MCPClientTests", dependencies: ["MCPClient", "JSONRPC", "HTTP", "TestSupport"], swiftSettings: shared),
        .testTarget(name: "MCPTests", dependencies: ["MCP", "Server", "TestSupport", "DispatchTestSupport", "JSONRPC", "Transport"], swiftSettings: shared),
        .testTarget(name: "ACPTests", dependencies: ["ACP", "Server", "JSONRPC", "Transport", "TestSupport"], swiftSettings: shared),
        .testTarget(name: "EndToEndTests", dependencies: ["switchboard", "TestSupport"], swiftSettings: shared),
    ]
)
