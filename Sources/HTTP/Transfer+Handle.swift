import Primitives
import CCurl

/// Building the libcurl easy handle that carries a transfer.
extension Transfer {
    /// The longest a TCP (and TLS) connection attempt may take before it counts as a failure.
    static let connectTimeout = 30.0

    /// Creates and configures the easy handle. Called once, before the transfer is posted.
    ///
    /// What is set, and why:
    /// - no redirects are followed (the caller decides, so credentials never follow a redirect);
    /// - no content decoding, and `Accept-Encoding: identity` is sent unless the caller set one, so
    ///   a body's size on the wire is its size in memory (no decompression bombs);
    /// - `Expect:` is sent empty: no 100-continue round trip before an upload;
    /// - `Content-Type:` is sent empty unless the caller set one: libcurl would otherwise label any
    ///   POST (an empty one too) `application/x-www-form-urlencoded`;
    /// - HTTP/2 is used over TLS where the server offers it, and concurrent requests to an https
    ///   host wait for the first connection's answer and share it if it multiplexes (`PIPEWAIT`)
    ///   rather than opening new ones (not for plain http, where libcurl would queue them behind
    ///   a busy HTTP/1.1 connection instead of opening another);
    /// - proxies come from libcurl's usual variables (`https_proxy`, `http_proxy`, `no_proxy`,
    ///   and their upper-case forms but `HTTP_PROXY`); trusted certificates from `SSL_CERT_FILE`
    ///   and `SSL_CERT_DIR` when set, else libcurl's built-in store.
    func prepare() throws(HTTPError) {
        guard let easy = sb_curl_easy_init() else { throw .unavailable("curl_easy_init failed") }
        state.easy = easy
        // libcurl keeps this pointer, unretained, as every callback's user data. That is safe
        // because a handle is driven only while its transfer is in `EventLoop.transfers`, which
        // retains it; the loop removes it from there only after `curl_multi_remove_handle`, after
        // which libcurl calls back no more, and frees the handle before the transfer can go.
        let me = Unmanaged.passUnretained(self).toOpaque()
        var failed: Int32 = 0
        func set(_ option: Int32, _ value: Int) { failed |= sb_curl_easy_setopt_long(easy, option, value) }
        func set(_ option: Int32, _ text: String) { failed |= text.withCString { sb_curl_easy_setopt_pointer(easy, option, $0) } }
        /// A body held in memory; libcurl copies it.
        func setBytes(_ bytes: [UInt8]) {
            failed |= sb_curl_easy_setopt_int64(easy, SB_CURLOPT_POSTFIELDSIZE_LARGE, Int64(bytes.count))
            if bytes.isEmpty { return set(SB_CURLOPT_COPYPOSTFIELDS, "") }
            failed |= bytes.withUnsafeBytes { sb_curl_easy_setopt_pointer(easy, SB_CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
        }

        set(SB_CURLOPT_URL, request.url)
        set(SB_CURLOPT_NOSIGNAL, 1)
        set(SB_CURLOPT_FOLLOWLOCATION, 0)
        set(SB_CURLOPT_HTTP_CONTENT_DECODING, 0)
        set(SB_CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        set(SB_CURLOPT_TCP_KEEPALIVE, 1)
        set(SB_CURLOPT_TCP_NODELAY, 1)
        if request.url.lowercased().hasPrefix("https:") { set(SB_CURLOPT_PIPEWAIT, 1) }
        set(SB_CURLOPT_HTTP_VERSION, Int(SB_CURL_HTTP_VERSION_2TLS))
        set(SB_CURLOPT_CONNECTTIMEOUT_MS, Int(min(Self.connectTimeout, timeouts.request) * 1000))
        if let file = Self.environment("SSL_CERT_FILE") { set(SB_CURLOPT_CAINFO, file) }
        if let directory = Self.environment("SSL_CERT_DIR") { set(SB_CURLOPT_CAPATH, directory) }
        failed |= sb_curl_easy_setopt_pointer(easy, SB_CURLOPT_ERRORBUFFER, state.errorBuffer)
        failed |= sb_curl_easy_setopt_data_callback(easy, SB_CURLOPT_WRITEFUNCTION, writeCallback)
        failed |= sb_curl_easy_setopt_pointer(easy, SB_CURLOPT_WRITEDATA, me)
        failed |= sb_curl_easy_setopt_data_callback(easy, SB_CURLOPT_HEADERFUNCTION, headerCallback)
        failed |= sb_curl_easy_setopt_pointer(easy, SB_CURLOPT_HEADERDATA, me)

        switch (request.method.uppercased(), request.body) {
        case ("GET", .none):
            set(SB_CURLOPT_HTTPGET, 1)
        case ("HEAD", .none):
            set(SB_CURLOPT_NOBODY, 1)
        case (let method, .none):
            if method == "POST" { setBytes([]) } else { set(SB_CURLOPT_CUSTOMREQUEST, method) }
        case (let method, .bytes(let bytes)):
            setBytes(bytes)
            if method != "POST" { set(SB_CURLOPT_CUSTOMREQUEST, method) }
        case (let method, .file(_, let size)):
            set(SB_CURLOPT_POST, 1)
            failed |= sb_curl_easy_setopt_int64(easy, SB_CURLOPT_POSTFIELDSIZE_LARGE, Int64(size))
            failed |= sb_curl_easy_setopt_data_callback(easy, SB_CURLOPT_READFUNCTION, readCallback)
            failed |= sb_curl_easy_setopt_pointer(easy, SB_CURLOPT_READDATA, me)
            failed |= sb_curl_easy_setopt_seek_callback(easy, seekCallback)
            failed |= sb_curl_easy_setopt_pointer(easy, SB_CURLOPT_SEEKDATA, me)
            if method != "POST" { set(SB_CURLOPT_CUSTOMREQUEST, method) }
        }

        var lines = request.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        if request.header("Accept-Encoding") == nil { lines.append("Accept-Encoding: identity") }
        if request.header("Expect") == nil { lines.append("Expect:") }
        if request.header("Content-Type") == nil { lines.append("Content-Type:") }
        for line in lines {
            guard let list = sb_curl_slist_append(state.headerList, line) else { throw .unavailable("curl_slist_append failed") }
            state.headerList = list
        }
        failed |= sb_curl_easy_setopt_pointer(easy, SB_CURLOPT_HTTPHEADER, UnsafeRawPointer(state.headerList))
        if failed != 0 {
            throw .invalidRequest("libcurl refused an option for \(request.method) \(request.url)")
        }
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}

// libcurl's callbacks: plain C functions that find their transfer through the user-data pointer.

private let writeCallback: sb_curl_data_callback = { buffer, size, count, userdata in
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
    return transfer.received(UnsafeRawBufferPointer(start: buffer, count: size * count))
}

private let headerCallback: sb_curl_data_callback = { buffer, size, count, userdata in
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
    return transfer.receivedHeaderLine(UnsafeRawBufferPointer(start: buffer, count: size * count))
}

private let readCallback: sb_curl_data_callback = { buffer, size, count, userdata in
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
    return transfer.readBody(into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
}

private let seekCallback: sb_curl_seek_callback = { userdata, offset, origin in
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
    return transfer.seekBody(to: offset, origin: origin)
}
