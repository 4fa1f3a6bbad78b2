import JSONRPC

/// Images for MidJourney bodies, which carry the image bytes themselves as base64 data URLs.
enum MidjourneyImages {
    /// Local paths (or `file://` URLs) read and inlined as data URLs; data URLs pass through.
    /// An http(s) URL is refused: the relay wants the bytes.
    /// - Parameter field: the param the references came from, for errors (`images.1`).
    static func dataURL(_ reference: String, field: String, maxBytes: Int) throws(ResponseError) -> String {
        let resolved = try ImageSource.resolve(reference, field: field, maxBytes: maxBytes)
        guard resolved.lowercased().hasPrefix("data:") else {
            throw .invalidParams(field: field, "must be a local image file or a data: URL (the relay needs the image's bytes, not a link)")
        }
        return resolved
    }

    /// `base64Array` (data URLs, passed through) followed by the `images` param's files inlined.
    static func base64Array(_ params: Params, maxBytes: Int) throws(ResponseError) -> [String] {
        var array = try params.strings("base64Array") ?? []
        for (index, image) in (try params.strings("images") ?? []).enumerated() {
            array.append(try dataURL(image, field: "images.\(index)", maxBytes: maxBytes))
        }
        return array
    }
}
