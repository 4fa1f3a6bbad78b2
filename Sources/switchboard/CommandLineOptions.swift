import JSONRPC
import Server

/// The daemon's flags, parsed by hand (no dependencies) with errors that name the flag.
struct CommandLineOptions {
    var configPath: String?
    var framing: Framing?
    var maxMessageBytes = 64 * 1024 * 1024
    var logLevel: Log.Level?
    var logFile: String?
    /// The flags' configuration layer (`--base-url`, `--model`, ...).
    var configLayer = JSONObject()
    /// `--mcp`: serve the Model Context Protocol instead of Switchboard's JSON-RPC methods.
    var mcp = false
    /// `--acp`: be an Agent Client Protocol agent for editors instead.
    var acp = false
    /// `--output-dir`: where MCP tools write files.
    var outputDir: String?
    /// `--allow-read DIR`, repeatable: more folders MCP tools may read files from.
    var allowRead: [String] = []
    var showVersion = false
    var showHelp = false
    /// `--no-remote-config`: the client may not change where requests go or what credentials
    /// they carry (see `ConfigStore.lockedOverTheWire`).
    var noRemoteConfig = false

    /// The largest `--max-message-bytes` accepted: 4 GiB, far beyond any real message, and far
    /// from the integer limits.
    static let maxMessageBytesLimit = 1 << 32

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    static var usage: String {
        """
        usage: switchboard [options]

        A JSON-RPC 2.0 daemon on stdin/stdout (NDJSON or LSP framing) that relays an OpenAI-compatible
        API: chat with streaming, images described and generated, embeddings, speech, transcription,
        MidJourney tasks. With --mcp, an MCP server whose tools are those APIs (for Claude, Cursor,
        Zed, VS Code, ...); with --acp, an Agent Client Protocol agent (for Zed, JetBrains, Neovim, Emacs
        ...) whose prompts run the agent loop. Its methods:
        \(wrapped(MethodRegistry.names, indent: "  ", width: 100))
        Send rpc.discover for the whole protocol (an OpenRPC document), or read protocol/README.md.

        options:
          --mcp                    serve the Model Context Protocol (stdio, newline-delimited JSON)
          --acp                    be an Agent Client Protocol agent (stdio, newline-delimited JSON)
          --output-dir DIR         where MCP tools save files (default $XDG_DATA_HOME/switchboard/output)
          --allow-read DIR         let MCP tools read files under DIR too (repeatable; by default they read
                                   only under the working directory and the output folder, never /proc,
                                   /sys or /dev); the config file's read_roots adds folders as well
          --config FILE            configuration file (default $XDG_CONFIG_HOME/switchboard/config.json)
          --framing ndjson|lsp     force the output framing (default: that of the first message)
          --base-url URL           upstream base URL (default https://api.openai.com/v1)
          --model NAME             default model for chat.complete
          --profile NAME           default profile
          --timeout SECONDS        whole-request timeout (default 600)
          --first-byte-timeout S   longest wait for a stream's first byte (default 300)
          --idle-timeout SECONDS   longest silence once an answer has started (default 60)
          --max-retries N          retries on 429/5xx/connection failures (default 2)
          --max-message-bytes N    largest accepted message, 1 to \(maxMessageBytesLimit) (default 67108864)
          --no-remote-config       refuse changes to base_url, headers, api_key* and profiles from the
                                   client (initialize.config, config.update)
          --log-level LEVEL        error, warn, info or debug (default warn)
          --log-file PATH          append logs to PATH instead of stderr
          --version                print the version and exit
          --help                   print this help and exit

        environment: OPENAI_API_KEY, OPENAI_BASE_URL, SWITCHBOARD_API_KEY, SWITCHBOARD_BASE_URL,
        SWITCHBOARD_MODEL, SWITCHBOARD_PROFILE, SWITCHBOARD_CONFIG, SWITCHBOARD_LOG_LEVEL,
        SWITCHBOARD_OUTPUT_DIR.
        An empty OPENAI_API_KEY or SWITCHBOARD_API_KEY sends no key (for local servers).
        The API key is never accepted as a flag (it would show in the process list).
        """
    }

