//! FNV-1a, 64 bit, with no I/O: the store hashes the line a reading position
//! ends on with it, and pure code (gc's orphan rule, promote's observation)
//! uses it as a fast hasher. The one module of the store that policy files
//! may use: it reads and writes nothing.

/// FNV-1a, 64 bit: stable across versions and platforms, enough to notice a
/// changed line (not a security boundary). Also a fast [`std::hash::Hasher`]
/// for large sets of short keys that come from the operator's own files (not
/// resistant to chosen collisions: never for keys an outsider picks).
#[derive(Debug, Clone, Copy)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64::new()
    }
}

impl Fnv64 {
    pub fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

impl std::hash::Hasher for Fnv64 {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        Fnv64::write(self, bytes);
    }
}
