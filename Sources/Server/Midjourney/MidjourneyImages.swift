import JSONRPC
import Upstream

/// Images for MidJourney bodies, which carry the image bytes themselves as base64 data URLs.
enum MidjourneyImages {
    /// Local paths (or `file://` URLs) read and inlined as data URLs; data URLs pass through.
    /// An http(s) URL is refused: the relay wants the bytes.
    /// - Parameter field: the param the references came from, for errors (`images.1`).
    /// - Parameter reads: the request's read policy and file limits, shared by its images.
    static func dataURL(_ reference: String, field: String, reads: inout LocalReads) throws(ResponseError) -> String {
        let resolved = try FileReference.resolve(reference, field: field, reads: &reads)
        guard resolved.lowercased().hasPrefix("data:") else {
            throw .invalidParams(field: field, "must be a local image file or a data: URL (the relay needs the image's bytes, not a link)")
        }
        return resolved
    }

    /// `base64Array` (data URLs, passed through) followed by the `images` param's files inlined.
    static func base64Array(_ params: Params, reads: LocalReads) throws(ResponseError) -> [String] {
        var reads = reads
        var array = try params.strings("base64Array") ?? []
        for (index, image) in (try params.strings("images") ?? []).enumerated() {
            array.append(try dataURL(image, field: "images.\(index)", reads: &reads))
        }
        return array
    }

    /// One image given as a data URL in the param `dataURL` or as a local file in the param
    /// `file` (read and inlined; -32602 when both are given); nil when neither is.
    static func oneImage(_ params: Params, file: String, dataURL: String, reads: LocalReads) throws(ResponseError) -> String? {
        switch (try params.string(dataURL), try params.string(file)) {
        case (_?, _?):
            throw .invalidParams(field: file, "cannot be combined with \(dataURL): give one image")
        case (nil, let reference?):
            var reads = reads
            return try self.dataURL(reference, field: file, reads: &reads)
        case (let given, nil):
            return given
        }
    }

    /// `oneImage`, required: -32602 naming `file` when neither param is given.
    static func requiredImage(_ params: Params, file: String, dataURL: String, reads: LocalReads) throws(ResponseError) -> String {
        guard let image = try oneImage(params, file: file, dataURL: dataURL, reads: reads) else {
            throw .invalidParams(field: file, "is required (a local image file), or \(dataURL) (a data: URL)")
        }
        return image
    }
}
