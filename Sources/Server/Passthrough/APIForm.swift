import JSONRPC
import Upstream

/// The `form` param of `api.request` as multipart parts, in its order.
///
/// A value `{"file": "<local path>", "filename"?: "…", "content_type"?: "…"}` is a file part,
/// streamed from disk within `max_file_bytes` and `max_request_file_bytes` (see `UploadForm`).
/// An array gives one part per element under the same name (write the name as the API wants
/// it: `"include[]"`); other values are text parts as `UploadForm.add(name:value:field:)`
/// makes them (an object without `file` is sent as its JSON text).
enum APIForm {
    static func add(_ form: JSONObject, to upload: inout UploadForm) throws(ResponseError) {
        for (name, value) in form {
            if let elements = value.arrayValue {
                for (index, element) in elements.enumerated() {
                    try add(name: name, value: element, field: "form.\(name).\(index)", to: &upload)
                }
            } else {
                try add(name: name, value: value, field: "form.\(name)", to: &upload)
            }
        }
    }

    private static func add(name: String, value: JSONValue, field: String, to upload: inout UploadForm) throws(ResponseError) {
        guard let object = value.objectValue, let reference = object["file"] else {
            if value.arrayValue != nil { throw .invalidParams(field: field, "must not be an array (arrays inside arrays have no form encoding)") }
            return try upload.add(name: name, value: value, field: field)
        }
        guard let path = reference.stringValue else { throw .invalidParams(field: field + ".file", "must be a local path, got \(reference.typeName)") }
        let params = try Params(value)
        let contentType = try params.string("content_type")
        if let contentType, contentType.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw .invalidParams(field: field + ".content_type", "must not hold control characters such as CR or LF (it is written into the part's headers)")
        }
        let file = try upload.file(path, field: field + ".file")
        upload.add(file, name: name, filename: try params.string("filename"), contentType: contentType)
    }
}
