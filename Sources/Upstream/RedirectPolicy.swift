/// Which redirects an upstream call follows (at most `maxRedirects` in a row).
///
/// Credentials never leave the base URL's origin either way (see `UpstreamTarget.redirected`).
public enum RedirectPolicy: Sendable {
    /// API calls: redirects within the base URL's origin are followed; one to another origin is
    /// refused with an error naming it — the request would carry the user's prompt or files to a
    /// host they never configured, and without the key it could only fail.
    case sameOrigin
    /// Downloads of URLs the API handed out (images on a storage host): any http(s) redirect is
    /// followed, without credentials off the base URL's origin.
    case anyOrigin

    public static let maxRedirects = 5
    /// The statuses that redirect (with a `Location`).
    public static let statuses: Set<Int> = [301, 302, 303, 307, 308]
}
