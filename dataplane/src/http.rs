//! The HTTP/1.x `Host` header of a plaintext request, for the flow's name.
//!
//! Only the client's first payload segment is read: a request line and
//! its headers nearly always fit one segment, and looking no further keeps
//! the work per flow bounded without reassembly. Nothing here allocates or
//! panics on input.

/// Request methods that start an HTTP/1.x request (RFC 9110 9.3, and PATCH).
const METHODS: [&[u8]; 9] =
    [b"GET ", b"POST ", b"HEAD ", b"PUT ", b"DELETE ", b"OPTIONS ", b"PATCH ", b"CONNECT ", b"TRACE "];

/// Bytes of a request searched for the Host header.
pub const MAX_HEAD: usize = 4096;

/// Does the payload start like an HTTP/1.x request?
pub fn is_request(payload: &[u8]) -> bool {
    METHODS.iter().any(|m| payload.starts_with(m))
}

/// The host part of the `Host` header (no port, no surrounding spaces) of a
/// request that starts `payload`; `None` when the payload is not a request,
/// has no Host header within [`MAX_HEAD`] bytes, or the value is not a
/// plausible host name. An IP literal counts as no name.
pub fn host(payload: &[u8]) -> Option<&[u8]> {
    if !is_request(payload) {
        return None;
    }
    let head = &payload[..payload.len().min(MAX_HEAD)];
    // Each header line starts after a CRLF (a bare LF is tolerated).
    let mut i = 0;
    while let Some(nl) = head[i..].iter().position(|&b| b == b'\n') {
        let line_start = i + nl + 1;
        let rest = &head[line_start..];
        if rest.first().is_none_or(|&b| b == b'\r' || b == b'\n') {
            return None; // end of the headers
        }
        if rest.len() >= 5 && rest[..5].eq_ignore_ascii_case(b"host:") {
            let end = rest.iter().position(|&b| b == b'\r' || b == b'\n')?;
            return host_value(&rest[5..end]);
        }
        i = line_start;
    }
    None
}

fn host_value(v: &[u8]) -> Option<&[u8]> {
    let v = v.trim_ascii();
    // `[v6]:port` and bare IPv4 literals name no service.
    if v.first() == Some(&b'[') {
        return None;
    }
    let name = match v.iter().rposition(|&b| b == b':') {
        Some(c) if v[c + 1..].iter().all(u8::is_ascii_digit) => &v[..c],
        Some(_) => return None,
        None => v,
    };
    let name = name.strip_suffix(b".").unwrap_or(name);
    if name.is_empty()
        || name.len() > crate::names::MAX_NAME
        || !name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        || name.iter().all(|&b| b.is_ascii_digit() || b == b'.')
    {
        return None;
    }
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_of_real_requests() {
        let curl = b"GET /debian/dists/bookworm/Release HTTP/1.1\r\nUser-Agent: curl/7.88.1\r\nHost: deb.debian.org\r\nAccept: */*\r\n\r\n";
        assert_eq!(host(curl), Some(&b"deb.debian.org"[..]));
        let port = b"POST /x HTTP/1.1\r\nhOsT:   Example.COM:8080  \r\n\r\nbody";
        assert_eq!(host(port), Some(&b"Example.COM"[..]));
        let lf = b"HEAD / HTTP/1.0\nHost: a.b\n\n";
        assert_eq!(host(lf), Some(&b"a.b"[..]));
    }

    #[test]
    fn no_name_where_there_is_none() {
        assert_eq!(host(b"\x16\x03\x01\x02\x00"), None, "TLS");
        assert_eq!(host(b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\nHost: late.example\r\n"), None, "after the headers");
        assert_eq!(host(b"GET / HTTP/1.1\r\nHost: 192.0.2.1:80\r\n\r\n"), None, "IPv4 literal");
        assert_eq!(host(b"GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n"), None, "IPv6 literal");
        assert_eq!(host(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), None, "a space inside");
        assert_eq!(host(b"GET / HTTP/1.1\r\nHost: \r\n\r\n"), None, "empty");
        assert_eq!(host(b"GET / HTTP/1.1\r\nHost: cut.exa"), None, "cut before the line ends");
        let long = [b"GET / HTTP/1.1\r\nHost: ".as_slice(), &[b'a'; 300], b"\r\n\r\n"].concat();
        assert_eq!(host(&long), None, "longer than a DNS name");
        let mut far = b"GET / HTTP/1.1\r\nX: ".to_vec();
        far.extend(std::iter::repeat_n(b'x', MAX_HEAD));
        far.extend_from_slice(b"\r\nHost: far.example\r\n\r\n");
        assert_eq!(host(&far), None, "beyond the bound");
    }

    #[test]
    fn never_panics_on_any_prefix() {
        let req = b"GET / HTTP/1.1\r\nHost: www.example.org:443\r\nX: y\r\n\r\n";
        for n in 0..=req.len() {
            let _ = host(&req[..n]);
        }
    }
}
