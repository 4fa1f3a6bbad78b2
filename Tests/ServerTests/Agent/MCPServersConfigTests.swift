import Testing
import JSONRPC
import MCPClient
@testable import Server

struct MCPServersConfigTests {
    @Test func bothKindsOfServerAreReadInNameOrderWithTheirSettings() throws {
        let config: JSONValue = [
            "time": ["command": "mcp-server-time", "args": ["--local-timezone", "UTC"], "env": ["TZ": "UTC"], "trust": true],
            "docs": ["url": "http://127.0.0.1:9/mcp", "headers": ["Authorization": "Bearer t"], "enabled": false,
                     "timeout_seconds": 5, "tools": ["search"]],
        ]
        try MCPServersConfig.validate(config, field: "mcp_servers")
        let specs = MCPServersConfig.specs(config)
        #expect(specs.map(\.name) == ["docs", "time"])
        #expect(specs[0].transport == .http(url: "http://127.0.0.1:9/mcp", headers: ["Authorization": "Bearer t"]))
        #expect(!specs[0].enabled && specs[0].timeoutSeconds == 5 && specs[0].allowedTools == ["search"])
        #expect(specs[1].transport == .stdio(command: "mcp-server-time", args: ["--local-timezone", "UTC"], env: ["TZ": "UTC"], cwd: nil))
        #expect(specs[1].trust && specs[1].enabled && specs[1].timeoutSeconds == 60)
    }

    static let refused: [(JSONValue, String)] = [
        (["a b": ["command": "x"]], "mcp_servers.a b"),
        (["s": ["command": "x", "url": "http://h"]], "mcp_servers.s"),
        (["s": [:]], "mcp_servers.s"),
        (["s": ["url": "ftp://h"]], "mcp_servers.s.url"),
        (["s": ["command": ""]], "mcp_servers.s.command"),
        (["s": ["command": "x", "args": "one"]], "mcp_servers.s.args"),
        (["s": ["command": "x", "env": ["A": 1]]], "mcp_servers.s.env.A"),
        (["s": ["command": "x", "env": ["A=B": "1"]]], "mcp_servers.s.env.A=B"),
        (["s": ["url": "http://h", "headers": ["X": "a\r\nHost: evil"]]], "mcp_servers.s.headers.X"),
        (["s": ["command": "x", "headers": ["X": "1"]]], "mcp_servers.s.headers"),
        (["s": ["command": "x", "timeout_seconds": 0]], "mcp_servers.s.timeout_seconds"),
        (["s": ["command": "x", "trust": "yes"]], "mcp_servers.s.trust"),
        (["s": ["command": "x", "tools": [""]]], "mcp_servers.s.tools"),
        (["s": ["command": "x", "colour": "red"]], "mcp_servers.s.colour"),
        ("x", "mcp_servers"),
    ]

    @Test(arguments: 0..<refused.count)
    func unusableSettingsAreRefusedNamingTheField(index: Int) {
        let (value, field) = Self.refused[index]
        #expect {
            try MCPServersConfig.validate(value, field: "mcp_servers")
        } throws: { error in
            (error as? ResponseError)?.data?["field"]?.stringValue == field
        }
    }

    @Test func secretValuesAreHiddenAndKnownAsSecrets() {
        let config: JSONValue = ["gh": ["command": "x", "env": ["GITHUB_TOKEN": "ghp_1", "PATH": "/bin", "DB_PASSWORD": "pw"]],
                                 "web": ["url": "https://u:p@h/mcp", "headers": ["Authorization": "Bearer t", "Accept-Language": "en"]]]
        let shown = MCPServersConfig.redacted(config)
        #expect(shown["gh"]?["env"] == ["GITHUB_TOKEN": "[redacted]", "PATH": "/bin", "DB_PASSWORD": "[redacted]"])
        #expect(shown["web"]?["headers"] == ["Authorization": "[redacted]", "Accept-Language": "en"])
        #expect(shown["web"]?["url"]?.stringValue?.contains("u:p@") == false)
        #expect(Set(MCPServersConfig.secretValues(config)) == ["ghp_1", "pw", "Bearer t"])
    }

    @Test func aProfileCannotSetServers() {
        #expect(throws: ResponseError.self) {
            try ConfigSchema.validate(["profiles": ["p": ["mcp_servers": ["s": ["command": "x"]]]]])
        }
    }
}
