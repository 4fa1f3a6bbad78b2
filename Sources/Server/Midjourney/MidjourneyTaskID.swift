/// A MidJourney task id, which goes into a path as one segment (`mj/task/{id}/fetch`): checked
/// the same way whether a client or the relay gave it, so that neither can steer the request
/// elsewhere (`../../../x` would make it `/x/fetch`).
enum MidjourneyTaskID {
    /// Why `id` cannot be a task id; nil when it can: not empty, not `.` or `..` (also once a
    /// `;parameter` is removed, as Tomcat, Jetty and Spring read it), and none of `/`, `\`, `?`,
    /// `#`, `%`, `;` or control characters. Judged by Unicode scalars, not characters: a `/`
    /// followed by a combining mark is one `Character` but still a `/` in a URL.
    static func problem(_ id: String) -> String? {
        if id.isEmpty { return "it is empty" }
        if let character = id.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "it holds the control character U+\(String(character.value, radix: 16, uppercase: true))"
        }
        if let character = id.unicodeScalars.first(where: { "/\\?#%;".unicodeScalars.contains($0) }) { return "it holds \"\(character)\"" }
        if id.utf8.elementsEqual(".".utf8) || id.utf8.elementsEqual("..".utf8) { return "it is \"\(id)\"" }
        return nil
    }
}
