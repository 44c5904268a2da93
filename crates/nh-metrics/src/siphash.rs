//! SipHash-1-3 and SipHash-2-4 over a byte slice, as CPython's `Python/pyhash.c` computes them.
//!
//! Both are the standard SipHash construction (Aumasson and Bernstein) with a 64-bit output:
//! `c` compression rounds per 8-byte little-endian word, a final word that holds the tail bytes
//! and the input length modulo 256 in its top byte, then `d` finalization rounds and
//! `v0 ^ v1 ^ v2 ^ v3`.

/// SipHash-1-3 of `data` under the key `(k0, k1)`: CPython 3.11+'s string and bytes hash.
pub fn siphash13(k0: u64, k1: u64, data: &[u8]) -> u64 {
    siphash::<1, 3>(k0, k1, data)
}

/// SipHash-2-4 of `data` under the key `(k0, k1)`: CPython 3.4-3.10's string and bytes hash.
pub fn siphash24(k0: u64, k1: u64, data: &[u8]) -> u64 {
    siphash::<2, 4>(k0, k1, data)
}

/// SipHash with `C` compression and `D` finalization rounds.
fn siphash<const C: usize, const D: usize>(k0: u64, k1: u64, data: &[u8]) -> u64 {
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    let mut words = data.chunks_exact(8);
    for chunk in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        compress::<C>(&mut v, u64::from_le_bytes(word));
    }
    // The top byte carries the length modulo 256; the shift drops the higher bits on purpose.
    let mut last = (data.len() as u64) << 56;
    for (i, &byte) in words.remainder().iter().enumerate() {
        last |= u64::from(byte) << (8 * i);
    }
    compress::<C>(&mut v, last);
    v[2] ^= 0xff;
    for _ in 0..D {
        sip_round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// Absorbs one message word with `C` rounds.
#[inline(always)]
fn compress<const C: usize>(v: &mut [u64; 4], word: u64) {
    v[3] ^= word;
    for _ in 0..C {
        sip_round(v);
    }
    v[0] ^= word;
}

/// One SipRound: two add-rotate-xor half rounds.
#[inline(always)]
fn sip_round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[2] = v[2].wrapping_add(v[3]);
    v[1] = v[1].rotate_left(13) ^ v[0];
    v[3] = v[3].rotate_left(16) ^ v[2];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[1]);
    v[0] = v[0].wrapping_add(v[3]);
    v[1] = v[1].rotate_left(17) ^ v[2];
    v[3] = v[3].rotate_left(21) ^ v[0];
    v[2] = v[2].rotate_left(32);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hasher;

    /// The key 00 01 .. 0f of the SipHash paper's test vectors.
    const PAPER_K0: u64 = 0x0706_0504_0302_0100;
    const PAPER_K1: u64 = 0x0f0e_0d0c_0b0a_0908;

    #[test]
    fn siphash24_matches_the_paper_vector() {
        // Appendix A of the SipHash paper: 15-byte message 00 01 .. 0e.
        let message: Vec<u8> = (0u8..15).collect();
        assert_eq!(
            siphash24(PAPER_K0, PAPER_K1, &message),
            0xa129_ca61_49be_45e5
        );
    }

    #[test]
    fn siphash24_matches_the_reference_vectors_for_empty_and_8_bytes() {
        // First and ninth entries of the reference implementation's 64-bit vector table.
        assert_eq!(siphash24(PAPER_K0, PAPER_K1, &[]), 0x726f_db47_dd0e_0e31);
        let eight: Vec<u8> = (0u8..8).collect();
        assert_eq!(siphash24(PAPER_K0, PAPER_K1, &eight), 0x93f5_f579_9a93_2462);
    }

    #[test]
    fn siphash13_with_zero_key_matches_std_default_hasher() {
        // `DefaultHasher::new()` is SipHash-1-3 with a zero key; `write` feeds raw bytes.
        for len in 0..40u8 {
            let data: Vec<u8> = (0..len)
                .map(|i| i.wrapping_mul(37).wrapping_add(5))
                .collect();
            let mut std_hasher = std::hash::DefaultHasher::new();
            std_hasher.write(&data);
            assert_eq!(siphash13(0, 0, &data), std_hasher.finish(), "length {len}");
        }
    }
}
