import Primitives
import FoundationEssentials
import HTTP
import JSONRPC
import Upstream

/// A `multipart/form-data` request assembled from a method's params: text fields and local files.
///
/// Its files are checked by the request's `ReadPolicy` (`file(_:field:)`). The body is built in a
/// temporary file (see `TemporaryUploads`) by copying each local file in chunks through the
/// request's `FileBudget`, so an upload is never held whole in memory and no
/// file goes over its limits; it is sent from that file (every retry reads it again) and removed
/// once the answer has been read, whatever happened.
struct UploadForm {
    private(set) var body = MultipartBody()
    /// The param behind each file part's (real) path, for errors.
    private var fileFields: [String: LocalFile] = [:]
    /// Which files may be read, and the limits they are copied within.
    let reads: LocalReads
    var budget: FileBudget { reads.budget }

    init(reads: LocalReads) {
        self.reads = reads
    }

    /// The local file `reference` names, checked (see `LocalFile`), to add as a part.
    func file(_ reference: String, field: String) throws(ResponseError) -> LocalFile {
        try reads.file(reference, field: field)
    }

    /// Adds a file part. `filename` nil: the file's own name. `contentType` nil: sniffed from the
    /// file's bytes, else its extension.
    mutating func add(_ file: LocalFile, name: String, filename: String? = nil, contentType: String? = nil) {
        body.appendFile(name: name, path: file.realPath, filename: filename ?? file.name, contentType: contentType)
        fileFields[file.realPath] = file
    }

    /// A param sent as text parts: a string as it is, a number or boolean as JSON writes it, an
    /// object as its JSON text (how the API takes `chunking_strategy`), an array as one part per
    /// element named `name[]` (how the API takes `include[]`), each element by the same rules;
    /// null is left out. An array inside an array has no form encoding: -32602 naming `field`.
    mutating func add(name: String, value: JSONValue, field: String) throws(ResponseError) {
        switch value {
        case .null: return
        case .object: body.append(name: name, value: String(decoding: value.serialized(), as: UTF8.self))
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if element.arrayValue != nil { throw .invalidParams(field: "\(field).\(index)", "must not be an array (arrays inside arrays have no form encoding)") }
                try add(name: name + "[]", value: element, field: "\(field).\(index)")
            }
        default:
            guard let text = APIPath.scalarText(value) else { return }
            body.append(name: name, value: text)
        }
    }

    /// Every param except those in `excluded`, in the request's order, as text parts.
    mutating func addFields(_ params: JSONObject, excluding excluded: Set<String>) throws(ResponseError) {
        for (key, value) in params where !excluded.contains(key) {
            try add(name: key, value: value, field: key)
        }
    }

    /// Sends the form to `path` (a POST unless `method` says otherwise; `query` and `headers`
    /// added) and hands the successful answer to `read`. `streaming`: the answer may be a
    /// stream, whose first byte must come within `first_byte_timeout_seconds`.
    func send<Result>(to path: String, method: String = "POST", query: [(name: String, value: String)] = [],
                      headers: [(name: String, value: String)] = [], target: UpstreamTarget, context: RequestContext,
                      accept: String = "application/json", streaming: Bool = false,
                      read: (UpstreamCall) async throws -> Result) async throws -> Result {
        let file = TemporaryUploads.newFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let size = try await BlockingIO.run { () throws(ResponseError) in try write(to: file) }
        let call = try await context.send({
            var request = target.upload(path, method: method, query: query, contentType: body.contentType, file: file.path, size: size,
                                        accept: accept)
            for (name, value) in headers { request.setHeader(name, value) }
            return request
        }, target: target, streaming: streaming)
        return try await read(call)
    }

    private func write(to file: URL) throws(ResponseError) -> Int {
        do {
            return try body.write(to: file, budget: budget)
        } catch let error as FileBudget.Exceeded {
            throw failure(of: error.path) { $0.tooLarge(error.limit, budget: budget) }
        } catch let error as FileBudget.ReadError {
            throw failure(of: error.path) { $0.unreadable(error.code) }
        } catch {
            throw ResponseError(.fileError, "cannot write the upload's temporary file \(file.path): \(error)",
                                data: ["path": .string(file.path), "reason": "unwritable"])
        }
    }

    /// The error `describe` gives for the file part at `path` (each was added from a `LocalFile`).
    private func failure(of path: String, _ describe: (LocalFile) -> ResponseError) -> ResponseError {
        fileFields[path].map(describe) ?? FileReference.fileError(path, field: "file", reason: "unreadable", "cannot be read")
    }
}
