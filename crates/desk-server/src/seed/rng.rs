//! A small deterministic PRNG (SplitMix64) for the demo dataset.
//!
//! Our own, not `rand`'s, so the dataset stays byte-identical across dependency upgrades
//! and platforms. Not for anything secret.

#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    #[cfg(test)]
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// An independent stream for item `index` of stream `label`, so that generating item
    /// N never depends on how many draws earlier items made.
    pub fn derive(seed: u64, label: u64, index: u64) -> Self {
        let mut rng = Self(seed ^ label.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.0 ^= rng.next_u64() ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
        rng.next_u64();
        rng
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi` (`hi` exclusive); `lo` when the range is empty.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo)
    }

    pub fn range_i64(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u64() % (hi - lo) as u64) as i64
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.range(0, 100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64) as usize]
    }

    /// Picks by weight; `items` must not be empty and weights not all zero.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut roll = self.range(0, total.max(1));
        for (item, weight) in items {
            if roll < u64::from(*weight) {
                return item;
            }
            roll -= u64::from(*weight);
        }
        &items[items.len() - 1].0
    }

    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for chunk in out.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        out
    }

    pub fn hex(&mut self, chars: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..chars)
            .map(|_| HEX[self.range(0, 16) as usize] as char)
            .collect()
    }

    /// `chars` characters drawn from `alphabet`.
    pub fn string_from(&mut self, alphabet: &str, chars: usize) -> String {
        let letters: Vec<char> = alphabet.chars().collect();
        (0..chars).map(|_| *self.pick(&letters)).collect()
    }

    /// A UUIDv7 whose timestamp is `ms`; the rest comes from this stream.
    pub fn uuid_v7(&mut self, ms: i64) -> String {
        let random = self.bytes::<10>();
        uuid::Builder::from_unix_timestamp_millis(ms.max(0) as u64, &random)
            .into_uuid()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let (mut a, mut b) = (Rng::derive(7, 1, 42), Rng::derive(7, 1, 42));
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(
            xs, ys,
            "the demo dataset depends on streams being reproducible"
        );
        assert_ne!(
            Rng::derive(7, 1, 43).next_u64(),
            xs[0],
            "neighbouring items get different streams"
        );
    }

    #[test]
    fn uuid_carries_the_timestamp() {
        let id = Rng::new(1).uuid_v7(1_748_856_600_000);
        let parsed = uuid::Uuid::parse_str(&id).unwrap();
        assert_eq!(parsed.get_version_num(), 7, "ids are UUIDv7");
        let (secs, _) = parsed.get_timestamp().unwrap().to_unix();
        assert_eq!(
            secs, 1_748_856_600,
            "the id's time is the record's creation time"
        );
    }
}
