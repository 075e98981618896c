//! What leaves the page about the device and the person: the `privacy.*`
//! switches, and each value as they let it out.

use crate::prelude::*;

use crate::engine::text::cat;

/// What leaves the page about the device and the person (`privacy.*`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Privacy {
    /// `userAgent`: 0 full, 1 browser and major version only, 2 none.
    pub user_agent: u8,
    /// `referrer`: 0 full, 1 without its query and fragment, 2 its origin only, 3 none.
    pub referrer: u8,
    /// `userId`: 0 sent as given, 1 SHA-256 of salt + id, 2 never kept nor sent.
    pub user_id: u8,
    /// `userIdSalt`: prepended before hashing (the site's secret).
    pub salt: String,
}

impl Privacy {
    /// `navigator.userAgent` (a JSON literal) as it may leave the page.
    pub fn user_agent(&self, ua: &str) -> String {
        match self.user_agent {
            0 => ua.into(),
            1 => {
                // The first known browser token, with its major version.
                for name in ["Edg/", "OPR/", "Firefox/", "Chrome/", "Version/"] {
                    if let Some(at) = crate::engine::text::url::find(ua, name) {
                        let rest = ua.get(at + name.len()..).unwrap_or("");
                        let digits = rest.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(rest.len());
                        let label = if name == "Version/" { "Safari/" } else { name };
                        return cat(&["\"", label, rest.get(..digits).unwrap_or(""), "\""]);
                    }
                }
                "\"\"".into()
            }
            _ => "\"\"".into(),
        }
    }

    /// `document.referrer` as it may leave the page.
    pub fn referrer(&self, r: &str) -> String {
        match self.referrer {
            0 => r.into(),
            1 => r.get(..r.bytes().position(|b| b == b'?' || b == b'#').unwrap_or(r.len())).unwrap_or("").into(),
            2 => {
                use crate::engine::text::url::{find, origin};
                if find(r, "://").is_none() {
                    String::new()
                } else {
                    cat(&[origin(r), "/"])
                }
            }
            _ => String::new(),
        }
    }

    /// A user id as it may be kept and sent (`None`: dropped).
    pub fn user_id(&self, id: String) -> Option<String> {
        match self.user_id {
            0 => Some(id),
            1 => Some(crate::engine::text::sha256::hex(cat(&[&self.salt, &id]).as_bytes())),
            _ => None,
        }
    }
}
