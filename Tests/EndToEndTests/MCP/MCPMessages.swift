import Foundation
import JSONRPC
import TestSupport

/// MCP requests as the tests send them, in either era.
enum MCPMessages {
    static let modernVersion = "2026-07-28"

    /// The `_meta` a 2026-07-28 request carries, plus a progress token when given.
    static func meta(modern: Bool, progress: JSONValue? = nil, logLevel: String? = nil) -> JSONObject {
        var meta = JSONObject()
        if modern {
            meta["io.modelcontextprotocol/protocolVersion"] = .string(modernVersion)
            meta["io.modelcontextprotocol/clientCapabilities"] = [:]
            meta["io.modelcontextprotocol/clientInfo"] = ["name": "switchboard-tests", "version": "1"]
            if let logLevel { meta["io.modelcontextprotocol/logLevel"] = .string(logLevel) }
        }
        if let progress { meta["progressToken"] = progress }
        return meta
    }

    static func request(_ id: JSONValue, _ method: String, _ params: JSONObject = [:], modern: Bool, progress: JSONValue? = nil) -> JSONValue {
        var params = params
        let meta = meta(modern: modern, progress: progress)
        if !meta.isEmpty { params["_meta"] = .object(meta) }
        var message: JSONObject = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
        if !params.isEmpty { message["params"] = .object(params) }
        return .object(message)
    }

    static func callTool(_ id: JSONValue, _ name: String, _ arguments: JSONObject, modern: Bool, progress: JSONValue? = nil) -> JSONValue {
        request(id, "tools/call", ["name": .string(name), "arguments": .object(arguments)], modern: modern, progress: progress)
    }

    /// Opens the session: `initialize` + `notifications/initialized` (legacy) or `server/discover` (modern).
    @discardableResult
    static func open(_ daemon: DaemonProcess, modern: Bool, version: String = "2025-11-25") throws -> JSONValue {
        if modern {
            daemon.send(request("open", "server/discover", modern: true))
            return try daemon.response(to: "open").response
        }
        daemon.send(["jsonrpc": "2.0", "id": "open", "method": "initialize", "params": [
            "protocolVersion": .string(version), "capabilities": [:], "clientInfo": ["name": "switchboard-tests", "version": "1"],
        ]])
        let response = try daemon.response(to: "open").response
        daemon.send(["jsonrpc": "2.0", "method": "notifications/initialized"])
        return response
    }
}
