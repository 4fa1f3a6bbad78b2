import FoundationEssentials
import JSONRPC
import Upstream

/// A `multipart/form-data` request assembled from a method's params: text fields and local files.
///
/// The body is built in a temporary file (see `TemporaryUploads`) by copying each local file in
/// chunks through the request's `FileBudget`, so an upload is never held whole in memory and no
/// file goes over its limits; it is sent from that file (every retry reads it again) and removed
/// once the answer has been read, whatever happened.
struct UploadForm {
    private(set) var body = MultipartBody()
    /// The param behind each file part's path, for errors.
    private var fileFields: [String: LocalFile] = [:]
    /// The limits the files are copied within.
    let budget: FileBudget

    init(settings: Settings) {
        budget = FileBudget(settings)
    }

    /// Adds a file part. `contentType` nil: sniffed from the file's bytes, else its extension.
    mutating func add(_ file: LocalFile, name: String, contentType: String? = nil) {
        body.appendFile(name: name, path: file.path, contentType: contentType)
        fileFields[file.path] = file
    }

    /// A param sent as a text part: a string as it is, a number or boolean as JSON writes it;
    /// null is left out. Arrays and objects have no form encoding: -32602 naming `field`.
    mutating func add(name: String, value: JSONValue, field: String) throws(ResponseError) {
        switch value {
        case .null: return
        case .string(let text): body.append(name: name, value: text)
        case .number(let number): body.append(name: name, value: number.literal)
        case .bool(let flag): body.append(name: name, value: flag ? "true" : "false")
        case .array, .object:
            throw .invalidParams(field: field, "must be a string, number or boolean (it is sent as a form field), got \(value.typeName)")
        }
    }

    /// Every param except those in `excluded`, in the request's order, as text parts.
    mutating func addFields(_ params: JSONObject, excluding excluded: Set<String>) throws(ResponseError) {
        for (key, value) in params where !excluded.contains(key) {
            try add(name: key, value: value, field: key)
        }
    }

    /// POSTs the form to `path` and hands the successful answer to `read`.
    func send<Result>(to path: String, target: UpstreamTarget, context: RequestContext, accept: String = "application/json",
                      read: (UpstreamCall) async throws -> Result) async throws -> Result {
        let file = TemporaryUploads.newFile()
        defer { try? FileManager.default.removeItem(at: file) }
        let size = try write(to: file)
        let call = try await context.send(
            { target.upload(path, contentType: body.contentType, file: file.path, size: size, accept: accept) }, target: target)
        return try await read(call)
    }

    private func write(to file: URL) throws(ResponseError) -> Int {
        do {
            return try body.write(to: file, budget: budget)
        } catch let error as FileBudget.Exceeded {
            throw failure(of: error.path) { $0.tooLarge(error.limit, budget: budget) }
        } catch let error as FileBudget.ReadError {
            throw failure(of: error.path) { $0.unreadable() }
        } catch {
            throw ResponseError(.fileError, "cannot write the upload's temporary file \(file.path): \(error)",
                                data: ["path": .string(file.path), "reason": "unwritable"])
        }
    }

    /// The error `describe` gives for the file part at `path` (each was added from a `LocalFile`).
    private func failure(of path: String, _ describe: (LocalFile) -> ResponseError) -> ResponseError {
        fileFields[path].map(describe) ?? ImageSource.fileError(path, field: "file", reason: "unreadable", "cannot be read")
    }
}
