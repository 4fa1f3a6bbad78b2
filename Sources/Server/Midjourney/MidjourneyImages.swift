import Primitives
import JSONRPC
import Upstream

/// Images for MidJourney bodies, which carry the image bytes themselves as base64 data URLs.
enum MidjourneyImages {
    /// Local paths (or `file://` URLs) read and inlined as data URLs; data URLs pass through.
    /// An http(s) URL is refused: the relay wants the bytes.
    /// - Parameter field: the param the references came from, for errors (`images.1`).
    /// - Parameter budget: the request's file limits (see `FileBudget`), shared by its images.
    static func dataURL(_ reference: String, field: String, budget: inout FileBudget) throws(ResponseError) -> String {
        let resolved = try ImageSource.resolve(reference, field: field, budget: &budget)
        guard resolved.lowercased().hasPrefix("data:") else {
            throw .invalidParams(field: field, "must be a local image file or a data: URL (the relay needs the image's bytes, not a link)")
        }
        return resolved
    }

    /// `base64Array` (data URLs, passed through) followed by the `images` param's files inlined.
    static func base64Array(_ params: Params, settings: Settings) async throws(ResponseError) -> [String] {
        var budget = FileBudget(settings)
        let given = try params.strings("base64Array") ?? []
        let images = try params.strings("images") ?? []
        return try await BlockingIO.run { () throws(ResponseError) in
            try given + images.enumerated().map { index, image throws(ResponseError) in
                try dataURL(image, field: "images.\(index)", budget: &budget)
            }
        }
    }

    /// One image given as a data URL in the param `dataURL` or as a local file in the param
    /// `file` (read and inlined; -32602 when both are given); nil when neither is.
    static func oneImage(_ params: Params, file: String, dataURL: String, settings: Settings) async throws(ResponseError) -> String? {
        switch (try params.string(dataURL), try params.string(file)) {
        case (_?, _?):
            throw .invalidParams(field: file, "cannot be combined with \(dataURL): give one image")
        case (nil, let reference?):
            var budget = FileBudget(settings)
            return try await BlockingIO.run { () throws(ResponseError) in try self.dataURL(reference, field: file, budget: &budget) }
        case (let given, nil):
            return given
        }
    }

    /// `oneImage`, required: -32602 naming `file` when neither param is given.
    static func requiredImage(_ params: Params, file: String, dataURL: String, settings: Settings) async throws(ResponseError) -> String {
        guard let image = try await oneImage(params, file: file, dataURL: dataURL, settings: settings) else {
            throw .invalidParams(field: file, "is required (a local image file), or \(dataURL) (a data: URL)")
        }
        return image
    }
}
