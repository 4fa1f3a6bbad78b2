import Dispatch
import FoundationEssentials
import ACP
import JSONRPC
import MCP
import MCPClient
import Primitives
import Server
import Transport
import Upstream

/// Entry point: parse flags, protect stdout, load configuration, serve until the end, exit.

/// Writes `text` to a standard stream (1 or 2) before the protocol starts.
func print(_ text: String, to descriptor: Int32) {
    let bytes = Array(text.utf8)
    bytes.withUnsafeBytes { _ = write(descriptor, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    print("switchboard: \(message)\n", to: 2)
    exit(2)
}

let options: CommandLineOptions
do {
    options = try CommandLineOptions(Array(CommandLine.arguments.dropFirst()))
} catch {
    fail(error.description)
}
if options.showHelp {
    print(CommandLineOptions.usage + "\n", to: 1)
    exit(0)
}
if options.showVersion {
    print("\(ServerInfo.name) \(ServerInfo.version)\n", to: 1)
    exit(0)
}

let protocolFD = StdioGuard.claimStdout()
let environment = ProcessInfo.processInfo.environment
let secrets = Secrets()

let startup: JSONObject
do {
    var layers = JSONObject()
    if let (path, required) = StartupConfig.configPath(flag: options.configPath, environment: environment) {
        layers = layers.merging(try StartupConfig.fileLayer(path: path, required: required))
    }
    layers = layers.merging(StartupConfig.environmentLayer(environment))
    try ConfigSchema.validate(options.configLayer)
    startup = layers.merging(options.configLayer)
} catch let error as ResponseError {
    fail(error.message.replacing("invalid params: ", with: "invalid option: "))
} catch {
    fail(String(describing: error))
}

let logLevel = options.logLevel ?? environment["SWITCHBOARD_LOG_LEVEL"].flatMap(Log.Level.init(name:)) ?? .warn
let log: Log
do {
    log = try Log(level: logLevel, path: options.logFile, secrets: secrets)
} catch {
    fail(String(describing: error))
}

// Upload files that daemons killed mid-upload left in $TMPDIR: removed off the start-up path.
DispatchQueue.global(qos: .utility).async {
    let removed = TemporaryUploads.removeLeftovers()
    if removed > 0 { log.info("removed \(removed) upload file(s) that earlier runs left in \(FileManager.default.temporaryDirectory.path)") }
}

// Every message is scrubbed of the key and the secret headers' values, results included.
let writer = OutputWriter(fd: protocolFD, framing: options.mcp || options.acp ? .ndjson : options.framing, redact: secrets.redact)
let config = ConfigStore(startup: startup, secrets: secrets, lockedOverTheWire: options.noRemoteConfig)
/// The MCP servers of `mcp_servers`, started when an agent run first uses them.
let toolServers: (any MCPToolSource)? = MCPServerPool(clientVersion: ServerInfo.version) { line in log.info(line) }
/// What reads stdin and decides the exit: Switchboard's JSON-RPC server, with `--mcp` the MCP
/// server, with `--acp` the ACP agent.
let receive: @Sendable (FrameEvent) -> Void
let endOfInput: @Sendable () -> Void
let terminate: @Sendable (Int32) -> Void
let waitForExit: () -> Int32
if options.mcp {
    let root = options.outputDir.map { URL(fileURLWithPath: LocalPath.resolve($0), isDirectory: true) }
    let outputFolder = OutputFolder(root: root ?? OutputFolder.defaultRoot(environment: environment))
    // Tool arguments come from a model: reads are confined to these folders (see ReadPolicy).
    let readRoots = [FileManager.default.currentDirectoryPath, outputFolder.root.path]
        + (startup["read_roots"]?.arrayValue?.compactMap(\.stringValue) ?? []) + options.allowRead
    let readPolicy = ReadPolicy.confined(to: readRoots)
    log.info("MCP tools may read files under \((readPolicy.roots ?? []).joined(separator: ", "))")
    let mcp = MCPServer(runner: MethodRunner(config: config, client: UpstreamClient(), log: log, secrets: secrets, readPolicy: readPolicy),
                        writer: writer, outputFolder: outputFolder)
    (receive, endOfInput, terminate, waitForExit) = (mcp.receive, mcp.endOfInput, { mcp.terminate(signal: $0) }, mcp.waitForExit)
} else if options.acp {
    // Prompts' file tools are confined to each session's folders (see EditorRequester).
    let peer = ClientPeer(cancelMethod: ("$/cancel_request", "requestId"), send: { writer.send($0) })
    let acp = ACPServer(runner: MethodRunner(config: config, client: UpstreamClient(), log: log, secrets: secrets,
                                             peer: peer, toolSource: toolServers), writer: writer, peer: peer)
    (receive, endOfInput, terminate, waitForExit) = (acp.receive, acp.endOfInput, { acp.terminate(signal: $0) }, acp.waitForExit)
} else {
    let peer = ClientPeer(send: { writer.send($0) })
    let server = JSONRPCServer(runner: MethodRunner(config: config, client: UpstreamClient(), log: log, secrets: secrets,
                                                    peer: peer, toolSource: toolServers), writer: writer)
    (receive, endOfInput, terminate, waitForExit) = (server.receive, server.endOfInput, { server.terminate(signal: $0) }, server.waitForExit)
}
SignalTrap.install(terminate)
// After each message the reader waits only while more than 64 MiB of answers wait unwritten
// (`OutputLimits.readerPause`): a client that sends requests and reads none of their answers.
StdinReader(maxMessageBytes: options.maxMessageBytes, onEvent: { event in
    receive(event)
    writer.waitWhileOverloaded()
}, onEnd: endOfInput).start()

let code = waitForExit()
// What is queued goes out first, for as long as a client keeps reading: up to 10 s after the end
// of input, 2 s after a signal (someone wants the daemon gone).
writer.close(timeout: code >= 128 ? 2 : 10)
// `_exit`, not `exit`: every answer and log line is already written (both go out with write(2)),
// and the process's exit handlers (OpenSSL's clean-up among them) must not run while the HTTP
// engine's thread may still be inside libcurl — that freed memory under it. `_exit` ends no
// child, so a running api_key_command is stopped first.
toolServers?.stopAll()
ChildProcess.killAll()
_exit(code)
