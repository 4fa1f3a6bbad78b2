/// Home directories, for `~` in paths: the user's own from `HOME`, else the password database.
public enum HomeDirectory {
    /// The current user's home directory.
    public static func current(environment home: String?) -> String {
        if let home, !home.isEmpty { return home }
        return of(uid: getuid()) ?? "/"
    }

    /// The home directory of the user called `name`, nil for no such user.
    public static func of(user name: String) -> String? {
        guard let entry = getpwnam(name), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }

    private static func of(uid: uid_t) -> String? {
        guard let entry = getpwuid(uid), let directory = entry.pointee.pw_dir else { return nil }
        return String(cString: directory)
    }
}
