import FoundationEssentials
import JSONRPC
import Upstream

/// Local files in the audio and file content parts of a request, checked and read through the
/// request's `LocalReads` and inlined as the API wants them (images are `FileReference`'s).
///
/// - Chat `input_audio` parts: `input_audio.data` is base64 audio, or a local file: a `file://`
///   URL, or a path starting with `~/`, `./` or `../`, or an absolute path (one leading `/`)
///   that holds a character base64 has not, such as the `.` of an extension. The file's bytes
///   become `data`, and a missing `format` is taken from them (`wav` or `mp3`, the two the API
///   takes; another kind: -32006 `unsupported_type`).
/// - Chat `file` parts (`file.file_data`) and Responses `input_file` parts (`file_data`): a
///   value that is not a `data:` or http(s) URL is a local file, inlined as a base64 data URL
///   (`application/pdf` for a PDF, else its type from its bytes or extension), with `filename`
///   set to the file's name unless given.
enum AttachmentInliner {
    /// The base64 alphabet (with padding): a string made only of these is taken for base64 data.
    private static let base64Characters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")

    /// Whether an `input_audio.data` value names a local file rather than holding base64 audio.
    static func isLocalAudio(_ data: String) -> Bool {
        if ["file://", "~/", "./", "../"].contains(where: data.hasPrefix) { return true }
        return data.hasPrefix("/") && !data.hasPrefix("//") && data.contains { !base64Characters.contains($0) }
    }

    /// An `input_audio` part with a local file inlined; nil when it has none.
    static func audioPart(_ part: JSONValue, field: String, reads: inout LocalReads) throws(ResponseError) -> JSONValue? {
        guard let data = part["input_audio"]?["data"]?.stringValue, isLocalAudio(data) else { return nil }
        let dataField = field + ".input_audio.data"
        let (file, bytes) = try FileReference.read(data, field: dataField, reads: &reads)
        var audio = part["input_audio"]?.objectValue ?? JSONObject()
        audio["data"] = .string(bytes.base64EncodedString())
        if audio["format"] == nil || audio["format"] == .null {
            switch UploadContentType.audioType(of: bytes) {
            case "audio/wav": audio["format"] = "wav"
            case "audio/mpeg": audio["format"] = "mp3"
            default:
                throw FileReference.fileError(file.path, field: dataField, reason: "unsupported_type",
                                            "is not WAV or MP3 audio (checked from its bytes; give input_audio.format to send it anyway)")
            }
        }
        var part = part
        part["input_audio"] = .object(audio)
        return part
    }

    /// A chat `file` part (`container` "file") or a Responses `input_file` part (`container`
    /// nil: the fields are the part's own) with a local `file_data` inlined; nil when it has none.
    static func filePart(_ part: JSONValue, container: String?, field: String, reads: inout LocalReads) throws(ResponseError) -> JSONValue? {
        let fields = container.map { part[$0]?.objectValue } ?? part.objectValue
        guard var fields, let reference = fields["file_data"]?.stringValue, FileReference.isLocal(reference) else { return nil }
        let dataField = field + (container.map { ".\($0)" } ?? "") + ".file_data"
        let (file, bytes) = try FileReference.read(reference, field: dataField, reads: &reads)
        let name = file.name
        let type = bytes.starts(with: Array("%PDF-".utf8)) ? "application/pdf" : UploadContentType.sniff(bytes, filename: name)
        fields["file_data"] = .string("data:\(type);base64,\(bytes.base64EncodedString())")
        if fields["filename"]?.stringValue == nil { fields["filename"] = .string(name) }
        guard let container else { return .object(fields) }
        var part = part
        part[container] = .object(fields)
        return part
    }
}
