#![no_main]
//! Arbitrary bytes as a client's UDP payload: Initial decryption, the CRYPTO
//! frame walk, and the ClientHello parser on the first fragment. Random bytes
//! rarely pass the AEAD tag, so the frame walk and the bare-message parser
//! are also driven with the input as plaintext.
use dataplane::quic::{decrypt_initial, CryptoFrames, SCRATCH_LEN};
use dataplane::tls::{client_hello_message, Hello};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut scratch = [0u8; SCRATCH_LEN];
    if let Ok(init) = decrypt_initial(data, &mut scratch) {
        assert!(init.packet_len <= data.len() - init.offset);
        assert!(init.dcid().len() <= 20 && init.scid().len() <= 20);
        for frag in init.crypto_frames() {
            let Ok((offset, bytes)) = frag else { break };
            if offset == 0 {
                let _ = client_hello_message(bytes);
            }
        }
    }
    let mut walked = 0usize;
    for frag in CryptoFrames::new(data) {
        match frag {
            Ok((_, bytes)) => walked += bytes.len(),
            Err(_) => break,
        }
    }
    assert!(walked <= data.len());
    if let Hello::Parsed(ch) = client_hello_message(data) {
        assert_eq!(ch.ja4().len(), 36);
    }
});
