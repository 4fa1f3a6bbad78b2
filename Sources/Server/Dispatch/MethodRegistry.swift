/// Every method the daemon serves, in the order `capabilities.methods` lists them.
public enum MethodRegistry {
    public static let all: [any RPCMethod] = [
        Initialize(),
        Shutdown(),
        ModelsList(),
        ChatComplete(),
        ChatDescribeImage(),
        ChatAnalyzeFile(),
        ResponsesCreate(),
        ResponsesGet(),
        ResponsesCancel(),
        ResponsesDelete(),
        CompletionsCreate(),
        EmbeddingsCreate(),
        AudioSpeech(),
        AudioTranscribe(),
        AudioTranslate(),
        ImagesGenerate(),
        ImagesEdit(),
        MidjourneyImagine(),
        MidjourneyAction(),
        MidjourneyChange(),
        MidjourneyBlend(),
        MidjourneyDescribe(),
        MidjourneyFetch(),
        MidjourneyList(),
        MidjourneyModal(),
        MidjourneySimpleChange(),
        MidjourneyShorten(),
        MidjourneySwapFace(),
        MidjourneyUploadImages(),
        ConversationsList(),
        ConversationsGet(),
        ConversationsSearch(),
        ConversationsFork(),
        ConversationsRename(),
        ConversationsDelete(),
        ConversationsExport(),
        ConfigGet(),
        ConfigUpdate(),
        RPCDiscover(),
        APIRequest(),
        AgentRun(),
        ToolsList(),
    ]

    public static var names: [String] { all.map { type(of: $0).name } }

    /// Notifications the daemon sends.
    public static let notifications = ["chat.delta", "$/progress", "responses.event", "completions.delta", "audio.delta", "api.event", "tool.call",
                                              "$/cancelRequest", "conversations.changed"]
}

/// The daemon's name and version, as `initialize` and `--version` report them.
public enum ServerInfo {
    public static let name = "switchboard"
    public static let version = "0.1.0"
    public static let protocolVersion = "1"
}
