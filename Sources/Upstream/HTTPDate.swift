import Primitives

/// HTTP dates (RFC 9110 §5.6.7): the IMF-fixdate every server sends today,
/// `Sun, 06 Nov 1994 08:49:37 GMT`, and the two obsolete forms recipients must still accept,
/// `Sunday, 06-Nov-94 08:49:37 GMT` (RFC 850) and `Sun Nov  6 08:49:37 1994` (asctime).
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Seconds since 1970 (UTC) of the date `text` names; nil when it is not an HTTP date.
    static func secondsSince1970(_ text: String) -> Double? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }).map { $0.lowercased() }
        guard words.count >= 5 else { return nil }
        let day: Int?, month: Int?, year: Int?, time: Substring
        if words.count == 5, let asctimeMonth = months.firstIndex(of: String(words[1].prefix(3))) {
            // asctime: weekday month day time year
            (day, month, year, time) = (Int(words[2]), asctimeMonth, Int(words[4]), Substring(words[3]))
        } else {
            // IMF-fixdate and RFC 850: weekday day month year time GMT
            guard words.count == 6, words[5] == "gmt" else { return nil }
            (day, month, year, time) = (Int(words[1]), months.firstIndex(of: words[2]), Int(words[3]), Substring(words[4]))
        }
        let clock = time.split(separator: ":").compactMap { Int($0) }
        guard let day, let month, var year, clock.count == 3, (1...31).contains(day), (0...23).contains(clock[0]),
              (0...59).contains(clock[1]), (0...60).contains(clock[2]) else { return nil }
        if year < 100 { year += year < 70 ? 2000 : 1900 }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(clock[0])
        parts.tm_min = Int32(clock[1])
        parts.tm_sec = Int32(clock[2])
        return Double(timegm(&parts))
    }
}
