//! The capture's one table of RFC 6062 connections: what the core links for the tree (the
//! ConnectionAttempt indication or Connect success response that announced a
//! CONNECTION-ID, and the ConnectionBind frames that bound it) and the session analysis's
//! data connection of an allocation, in the same entry.
//!
//! An entry is keyed by the TURN server's IP address and the CONNECTION-ID ([`ConnKey`]):
//! the id is the server's choice, so two servers may use the same one. The core records the
//! announcement and the bind under the key; the analysis hangs its data connection (an index
//! into its allocation's data connections) off the same entry, so each connection is stored
//! once and found with one lookup.

use std::net::IpAddr;

use super::{Attempt, FastMap};

/// Key of an RFC 6062 connection: the TURN server's IP address and the CONNECTION-ID.
pub type ConnKey = (IpAddr, u32);

/// What is known of one RFC 6062 connection (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct Connection {
    /// The ConnectionAttempt indication that announced it (peer-initiated).
    pub attempt: Option<Attempt>,
    /// The Connect success response that announced it (client-initiated).
    pub connect: Option<Attempt>,
    /// The analysis's data connection: (allocation index, index in its data connections).
    pub(crate) analysis: Option<(u32, u32)>,
}

/// The RFC 6062 connections of a capture (see the module documentation).
#[derive(Debug, Default)]
pub struct Connections {
    map: FastMap<ConnKey, Connection>,
}

impl Connections {
    /// The connection `key`.
    #[inline]
    pub fn get(&self, key: &ConnKey) -> Option<&Connection> {
        self.map.get(key)
    }

    /// The connection `key`, to update.
    #[inline]
    pub(crate) fn get_mut(&mut self, key: &ConnKey) -> Option<&mut Connection> {
        self.map.get_mut(key)
    }

    /// The connection `key`, made empty when new.
    #[inline]
    pub(crate) fn entry(&mut self, key: ConnKey) -> &mut Connection {
        self.map.entry(key).or_default()
    }

    /// Number of connections known.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// No connection known.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_holds_the_core_links_and_the_analysis_data_connection() {
        let mut c = Connections::default();
        let (a, b): (IpAddr, IpAddr) = ([192, 0, 2, 1].into(), [192, 0, 2, 2].into());
        c.entry((a, 7)).analysis = Some((0, 0));
        c.entry((a, 7)).attempt = Some(Attempt {
            frame: 3,
            conv: 1,
            peer: None,
            bind_frame: None,
            bound_frame: None,
        });
        assert_eq!(c.len(), 1);
        let e = c.get(&(a, 7)).unwrap();
        assert_eq!(
            (e.analysis, e.attempt.map(|x| x.frame)),
            (Some((0, 0)), Some(3))
        );
        // Another server's connection with the same id is another connection.
        assert!(c.get(&(b, 7)).is_none());
        c.get_mut(&(a, 7)).unwrap().analysis = None;
        assert!(c.get(&(a, 7)).unwrap().analysis.is_none());
    }
}
