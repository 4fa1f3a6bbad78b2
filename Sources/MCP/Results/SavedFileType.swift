import Primitives
import FoundationEssentials

/// The media types of the files the tools save, from their names (the methods name them after
/// their sniffed or requested format).
enum SavedFileType {
    static let fallback = "application/octet-stream"

    static let byExtension = [
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
        "mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac", "flac": "audio/flac", "wav": "audio/wav", "pcm": "audio/pcm",
    ]

    static func of(_ url: URL) -> String {
        byExtension[url.pathExtension.lowercased()] ?? fallback
    }

    /// A `Content-Type` value without its parameters (`audio/mpeg; charset=x` → `audio/mpeg`).
    static func essence(_ contentType: String) -> String {
        contentType.split(separator: ";").first.map { $0.trimmingWhitespace.lowercased() } ?? contentType
    }
}
