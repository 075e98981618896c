//! What may not survive when a variant's template is rendered: anything
//! that would run code. The web edge walks the cloned template and removes
//! the elements and attributes these rules name, before the content enters
//! the page.

use crate::prelude::*;

/// Elements removed with their content: scripts, plugins, and elements
/// that change how the page loads or resolves URLs.
pub fn is_unsafe_element(tag: &str) -> bool {
    ["script", "object", "embed", "base", "meta", "frameset", "frame"].iter().any(|t| tag.eq_ignore_ascii_case(t))
}

/// Attributes removed: event handlers (`on…`), `srcdoc` (a document that
/// would run in the page's origin), and any URL with an executable scheme
/// (`javascript:`, `vbscript:`, `data:text/html`), however it is spaced or
/// cased.
pub fn is_unsafe_attribute(name: &str, value: &str) -> bool {
    let n = name.as_bytes();
    if n.len() > 2 && n[..2].eq_ignore_ascii_case(b"on") {
        return true;
    }
    if name.eq_ignore_ascii_case("srcdoc") {
        return true;
    }
    // Browsers ignore whitespace and control characters inside a scheme.
    let squeezed: Vec<u8> = value.bytes().filter(|b| *b > b' ').map(|b| b.to_ascii_lowercase()).take(16).collect();
    squeezed.starts_with(b"javascript:") || squeezed.starts_with(b"vbscript:") || squeezed.starts_with(b"data:text/html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_script_urls_go() {
        for t in ["script", "SCRIPT", "object", "embed", "base", "meta"] {
            assert!(is_unsafe_element(t), "{t}");
        }
        for t in ["div", "img", "a", "iframe", "template", "style"] {
            assert!(!is_unsafe_element(t), "{t}");
        }
        for (n, v) in [
            ("onerror", "x"),
            ("ONCLICK", ""),
            ("onload", "1"),
            ("srcdoc", "<p>"),
            ("href", "javascript:alert(1)"),
            ("href", " JaVa\tScRiPt:alert(1)"),
            ("src", "vbscript:x"),
            ("href", "data:text/html,<script>"),
        ] {
            assert!(is_unsafe_attribute(n, v), "{n}={v}");
        }
        for (n, v) in [("href", "/sale"), ("src", "https://cdn.example/a.png"), ("class", "on"), ("data-x", "javascript"), ("on", "x"), ("src", "data:image/png;base64,AA")] {
            assert!(!is_unsafe_attribute(n, v), "{n}={v}");
        }
    }
}