    /// `words` joined by ", " in lines of at most `width` characters, each starting with `indent`.
    static func wrapped(_ words: [String], indent: String, width: Int) -> String {
        var lines: [String] = []
        var line = indent
        for (index, word) in words.enumerated() {
            let piece = word + (index < words.count - 1 ? "," : "")
            if line.count > indent.count, line.count + 1 + piece.count > width {
                lines.append(line)
                line = indent
            }
            line += (line.count > indent.count ? " " : "") + piece
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    init(_ arguments: [String]) throws(UsageError) {
        var remaining = arguments[...]
        func value(_ flag: String) throws(UsageError) -> String {
            guard let next = remaining.popFirst() else { throw UsageError(description: "\(flag) needs a value") }
            return next
        }
        func number(_ flag: String) throws(UsageError) -> Double {
            let text = try value(flag)
            guard let number = Double(text), number > 0 else { throw UsageError(description: "\(flag) needs a number above 0, got \"\(text)\"") }
            return number
        }
        func count(_ flag: String) throws(UsageError) -> Int {
            let text = try value(flag)
            guard let count = Int(text), count >= 0 else { throw UsageError(description: "\(flag) needs a whole number, got \"\(text)\"") }
            return count
        }
        while let argument = remaining.popFirst() {
            var flag = argument
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                flag = String(argument[..<equals])
                remaining.insert(String(argument[argument.index(after: equals)...]), at: remaining.startIndex)
            }
            switch flag {
            case "--config": configPath = try value(flag)
            case "--framing":
                let name = try value(flag)
                guard let framing = Framing(rawValue: name) else { throw UsageError(description: "--framing must be ndjson or lsp, got \"\(name)\"") }
                self.framing = framing
            case "--base-url": configLayer["base_url"] = .string(try value(flag))
            case "--model": configLayer["default_model"] = .string(try value(flag))
            case "--profile": configLayer["default_profile"] = .string(try value(flag))
            case "--timeout": configLayer["timeout_seconds"] = .number(try number(flag))
            case "--first-byte-timeout": configLayer["first_byte_timeout_seconds"] = .number(try number(flag))
            case "--idle-timeout": configLayer["idle_timeout_seconds"] = .number(try number(flag))
            case "--max-retries": configLayer["max_retries"] = .number(try count(flag))
            case "--max-message-bytes":
                let text = try value(flag)
                guard let bytes = Int(text), (1...Self.maxMessageBytesLimit).contains(bytes) else {
                    throw UsageError(description: "--max-message-bytes needs a whole number from 1 to \(Self.maxMessageBytesLimit), got \"\(text)\"")
                }
                maxMessageBytes = bytes
            case "--no-remote-config": noRemoteConfig = true
            case "--log-level":
                let name = try value(flag)
                guard let level = Log.Level(name: name) else { throw UsageError(description: "--log-level must be error, warn, info or debug, got \"\(name)\"") }
                logLevel = level
            case "--log-file": logFile = try value(flag)
            case "--mcp": mcp = true
            case "--acp": acp = true
            case "--output-dir": outputDir = try value(flag)
            case "--allow-read": allowRead.append(try value(flag))
            case "--version", "-V": showVersion = true
            case "--help", "-h": showHelp = true
            default: throw UsageError(description: "unknown option \(argument) (see --help)")
            }
        }
        if mcp, acp { throw UsageError(description: "--mcp and --acp are two different modes: give one") }
        if acp, framing == .lsp { throw UsageError(description: "--framing lsp does not apply to --acp (ACP's stdio transport is newline-delimited JSON)") }
        if mcp, framing == .lsp { throw UsageError(description: "--framing lsp does not apply to --mcp (MCP's stdio transport is newline-delimited JSON)") }
    }
}
