import Testing
import MCPClient

struct MCPServerSpecTests {
    @Test func aChangedCommandIsAnotherServer() {
        let one = MCPServerSpec(name: "time", transport: .stdio(command: "mcp-server-time", args: [], env: [:], cwd: nil))
        var other = one
        other.transport = .stdio(command: "mcp-server-time", args: ["--local-timezone", "UTC"], env: [:], cwd: nil)
        #expect(one != other)
        #expect(MCPServerStatus.failed("x").name == "failed")
    }
}
