/// The content type of an uploaded audio file: from its first bytes when they are recognisable,
/// else from its file name's extension, else `application/octet-stream`.
public enum UploadContentType {
    public static let fallback = "application/octet-stream"

    /// The type of a file whose content starts with `head` and whose name is `filename`.
    public static func sniff(_ head: some Collection<UInt8>, filename: String) -> String {
        audioType(of: head) ?? audioType(ofExtension: filename) ?? fallback
    }

    /// MP3 (ID3 tag or MPEG frame sync), MP4/M4A (`ftyp` box), WAV, WebM, Ogg or FLAC; nil otherwise.
    public static func audioType(of bytes: some Collection<UInt8>) -> String? {
        let head = Array(bytes.prefix(12))
        func has(_ text: String, at offset: Int) -> Bool {
            let expected = Array(text.utf8)
            return head.count >= offset + expected.count && Array(head[offset..<offset + expected.count]) == expected
        }
        if has("ID3", at: 0) { return "audio/mpeg" }
        if head.count >= 2, head[0] == 0xFF, head[1] & 0xE0 == 0xE0, head[1] & 0x06 != 0 { return "audio/mpeg" }
        if has("ftyp", at: 4) { return "audio/mp4" }
        if has("RIFF", at: 0), has("WAVE", at: 8) { return "audio/wav" }
        if head.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return "audio/webm" }
        if has("OggS", at: 0) { return "audio/ogg" }
        if has("fLaC", at: 0) { return "audio/flac" }
        return nil
    }

    /// The audio type the extension of `filename` names (case-insensitive); nil for others.
    public static func audioType(ofExtension filename: String) -> String? {
        guard let dot = filename.lastIndex(of: ".") else { return nil }
        switch filename[filename.index(after: dot)...].lowercased() {
        case "mp3", "mpga", "mpeg": return "audio/mpeg"
        case "mp4", "m4a": return "audio/mp4"
        case "wav": return "audio/wav"
        case "webm": return "audio/webm"
        case "ogg", "oga", "opus": return "audio/ogg"
        case "flac": return "audio/flac"
        default: return nil
        }
    }
}
