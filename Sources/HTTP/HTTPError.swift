/// Why an exchange failed in the engine (before any meaning is given to a status code).
public enum HTTPError: Error, Sendable, Equatable {
    /// libcurl could not be loaded; the text says why and what to install.
    case unavailable(String)
    /// The request is unusable before anything is sent (bad URL, unreadable body file).
    case invalidRequest(String)
    /// The connection failed. `afterHead`: the response head had arrived (the body broke off).
    case transport(String, afterHead: Bool)
    /// The exchange failed in a way trying again cannot mend: the server's certificate is not
    /// trusted, the URL is malformed or its scheme unsupported.
    case permanent(String)
    /// A time limit ran out.
    case timeout(Timeouts.Kind, seconds: Double)
    /// The response head was larger than the engine accepts.
    case headTooLarge(limit: Int)
}
