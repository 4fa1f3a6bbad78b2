/// Why the conversation store could not do what was asked. `message` is written for the user: it
/// names the file or the conversation and says what to do.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure it is, so that callers can map it (an unknown id is bad params).
    public struct Kind: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// `libsqlite3.so.0` could not be loaded.
        public static let libraryMissing = Kind(rawValue: "library_missing")
        /// No conversation has the id asked for.
        public static let unknownConversation = Kind(rawValue: "unknown_conversation")
        /// A position past the end of a conversation (`fork`'s `at`).
        public static let outOfRange = Kind(rawValue: "out_of_range")
        /// The file is not a SQLite database, is damaged, belongs to another program or was
        /// written by a newer Switchboard: it is left untouched.
        public static let unusableFile = Kind(rawValue: "unusable_file")
        /// Another process held the database locked for longer than the busy time-out.
        public static let busy = Kind(rawValue: "busy")
        /// Any other failure: a full disk, a read-only file, an I/O error.
        public static let failed = Kind(rawValue: "failed")
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
